# One ECR repository per service, plus a pull-through cache for Docker Hub base images (the
# engine's answer to Docker Hub rate limits). Everything at rest is encrypted with one
# customer-managed key.
resource "aws_kms_key" "ecr" {
  description             = "ECR ${var.name_prefix}: image layers and pull-through cache credentials"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = local.key_policy
  tags                    = var.tags
}

resource "aws_kms_alias" "ecr" {
  name          = "alias/ecr/${var.name_prefix}"
  target_key_id = aws_kms_key.ecr.key_id
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

# A key policy names the key itself as "*". Administration stays with the account root (and so
# with IAM policy); no principal outside the account is trusted.
locals {
  key_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountAdministration"
      Effect    = "Allow"
      Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}

module "repository" {
  source  = "terraform-aws-modules/ecr/aws"
  version = "~> 2.4"

  # Services, and the runtime bases their images start from (`commerce-ci bases` builds those
  # from Debian packages and pushes them as base/<kind>:bookworm).
  for_each = toset(concat(var.services, [for kind in var.base_images : "base/${kind}"]))

  repository_name = "${var.name_prefix}/${each.key}"

  # A tag, once pushed, always names the same image: the GitOps values pin digests, and the
  # engine's input-digest tags are a cache that must never be overwritten.
  repository_image_tag_mutability = "IMMUTABLE"
  repository_image_scan_on_push   = true
  repository_encryption_type      = "KMS"
  repository_kms_key              = aws_kms_key.ecr.arn

  create_lifecycle_policy     = true
  repository_lifecycle_policy = local.lifecycle_policy

  tags = var.tags
}

locals {
  lifecycle_policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Expire untagged layers (superseded builds) after ${var.untagged_expiry_days} days"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = var.untagged_expiry_days
        }
        action = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Keep the last ${var.keep_tagged_images} tagged images per service"
        selection = {
          tagStatus   = "any"
          countType   = "imageCountMoreThan"
          countNumber = var.keep_tagged_images
        }
        action = { type = "expire" }
      },
    ]
  })
}

# ECR reads upstream credentials only from secrets whose name starts with this prefix. The value
# ({"username": ..., "accessToken": ...}) is put out of band so that it never lands in state.
resource "aws_secretsmanager_secret" "docker_hub" {
  name        = "ecr-pullthroughcache/${var.name_prefix}-docker-hub"
  description = "Docker Hub credentials for the ECR pull-through cache rule"
  kms_key_id  = aws_kms_key.ecr.arn
  tags        = var.tags
}

resource "aws_ecr_pull_through_cache_rule" "docker_hub" {
  ecr_repository_prefix = "${var.name_prefix}-docker-hub"
  upstream_registry_url = "registry-1.docker.io"
  credential_arn        = aws_secretsmanager_secret.docker_hub.arn
}
