# dev: the platform (modules/platform) with this account's values from terraform.tfvars.
module "platform" {
  source = "../../modules/platform"

  environment                 = "dev"
  region                      = var.region
  state_bucket                = var.state_bucket
  github_repository           = var.github_repository
  create_github_oidc_provider = var.create_github_oidc_provider
  vpc_cidr                    = var.vpc_cidr
  azs                         = var.azs
  single_nat_gateway          = var.single_nat_gateway
  kubernetes_version          = var.kubernetes_version
  api_allowed_cidrs           = var.api_allowed_cidrs
  node_groups                 = var.node_groups
  email_from_address          = var.email_from_address
  ledger_bucket_arn           = var.ledger_bucket_arn
  argocd_domain               = var.argocd_domain
}
