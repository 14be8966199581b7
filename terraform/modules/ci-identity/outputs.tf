output "release_role_arn" {
  description = "Role of the release jobs (ECR push), reachable only from the GitHub environment; AWS_RELEASE_ROLE_ARN there."
  value       = aws_iam_role.release.arn
}

output "terraform_plan_role_arn" {
  description = "Role for terraform plan on pull requests; AWS_PLAN_ROLE_ARN_<ENV> in the repository."
  value       = aws_iam_role.terraform_plan.arn
}
