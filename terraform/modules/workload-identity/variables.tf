variable "name_prefix" {
  description = "Prefix of the role names."
  type        = string
}

variable "oidc_provider_arn" {
  description = "The cluster's IAM OIDC provider."
  type        = string
}

variable "oidc_issuer_url" {
  description = "The cluster's OIDC issuer URL (https://oidc.eks...)."
  type        = string
}

variable "service_accounts" {
  description = "Services that call AWS: the service account they run as, and their IAM policy."
  type = map(object({
    namespace       = string
    service_account = string
    policy_json     = string
  }))

  validation {
    condition = alltrue([for sa in values(var.service_accounts) :
    !strcontains("${sa.namespace}${sa.service_account}", "*")])
    error_message = "Each IRSA role trusts one concrete namespace and service account, never a wildcard."
  }
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
