variable "environment" {
  description = "Environment name (dev, prod): names resources and the GitHub environment CI deploys to."
  type        = string
}

variable "region" {
  description = "AWS region."
  type        = string
}

variable "github_repository" {
  description = "OWNER/REPO of this repository: the only one whose workflows may assume the CI roles."
  type        = string
}

variable "create_github_oidc_provider" {
  description = "Whether this environment creates the account's GitHub OIDC provider."
  type        = bool
}

variable "vpc_cidr" {
  description = "CIDR of the VPC."
  type        = string
}

variable "azs" {
  description = "Three availability zones."
  type        = list(string)
}

variable "single_nat_gateway" {
  description = "Share one NAT gateway across AZs."
  type        = bool
}

variable "kubernetes_version" {
  description = "Kubernetes version of the cluster."
  type        = string
}

variable "api_allowed_cidrs" {
  description = "CIDRs of operator networks allowed to a public Kubernetes API endpoint; empty: no public endpoint. CI never needs one: it runs in the VPC."
  type        = list(string)
}

variable "terraform_apply_role_name" {
  description = "Name of the IAM role terraform apply runs as, bootstrapped in this account outside Terraform (terraform/README.md); it gets cluster admin."
  type        = string
}

variable "github_connection_name" {
  description = "Name of this account's CodeConnections connection to GitHub (created and authorized once by hand), which the CI runner uses."
  type        = string
}

variable "image_pull_account_ids" {
  description = "Accounts that run images built here (prod, for the digests dev built and promote copies); their principals may pull."
  type        = list(string)
  default     = []
}

variable "admin_role_arns" {
  description = "Platform team roles with cluster admin access."
  type        = list(string)
  default     = []
}

variable "node_groups" {
  description = "Managed node groups."
  type = map(object({
    instance_types = list(string)
    capacity_type  = optional(string, "ON_DEMAND")
    min_size       = number
    max_size       = number
    desired_size   = number
  }))
}

variable "services_namespace" {
  description = "Namespace the commerce services run in."
  type        = string
  default     = "commerce"
}

variable "email_from_address" {
  description = "Sender address the email service may use with SES."
  type        = string
}

variable "ledger_bucket_arn" {
  description = "Bucket the accounting service exports ledgers to."
  type        = string
}

variable "argocd_domain" {
  description = "Host name of the ArgoCD UI."
  type        = string
}

variable "gitops_revision" {
  description = "Branch ArgoCD follows for this environment."
  type        = string
  default     = "main"
}

variable "state_bucket" {
  description = "S3 bucket of this environment's Terraform state (same as in backend.tf)."
  type        = string
}
