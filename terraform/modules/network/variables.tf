variable "name" {
  description = "Name prefix for the VPC and its subnets."
  type        = string
}

variable "cidr" {
  description = "IPv4 CIDR of the VPC; private subnets take /20s, public subnets /24s out of it."
  type        = string
}

variable "azs" {
  description = "Availability zones to spread subnets over (three for a highly available cluster)."
  type        = list(string)

  validation {
    condition     = length(var.azs) == 3
    error_message = "The platform spreads over exactly three availability zones."
  }
}

variable "single_nat_gateway" {
  description = "One shared NAT gateway (cheap, dev) instead of one per AZ (resilient, prod)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
