# One ECR repository per service, plus a pull-through cache for Docker Hub base images (the
# engine's answer to Docker Hub rate limits). Everything at rest is encrypted with one
# customer-managed key.
resource "aws_kms_key" "ecr" {
  description             = "ECR ${var.name_prefix}: image layers and pull-through cache credentials"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.ecr_key.json
  tags                    = var.tags
}

resource "aws_kms_alias" "ecr" {
  name          = "alias/ecr/${var.name_prefix}"
  target_key_id = aws_kms_key.ecr.key_id
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.region
  # The role ECR's pull-through cache runs as: it reads the Docker Hub secret, and Secrets
  # Manager decrypts that secret with this key on the role's behalf.
  pull_through_cache_role = "arn:${local.partition}:iam::${local.account_id}:role/aws-service-role/pullthroughcache.ecr.amazonaws.com/AWSServiceRoleForECRPullThroughCache"
  docker_hub_secret_name  = "ecr-pullthroughcache/${var.name_prefix}-docker-hub"

  # Another account's principals that may pull these images (prod running the digests dev
  # built, by promotion): the account root, so that account's IAM decides which of its roles
  # (the node roles) may. Pulling needs no permission on the key: ECR decrypts through the
  # grant it holds on the key for each repository.
  pull_principals = [for id in var.pull_account_ids : "arn:${local.partition}:iam::${id}:root"]
}

# A key policy names the key itself as "*".
data "aws_iam_policy_document" "ecr_key" {
  # checkov reads this document as an identity policy, where "*" means every resource:
  #checkov:skip=CKV_AWS_111:a key policy's "*" resource is this key alone, not every resource
  #checkov:skip=CKV_AWS_356:a key policy's "*" resource is this key alone, not every resource
  #checkov:skip=CKV_AWS_109:a key policy's "*" resource is this key alone, not every resource
  # Administration stays with the account root, and so with IAM policy.
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }
  # The pull-through cache's service-linked role decrypts the Docker Hub secret, through Secrets
  # Manager and for that secret only. Its AWS-managed policy grants secretsmanager:GetSecretValue
  # but no KMS action, and a service-linked role's policies cannot be changed: the key policy is
  # the only place to grant it. The role is matched by condition rather than named as the
  # principal because ECR creates it with the first cache rule, after this key exists, and KMS
  # refuses a policy that names a role which does not exist yet.
  statement {
    sid       = "PullThroughCacheReadsUpstreamCredentials"
    actions   = ["kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:PrincipalArn"
      values   = [local.pull_through_cache_role]
    }
    condition {
      test     = "StringEquals"
      variable = "kms:CallerAccount"
      values   = [local.account_id]
    }
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["secretsmanager.${local.region}.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:SecretARN"
      values   = ["arn:${local.partition}:secretsmanager:${local.region}:${local.account_id}:secret:${local.docker_hub_secret_name}-*"]
    }
  }
}

module "repository" {
  source  = "terraform-aws-modules/ecr/aws"
  version = "~> 3.0" # 3.x: tag mutability exclusion filters

  # Services, and the runtime bases their images start from (`commerce-ci bases` builds those
  # from Debian packages and pushes them as base/<kind>:bookworm).
  for_each = toset(concat(var.services, [for kind in var.base_images : "base/${kind}"]))

  repository_name = "${var.name_prefix}/${each.key}"

  # A tag, once pushed, always names the same image: the GitOps values pin digests, and the
  # engine's input-digest tags are a cache that must never be overwritten. The one exception is
  # cosign's own tags (`sha256-<digest>.sig` / `.att`): cosign adds each new signature or
  # attestation by rewriting that tag (the provenance, then the SBOM, then a re-sign), and an
  # immutable one would refuse the second write. What they point at is content-addressed, and
  # `cosign verify` checks every entry against the key: a rewrite can drop an entry, never forge one.
  repository_image_tag_mutability = "IMMUTABLE_WITH_EXCLUSION"
  repository_image_tag_mutability_exclusion_filter = [
    { filter = "sha256-*", filter_type = "WILDCARD" },
  ]
  repository_image_scan_on_push = true
  repository_encryption_type    = "KMS"
  repository_kms_key            = aws_kms_key.ecr.arn

  create_lifecycle_policy     = true
  repository_lifecycle_policy = local.lifecycle_policy

  # Read (pull) for the accounts in var.pull_account_ids; with none, the module's default
  # policy names only this account.
  repository_read_access_arns = local.pull_principals

  tags = var.tags
}

# Only untagged images expire. Every image the engine pushes is tagged (the commit's short sha,
# inputs-<hex>, vX.Y.Z) and tags are immutable, so a tagged image stays until someone deletes it.
# A count or age rule over tagged images could expire a digest an environment still runs: ECR
# sees push dates, never what argocd/envs/<env>/*.yaml pins, and prod may pin a digest months old
# (promotion copies dev's digests, so dev's repositories hold what prod runs).
locals {
  lifecycle_policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Expire untagged images (never referenced by a values file) after ${var.untagged_expiry_days} days"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = var.untagged_expiry_days
        }
        action = { type = "expire" }
      },
    ]
  })
}

# ECR reads upstream credentials only from secrets whose name starts with this prefix. The value
# ({"username": ..., "accessToken": ...}) is put out of band so that it never lands in state.
resource "aws_secretsmanager_secret" "docker_hub" {
  name        = local.docker_hub_secret_name
  description = "Docker Hub credentials for the ECR pull-through cache rule"
  kms_key_id  = aws_kms_key.ecr.arn
  tags        = var.tags
}

resource "aws_ecr_pull_through_cache_rule" "docker_hub" {
  ecr_repository_prefix = "${var.name_prefix}-docker-hub"
  upstream_registry_url = "registry-1.docker.io"
  credential_arn        = aws_secretsmanager_secret.docker_hub.arn
}
