# The whole platform of one environment (one AWS account): envs/<env> calls this module with its
# own values and keeps only its backend, providers and terraform.tfvars.

locals {
  name = "commerce-${var.environment}"
  # Where the gitops module's helm releases (Argo CD, its root app) keep their state.
  argocd_namespace = "argocd"
  tags = {
    Project     = "commerce"
    Environment = var.environment
    ManagedBy   = "terraform"
    Repository  = var.github_repository
  }

  services = [
    "frontend",
    "product-catalog",
    "cart",
    "checkout",
    "currency",
    "shipping",
    "quote",
    "payment",
    "email",
    "recommendation",
    "ad",
    "fraud-detection",
    "accounting",
    "load-generator",
  ]

  # Only services that call AWS APIs get an IRSA role; the rest run without AWS credentials.
  irsa_service_accounts = {
    email = {
      namespace       = var.services_namespace
      service_account = "email"
      policy_json = jsonencode({
        Version = "2012-10-17"
        Statement = [{
          Sid       = "SendOrderConfirmations"
          Effect    = "Allow"
          Action    = ["ses:SendEmail", "ses:SendRawEmail"]
          Resource  = "*"
          Condition = { StringEquals = { "ses:FromAddress" = var.email_from_address } }
        }]
      })
    }
    accounting = {
      namespace       = var.services_namespace
      service_account = "accounting"
      policy_json = jsonencode({
        Version = "2012-10-17"
        Statement = [{
          Sid      = "WriteLedgerExports"
          Effect   = "Allow"
          Action   = ["s3:PutObject"]
          Resource = "${var.ledger_bucket_arn}/exports/*"
        }]
      })
    }
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

module "network" {
  source = "../network"

  name               = local.name
  cidr               = var.vpc_cidr
  azs                = var.azs
  single_nat_gateway = var.single_nat_gateway
  tags               = local.tags
}

module "registry" {
  source = "../registry"

  name_prefix      = "commerce"
  services         = local.services
  pull_account_ids = var.image_pull_account_ids
  tags             = local.tags
}

module "ci_identity" {
  source = "../ci-identity"

  name_prefix                 = local.name
  environment                 = var.environment
  github_repository           = var.github_repository
  create_github_oidc_provider = var.create_github_oidc_provider
  ecr_repository_arns         = values(module.registry.repository_arns)
  pull_through_cache_prefix   = module.registry.docker_hub_cache_prefix
  region                      = var.region
  account_id                  = data.aws_caller_identity.current.account_id
  state_bucket_arn            = "arn:aws:s3:::${var.state_bucket}"
  tags                        = local.tags
}

# The runner that terraform plan/apply jobs run on: in the VPC, since the API endpoint is private.
module "ci_runner" {
  source = "../ci-runner"

  name                   = "${local.name}-terraform-runner"
  github_repository      = var.github_repository
  github_connection_name = var.github_connection_name
  vpc_id                 = module.network.vpc_id
  subnet_ids             = module.network.private_subnet_ids
  tags                   = local.tags
}

module "cluster" {
  source = "../cluster"

  name                       = local.name
  kubernetes_version         = var.kubernetes_version
  vpc_id                     = module.network.vpc_id
  private_subnet_ids         = module.network.private_subnet_ids
  public_access_cidrs        = var.api_allowed_cidrs
  api_client_security_groups = { terraform-runner = module.ci_runner.security_group_id }
  terraform_apply_role_arn   = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role/${var.terraform_apply_role_name}"
  terraform_plan_role_arn    = module.ci_identity.terraform_plan_role_arn
  helm_release_namespaces    = [local.argocd_namespace]
  admin_role_arns            = var.admin_role_arns
  node_groups                = var.node_groups
  tags                       = local.tags
}

module "workload_identity" {
  source = "../workload-identity"

  name_prefix       = local.name
  oidc_provider_arn = module.cluster.oidc_provider_arn
  oidc_issuer_url   = module.cluster.oidc_issuer_url
  service_accounts  = local.irsa_service_accounts
  tags              = local.tags
}

module "gitops" {
  source = "../gitops"

  environment     = var.environment
  namespace       = local.argocd_namespace
  argocd_domain   = var.argocd_domain
  repo_url        = "https://github.com/${var.github_repository}.git"
  target_revision = var.gitops_revision

  depends_on = [module.cluster]
}
