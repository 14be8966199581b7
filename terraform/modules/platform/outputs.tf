output "cluster_name" {
  description = "EKS cluster name."
  value       = module.cluster.cluster_name
}

output "ci_role_arn" {
  description = "Role for GitHub Actions release jobs (AWS_CI_ROLE_ARN)."
  value       = module.ci_identity.ci_role_arn
}

output "terraform_plan_role_arn" {
  description = "Role for terraform plan on pull requests (AWS_PLAN_ROLE_ARN)."
  value       = module.ci_identity.terraform_plan_role_arn
}

output "repository_urls" {
  description = "ECR repository per service."
  value       = module.registry.repository_urls
}

output "irsa_role_arns" {
  description = "IRSA role per service, for the chart's serviceAccount annotation."
  value       = module.workload_identity.role_arns
}

output "docker_hub_secret_arn" {
  description = "Secret to fill with Docker Hub credentials for the pull-through cache."
  value       = module.registry.docker_hub_secret_arn
}

# For the environment's provider blocks, which live in envs/<env> (a root module's job).

output "tags" {
  description = "Tags every resource carries: the aws provider's default_tags."
  value       = local.tags
}

output "cluster_endpoint" {
  description = "Kubernetes API endpoint, for the helm provider."
  value       = module.cluster.cluster_endpoint
}

output "cluster_certificate_authority_data" {
  description = "Cluster CA (base64), for the helm provider."
  value       = module.cluster.cluster_certificate_authority_data
}
