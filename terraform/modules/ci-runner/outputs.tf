output "security_group_id" {
  description = "Security group of the runner's network interfaces: the cluster API admits it on 443."
  value       = aws_security_group.runner.id
}

output "project_name" {
  description = "CodeBuild project; a job runs on it with runs-on: codebuild-<project_name>-<run id>-<attempt>."
  value       = aws_codebuild_project.runner.name
}
