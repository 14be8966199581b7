output "cluster_name" {
  description = "EKS cluster name."
  value       = module.platform.cluster_name
}

output "release_role_arn" {
  description = "Role of the release jobs (AWS_RELEASE_ROLE_ARN of the GitHub environment prod)."
  value       = module.platform.release_role_arn
}

output "terraform_plan_role_arn" {
  description = "Role for terraform plan on pull requests (AWS_PLAN_ROLE_ARN_PROD)."
  value       = module.platform.terraform_plan_role_arn
}

# What the workflows read, under the exact names they read it by: set each as it is named
# (README.md, "Running it on AWS and GitHub"); tests/infra/test_workflow_variables.py holds the
# workflows and the README to these names.
output "github_environment_variables" {
  description = "Variables of the GitHub environment prod, by name."
  value       = module.platform.github_environment_variables
}

output "github_repository_variables" {
  description = "Repository variables this environment provides, by name."
  value = {
    AWS_PLAN_ROLE_ARN_PROD = module.platform.terraform_plan_role_arn
  }
}

output "terraform_runner_project" {
  description = "CodeBuild project of the runner terraform.yml's plan and apply jobs run on."
  value       = module.platform.terraform_runner_project
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
