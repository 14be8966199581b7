region                      = "eu-west-1"
state_bucket                = "commerce-terraform-state-prod"
github_repository           = "commerce-platform/commerce-ci"
create_github_oidc_provider = true

vpc_cidr           = "10.20.0.0/16"
azs                = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
single_nat_gateway = false

kubernetes_version = "1.33"
# No public API endpoint: terraform runs on the CI runner inside the VPC (modules/ci-runner).
api_allowed_cidrs = []

# Bootstrapped once per account, outside Terraform (terraform/README.md).
terraform_apply_role_name = "commerce-prod-github-terraform-apply"
github_connection_name    = "commerce-github"

node_groups = {
  general = {
    instance_types = ["m6i.xlarge"]
    min_size       = 3
    max_size       = 12
    desired_size   = 3
  }
  spot = {
    instance_types = ["m6i.large", "m6a.large", "m5.large"]
    capacity_type  = "SPOT"
    min_size       = 0
    max_size       = 10
    desired_size   = 0
  }
}

email_from_address = "orders@commerce.example"
ledger_bucket_arn  = "arn:aws:s3:::commerce-prod-ledger"
argocd_domain      = "argocd.commerce.example"
