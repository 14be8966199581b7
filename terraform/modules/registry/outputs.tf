output "repository_arns" {
  description = "ARN of each service's repository, by service."
  value       = { for name, repo in module.repository : name => repo.repository_arn }
}

output "repository_urls" {
  description = "URL of each service's repository, by service."
  value       = { for name, repo in module.repository : name => repo.repository_url }
}

output "docker_hub_cache_prefix" {
  description = "Repository prefix under which Docker Hub images are pulled through the cache."
  value       = aws_ecr_pull_through_cache_rule.docker_hub.ecr_repository_prefix
}

output "docker_hub_secret_arn" {
  description = "Secret to fill with the Docker Hub username and access token."
  value       = aws_secretsmanager_secret.docker_hub.arn
}

output "kms_key_arn" {
  description = "KMS key encrypting the repositories."
  value       = aws_kms_key.ecr.arn
}

output "registry" {
  description = "The registry host (ACCOUNT.dkr.ecr.REGION.amazonaws.com) the repositories live in."
  value       = one(distinct([for repo in module.repository : split("/", repo.repository_url)[0]]))
}
