output "cluster_name" {
  description = "EKS cluster name."
  value       = module.cluster.cluster_name
}

output "release_role_arn" {
  description = "Role of the release jobs, reachable only from this environment's GitHub environment."
  value       = module.ci_identity.release_role_arn
}

output "terraform_plan_role_arn" {
  description = "Role for terraform plan on pull requests."
  value       = module.ci_identity.terraform_plan_role_arn
}

# The one source of the GitHub variables the workflows read: each key is the variable's exact
# name, set on the GitHub environment named like this environment (README.md, "Running it on
# AWS and GitHub"). tests/infra/test_workflow_variables.py holds the workflows to these names.
output "github_environment_variables" {
  description = "Variables of this environment's GitHub environment, by their exact names."
  value = {
    AWS_RELEASE_ROLE_ARN    = module.ci_identity.release_role_arn
    ECR_REGISTRY            = module.registry.registry
    DOCKER_HUB_CACHE_PREFIX = module.registry.docker_hub_cache_prefix
  }
}

output "terraform_runner_project" {
  description = "CodeBuild project of the runner terraform plan/apply jobs run on (runs-on: codebuild-<project>-<run id>-<attempt>)."
  value       = module.ci_runner.project_name
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
