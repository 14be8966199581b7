output "cluster_name" {
  description = "Name of the EKS cluster."
  value       = module.eks.cluster_name
}

output "cluster_endpoint" {
  description = "API server endpoint."
  value       = module.eks.cluster_endpoint
}

output "cluster_certificate_authority_data" {
  description = "Base64 CA bundle of the API server."
  value       = module.eks.cluster_certificate_authority_data
}

output "oidc_provider_arn" {
  description = "IAM OIDC provider of the cluster, the trust anchor for IRSA roles."
  value       = module.eks.oidc_provider_arn
}

output "oidc_issuer_url" {
  description = "Issuer URL of the cluster's service-account tokens."
  value       = module.eks.cluster_oidc_issuer_url
}

output "secrets_kms_key_arn" {
  description = "KMS key that encrypts Kubernetes Secrets."
  value       = aws_kms_key.secrets.arn
}
