# A customer-managed key, rotated yearly, envelope-encrypts Kubernetes Secrets in etcd. The key is
# created here rather than inside the EKS module so the key policy and rotation are visible and
# testable in this repository.
resource "aws_kms_key" "secrets" {
  description             = "EKS ${var.name}: envelope encryption of Kubernetes Secrets"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = local.key_policy
  tags                    = var.tags
}

resource "aws_kms_alias" "secrets" {
  name          = "alias/eks/${var.name}"
  target_key_id = aws_kms_key.secrets.key_id
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

module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 21.0"

  name               = var.name
  kubernetes_version = var.kubernetes_version

  vpc_id     = var.vpc_id
  subnet_ids = var.private_subnet_ids

  # The API is reachable privately from the VPC; the public endpoint only from the allow-list.
  endpoint_private_access      = true
  endpoint_public_access       = length(var.public_access_cidrs) > 0
  endpoint_public_access_cidrs = var.public_access_cidrs

  create_kms_key = false
  encryption_config = {
    resources        = ["secrets"]
    provider_key_arn = aws_kms_key.secrets.arn
  }

  enabled_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]

  enable_irsa                              = true
  authentication_mode                      = "API"
  enable_cluster_creator_admin_permissions = false

  addons = {
    coredns                = {}
    kube-proxy             = {}
    eks-pod-identity-agent = { before_compute = true }
    vpc-cni                = { before_compute = true }
  }

  access_entries = merge(
    {
      # CI reads the cluster (rollout status, smoke checks); ArgoCD, not CI, changes workloads.
      ci = {
        principal_arn = var.ci_role_arn
        policy_associations = {
          view = {
            policy_arn   = "arn:${data.aws_partition.current.partition}:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
            access_scope = { type = "cluster" }
          }
        }
      }
    },
    { for i, arn in var.admin_role_arns : "admin-${i}" => {
      principal_arn = arn
      policy_associations = {
        admin = {
          policy_arn   = "arn:${data.aws_partition.current.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
          access_scope = { type = "cluster" }
        }
      }
    } }
  )

  eks_managed_node_groups = {
    for name, group in var.node_groups : name => {
      subnet_ids     = var.private_subnet_ids
      instance_types = group.instance_types
      capacity_type  = group.capacity_type
      min_size       = group.min_size
      max_size       = group.max_size
      desired_size   = group.desired_size
      ami_type       = "AL2023_x86_64_STANDARD"
      labels         = { "commerce.io/pool" = name }

      # IMDSv2 only, one hop: pods cannot borrow the node's instance role.
      metadata_options = {
        http_endpoint               = "enabled"
        http_tokens                 = "required"
        http_put_response_hop_limit = 1
      }
    }
  }

  tags = var.tags
}
