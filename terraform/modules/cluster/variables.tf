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
  description = "CIDRs allowed to reach a public API endpoint; empty (the default choice) disables the public endpoint."
  type        = list(string)

  validation {
    condition     = alltrue([for c in var.public_access_cidrs : !contains(["0.0.0.0/0", "::/0"], c)])
    error_message = "The public API endpoint is restricted to an explicit allow-list, never the whole internet."
  }
}

variable "api_client_security_groups" {
  description = "Security groups (by a name for the rule) whose members may reach the private API endpoint on 443: the CI runner."
  type        = map(string)
  default     = {}
}

variable "terraform_apply_role_arn" {
  description = "IAM role terraform apply runs as (bootstrapped per account); cluster admin, since it installs Argo CD."
  type        = string
}

variable "terraform_plan_role_arn" {
  description = "IAM role terraform plan runs as on pull requests; reads the helm releases' state only."
  type        = string
}

variable "helm_release_namespaces" {
  description = "Namespaces of the helm releases Terraform manages (their state lives there as Secrets), readable by the plan role."
  type        = list(string)
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
