# State in S3, encrypted, locked with S3's native lock file (use_lockfile): no DynamoDB table.
# Each environment is its own AWS account with its own state bucket, created once out of band
# with versioning and public access blocked.
terraform {
  backend "s3" {
    bucket       = "commerce-terraform-state-dev"
    key          = "envs/dev/terraform.tfstate"
    region       = "eu-west-1"
    encrypt      = true
    use_lockfile = true
  }
}
