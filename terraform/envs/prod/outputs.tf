output "cluster_name" {
  description = "EKS cluster name."
  value       = module.platform.cluster_name
}

output "ci_role_arn" {
  description = "Role for GitHub Actions release jobs (AWS_CI_ROLE_ARN)."
  value       = module.platform.ci_role_arn
}

output "terraform_plan_role_arn" {
  description = "Role for terraform plan on pull requests (AWS_PLAN_ROLE_ARN)."
  value       = module.platform.terraform_plan_role_arn
}

output "repository_urls" {
  description = "ECR repository per service."
  value       = module.platform.repository_urls
}

output "irsa_role_arns" {
  description = "IRSA role per service, for the chart's serviceAccount annotation."
  value       = module.platform.irsa_role_arns
}

output "docker_hub_secret_arn" {
  description = "Secret to fill with Docker Hub credentials for the pull-through cache."
  value       = module.platform.docker_hub_secret_arn
}
