# A self-hosted GitHub Actions runner inside the VPC, for the jobs that talk to the cluster's
# Kubernetes API: terraform plan and apply, whose helm provider installs and reads Argo CD. The
# API endpoint is private (modules/cluster), so only something in the VPC reaches it; GitHub's
# hosted runners do not. CodeBuild starts one ephemeral container per queued job whose
# `runs-on` names this project (codebuild-<name>-<run id>-<attempt>) and stops it after: no
# server to patch, nothing left between jobs, nothing running while no job waits.
#
# The runner itself holds no AWS permission beyond its own logs and network interfaces: a job
# reaches AWS, and the cluster, only as the role its OIDC token may assume (modules/ci-identity,
# the apply role bootstrapped per account) and that role's access entry (modules/cluster).

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

# The account's connection to GitHub (CodeConnections). It is created and authorized once per
# account by hand, since the authorization is a handshake in the console (terraform/README.md);
# Terraform only looks it up by name.
data "aws_codestarconnections_connection" "github" {
  name = var.github_connection_name
}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.region
  log_group  = "/aws/codebuild/${var.name}"
  arn_prefix = "arn:${local.partition}:ec2:${local.region}:${local.account_id}"

  # Administration stays with the account root (and so with IAM policy); CloudWatch Logs may
  # use the key for this runner's log group only.
  key_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministration"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "RunnerLogs"
        Effect    = "Allow"
        Principal = { Service = "logs.${local.region}.amazonaws.com" }
        Action    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
        Resource  = "*"
        Condition = {
          ArnEquals = {
            "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group}"
          }
        }
      },
    ]
  })
}

resource "aws_kms_key" "runner" {
  description             = "CI runner ${var.name}: build logs and CodeBuild's own encryption"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = local.key_policy
  tags                    = var.tags
}

resource "aws_kms_alias" "runner" {
  name          = "alias/codebuild/${var.name}"
  target_key_id = aws_kms_key.runner.key_id
}

resource "aws_cloudwatch_log_group" "runner" {
  name              = local.log_group
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.runner.arn
  tags              = var.tags
}

# No ingress at all; out only on 443 (GitHub, AWS APIs, the Terraform and Helm registries, the
# cluster's private API endpoint). DNS goes to the VPC resolver, which security groups do not
# filter.
resource "aws_security_group" "runner" {
  name        = var.name
  description = "CI runner ${var.name}: HTTPS out only"
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.runner.id
  description       = "HTTPS to GitHub, AWS APIs, the Terraform and Helm registries and the cluster API"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
  tags              = var.tags
}

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "CodeBuildOfThisAccount"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["codebuild.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "runner" {
  name                 = var.name
  description          = "CodeBuild runner ${var.name}: its logs and network interfaces, nothing else"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = 3600
  tags                 = var.tags
}

data "aws_iam_policy_document" "runner" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.runner.arn}:*"]
  }
  statement {
    sid       = "Encryption"
    actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
    resources = [aws_kms_key.runner.arn]
  }
  # Describe calls take no resource: AWS requires "*".
  statement {
    sid = "DescribeNetwork"
    actions = [
      "ec2:DescribeDhcpOptions",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeSubnets",
      "ec2:DescribeVpcs",
    ]
    resources = ["*"]
  }
  statement {
    sid     = "NetworkInterfacesInTheRunnerSubnets"
    actions = ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"]
    resources = concat(
      ["${local.arn_prefix}:network-interface/*", "${local.arn_prefix}:security-group/${aws_security_group.runner.id}"],
      [for id in var.subnet_ids : "${local.arn_prefix}:subnet/${id}"],
    )
  }
  statement {
    sid       = "AttachInterfacesForCodeBuild"
    actions   = ["ec2:CreateNetworkInterfacePermission"]
    resources = ["${local.arn_prefix}:network-interface/*"]
    condition {
      test     = "StringEquals"
      variable = "ec2:Subnet"
      values   = [for id in var.subnet_ids : "${local.arn_prefix}:subnet/${id}"]
    }
    condition {
      test     = "StringEquals"
      variable = "ec2:AuthorizedService"
      values   = ["codebuild.amazonaws.com"]
    }
  }
  statement {
    sid = "GitHubConnection"
    actions = [
      "codeconnections:GetConnection",
      "codeconnections:GetConnectionToken",
      "codeconnections:UseConnection",
      "codestar-connections:GetConnection",
      "codestar-connections:GetConnectionToken",
      "codestar-connections:UseConnection",
    ]
    resources = [data.aws_codestarconnections_connection.github.arn]
  }
}

resource "aws_iam_role_policy" "runner" {
  name   = "runner"
  role   = aws_iam_role.runner.id
  policy = data.aws_iam_policy_document.runner.json
}

resource "aws_codebuild_project" "runner" {
  name           = var.name
  description    = "GitHub Actions runner of ${var.github_repository} in the VPC (runs-on: codebuild-${var.name}-<run id>-<attempt>)"
  service_role   = aws_iam_role.runner.arn
  build_timeout  = var.build_timeout_minutes
  encryption_key = aws_kms_key.runner.arn

  artifacts {
    type = "NO_ARTIFACTS"
  }

  # Amazon Linux with the AWS CLI (the helm provider's `aws eks get-token`), git and Node.js
  # (JavaScript actions); Terraform itself comes from hashicorp/setup-terraform in the job.
  environment {
    type                        = "LINUX_CONTAINER"
    compute_type                = var.compute_type
    image                       = var.image
    image_pull_credentials_type = "CODEBUILD"
    privileged_mode             = false
  }

  logs_config {
    cloudwatch_logs {
      status     = "ENABLED"
      group_name = aws_cloudwatch_log_group.runner.name
    }
    s3_logs {
      status = "DISABLED"
    }
  }

  source {
    type     = "GITHUB"
    location = "https://github.com/${var.github_repository}.git"
    auth {
      type     = "CODECONNECTIONS"
      resource = data.aws_codestarconnections_connection.github.arn
    }
  }

  vpc_config {
    vpc_id             = var.vpc_id
    subnets            = var.subnet_ids
    security_group_ids = [aws_security_group.runner.id]
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.runner]
}

# GitHub tells CodeBuild of every queued job of the repository; CodeBuild starts a build only for
# a job whose runs-on names this project.
resource "aws_codebuild_webhook" "runner" {
  project_name = aws_codebuild_project.runner.name
  build_type   = "BUILD"

  filter_group {
    filter {
      type    = "EVENT"
      pattern = "WORKFLOW_JOB_QUEUED"
    }
  }
}
