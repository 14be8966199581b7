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

variable "keep_tagged_images" {
  description = "Tagged images kept per repository."
  type        = number
  default     = 100
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
