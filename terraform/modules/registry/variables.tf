variable "name_prefix" {
  description = "Prefix of every repository (<prefix>/<service>) and of the pull-through cache."
  type        = string
}

variable "services" {
  description = "Services that get an image repository."
  type        = list(string)
}

variable "base_images" {
  description = "Runtime base kinds that get a repository <prefix>/base/<kind>."
  type        = list(string)
  default     = ["static", "glibc", "jre", "node", "python"]
}

variable "untagged_expiry_days" {
  description = "Days after which untagged images expire."
  type        = number
  default     = 14
}

variable "pull_account_ids" {
  description = "Other AWS accounts whose principals may pull these repositories' images (prod, for the digests dev built)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.pull_account_ids : can(regex("^[0-9]{12}$", id))])
    error_message = "pull_account_ids are 12-digit AWS account ids."
  }
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
