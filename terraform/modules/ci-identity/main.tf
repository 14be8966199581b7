# GitHub Actions reaches AWS through OIDC: no long-lived keys in the repository. Each role trusts
# tokens of this one repository only, and only in the context that needs it.
module "github_oidc_provider" {
  source  = "terraform-aws-modules/iam/aws//modules/iam-github-oidc-provider"
  version = "~> 5.60"

  create = var.create_github_oidc_provider
  tags   = var.tags
}

data "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 0 : 1
  url   = "https://token.actions.githubusercontent.com"
}

data "aws_partition" "current" {}

locals {
  github_provider_arn = var.create_github_oidc_provider ? module.github_oidc_provider.arn : data.aws_iam_openid_connect_provider.github[0].arn
  # Release jobs, only as jobs bound to this environment: a job that names an environment gets the
  # subject `environment:<name>` whatever its ref, so this role is reachable only past the GitHub
  # environment's protection rules (prod: required reviewers, main and SERVICE/v* tags only).
  # A `ref:` subject here would let any job on that ref skip them.
  release_subjects = [
    "repo:${var.github_repository}:environment:${var.environment}",
  ]
  # Terraform plans run on pull requests of this repository (forks get no id-token).
  plan_subjects = [
    "repo:${var.github_repository}:pull_request",
  ]
}

data "aws_iam_policy_document" "release_trust" {
  statement {
    sid     = "GitHubActionsThisRepository"
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [local.github_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = local.release_subjects
    }
  }
}

data "aws_iam_policy_document" "plan_trust" {
  statement {
    sid     = "GitHubActionsThisRepositoryPullRequests"
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [local.github_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = local.plan_subjects
    }
  }
}

resource "aws_iam_role" "release" {
  name                 = "${var.name_prefix}-github-release"
  description          = "GitHub Actions of ${var.github_repository}, environment ${var.environment}: push service images to ECR"
  assume_role_policy   = data.aws_iam_policy_document.release_trust.json
  max_session_duration = 3600
  tags                 = var.tags
}

data "aws_iam_policy_document" "ecr_push" {
  # GetAuthorizationToken has no resource-level permissions: AWS requires "*".
  statement {
    sid       = "RegistryLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }
  statement {
    sid = "PushServiceImages"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:DescribeImages",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:ListImages",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = var.ecr_repository_arns
  }
  statement {
    sid = "PullBaseImagesThroughCache"
    actions = [
      "ecr:BatchGetImage",
      "ecr:BatchImportUpstreamImage",
      "ecr:CreateRepository",
      "ecr:GetDownloadUrlForLayer",
    ]
    resources = ["arn:${data.aws_partition.current.partition}:ecr:${var.region}:${var.account_id}:repository/${var.pull_through_cache_prefix}/*"]
  }
}

resource "aws_iam_role_policy" "release_ecr_push" {
  name   = "ecr-push"
  role   = aws_iam_role.release.id
  policy = data.aws_iam_policy_document.ecr_push.json
}

resource "aws_iam_role" "terraform_plan" {
  name                 = "${var.name_prefix}-github-terraform-plan"
  description          = "GitHub Actions of ${var.github_repository}: read-only terraform plan on pull requests"
  assume_role_policy   = data.aws_iam_policy_document.plan_trust.json
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role_policy_attachment" "terraform_plan_read_only" {
  role       = aws_iam_role.terraform_plan.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/ReadOnlyAccess"
}

data "aws_iam_policy_document" "terraform_state" {
  statement {
    sid       = "ReadState"
    actions   = ["s3:GetObject", "s3:ListBucket"]
    resources = [var.state_bucket_arn, "${var.state_bucket_arn}/*"]
  }
  # A plan takes the S3 lock file (use_lockfile), so it may write and delete *.tflock objects only.
  statement {
    sid       = "StateLock"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${var.state_bucket_arn}/*.tflock"]
  }
}

resource "aws_iam_role_policy" "terraform_plan_state" {
  name   = "terraform-state"
  role   = aws_iam_role.terraform_plan.id
  policy = data.aws_iam_policy_document.terraform_state.json
}
