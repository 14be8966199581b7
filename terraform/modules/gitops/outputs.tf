output "namespace" {
  description = "Namespace ArgoCD runs in."
  value       = helm_release.argocd.namespace
}
