variable "name_prefix" {
  description = "Prefix of the role names."
  type        = string
}

variable "environment" {
  description = "GitHub environment whose jobs alone may assume the release role (its protection rules gate it)."
  type        = string
}

variable "github_repository" {
  description = "The one repository (OWNER/REPO) whose workflows may assume these roles."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be exactly OWNER/REPO, without wildcards."
  }
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (only one may exist per account)."
  type        = bool
  default     = true
}

variable "ecr_repository_arns" {
  description = "The service repositories CI may push to."
  type        = list(string)
}

variable "pull_through_cache_prefix" {
  description = "ECR prefix of the Docker Hub pull-through cache."
  type        = string
}

variable "region" {
  description = "Region of the registry."
  type        = string
}

variable "account_id" {
  description = "Account of the registry."
  type        = string
}

variable "state_bucket_arn" {
  description = "S3 bucket holding Terraform state, read by the plan role."
  type        = string
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
