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

  # The API is private: reachable inside the VPC, from the nodes and from the security groups in
  # var.api_client_security_groups (the CI runner that runs terraform). A public endpoint exists
  # only if an environment lists CIDRs for it (an operator network; never CI, see
  # docs/architecture.md).
  endpoint_private_access      = true
  endpoint_public_access       = length(var.public_access_cidrs) > 0
  endpoint_public_access_cidrs = var.public_access_cidrs

  security_group_additional_rules = {
    for name, sg in var.api_client_security_groups : "api-from-${name}" => {
      description              = "Kubernetes API from ${name}"
      type                     = "ingress"
      protocol                 = "tcp"
      from_port                = 443
      to_port                  = 443
      source_security_group_id = sg
    }
  }

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

  # Nobody gets access implicitly (API mode, no creator admin): each principal is listed here.
  access_entries = merge(
    {
      # terraform apply installs Argo CD through the helm provider: CRDs, cluster roles and
      # bindings, which only a cluster admin may create.
      terraform-apply = {
        principal_arn = var.terraform_apply_role_arn
        policy_associations = {
          admin = {
            policy_arn   = "arn:${data.aws_partition.current.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
            access_scope = { type = "cluster" }
          }
        }
      }
      # terraform plan refreshes the helm releases, whose state helm keeps as Secrets in the
      # release's namespace: read-only, Secrets included, in those namespaces only.
      terraform-plan = {
        principal_arn = var.terraform_plan_role_arn
        policy_associations = {
          helm-state = {
            policy_arn   = "arn:${data.aws_partition.current.partition}:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy"
            access_scope = { type = "namespace", namespaces = var.helm_release_namespaces }
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
