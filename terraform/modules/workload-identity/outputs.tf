output "role_arns" {
  description = "Role ARN per service, for the eks.amazonaws.com/role-arn service-account annotation."
  value       = { for name, role in aws_iam_role.service : name => role.arn }
}
