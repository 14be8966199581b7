# prod: the platform (modules/platform) with this account's values from terraform.tfvars.

# The account ids of both environments, in one file (terraform/accounts.json): each provider
# refuses to touch any account but its own.
locals {
  accounts = jsondecode(file("${path.module}/../../accounts.json"))
}

module "platform" {
  source = "../../modules/platform"

  environment                 = "prod"
  region                      = var.region
  state_bucket                = var.state_bucket
  github_repository           = var.github_repository
  create_github_oidc_provider = var.create_github_oidc_provider
  vpc_cidr                    = var.vpc_cidr
  azs                         = var.azs
  single_nat_gateway          = var.single_nat_gateway
  kubernetes_version          = var.kubernetes_version
  api_allowed_cidrs           = var.api_allowed_cidrs
  terraform_apply_role_name   = var.terraform_apply_role_name
  github_connection_name      = var.github_connection_name
  node_groups                 = var.node_groups
  email_from_address          = var.email_from_address
  ledger_bucket_arn           = var.ledger_bucket_arn
  argocd_domain               = var.argocd_domain
}
