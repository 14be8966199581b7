output "ci_role_arn" {
  description = "Role for release pipelines (ECR push); set as AWS_CI_ROLE_ARN in the GitHub environment."
  value       = aws_iam_role.ci.arn
}

output "terraform_plan_role_arn" {
  description = "Role for terraform plan on pull requests; set as AWS_PLAN_ROLE_ARN."
  value       = aws_iam_role.terraform_plan.arn
}
