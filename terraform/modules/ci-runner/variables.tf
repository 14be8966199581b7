variable "name" {
  description = "Name of the CodeBuild project (and of its role, security group and logs); jobs select it with runs-on: codebuild-<name>-<run id>-<attempt>."
  type        = string
}

variable "github_repository" {
  description = "OWNER/REPO whose workflow jobs this runner takes."
  type        = string
}

variable "github_connection_name" {
  description = "Name of the account's CodeConnections connection to GitHub, created and authorized by hand once."
  type        = string
}

variable "vpc_id" {
  description = "VPC the runner runs in (the cluster's)."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets (with a NAT route) the runner's network interfaces go in."
  type        = list(string)
}

variable "compute_type" {
  description = "CodeBuild compute type of each job's container."
  type        = string
  default     = "BUILD_GENERAL1_SMALL"
}

variable "image" {
  description = "CodeBuild image each job runs in."
  type        = string
  default     = "aws/codebuild/amazonlinux-x86_64-standard:5.0"
}

variable "build_timeout_minutes" {
  description = "Longest a job may hold the runner; longer than the workflow's own job timeouts."
  type        = number
  default     = 90
}

variable "log_retention_days" {
  description = "Days the runner's build logs are kept."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
