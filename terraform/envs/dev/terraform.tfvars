region                      = "eu-west-1"
state_bucket                = "commerce-terraform-state-dev"
github_repository           = "commerce-platform/commerce-ci"
create_github_oidc_provider = true

vpc_cidr           = "10.10.0.0/16"
azs                = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
single_nat_gateway = true

kubernetes_version = "1.33"
# No public API endpoint: terraform runs on the CI runner inside the VPC (modules/ci-runner).
api_allowed_cidrs = []

# Bootstrapped once per account, outside Terraform (terraform/README.md).
terraform_apply_role_name = "commerce-dev-github-terraform-apply"
github_connection_name    = "commerce-github"

node_groups = {
  general = {
    instance_types = ["m6i.large"]
    min_size       = 2
    max_size       = 6
    desired_size   = 3
  }
}

email_from_address = "orders@dev.commerce.example"
ledger_bucket_arn  = "arn:aws:s3:::commerce-dev-ledger"
argocd_domain      = "argocd.dev.commerce.example"
