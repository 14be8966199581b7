variable "name" {
  description = "Cluster name."
  type        = string
}

variable "kubernetes_version" {
  description = "Kubernetes <major>.<minor> of the control plane and node groups."
  type        = string
}

variable "vpc_id" {
  description = "VPC the cluster lives in."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets for the control plane ENIs and every node group."
  type        = list(string)
}

variable "public_access_cidrs" {
  description = "CIDRs allowed to reach the public API endpoint; empty disables the public endpoint."
  type        = list(string)

  validation {
    condition     = alltrue([for c in var.public_access_cidrs : !contains(["0.0.0.0/0", "::/0"], c)])
    error_message = "The public API endpoint is restricted to an explicit allow-list, never the whole internet."
  }
}

variable "ci_role_arn" {
  description = "IAM role assumed by CI (GitHub OIDC); granted read-only cluster access."
  type        = string
}

variable "admin_role_arns" {
  description = "IAM roles of the platform team, granted cluster admin through access entries."
  type        = list(string)
  default     = []
}

variable "node_groups" {
  description = "Managed node groups, all placed in the private subnets."
  type = map(object({
    instance_types = list(string)
    capacity_type  = optional(string, "ON_DEMAND")
    min_size       = number
    max_size       = number
    desired_size   = number
  }))
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
