# Terraform installs ArgoCD and one root Application; from then on ArgoCD owns everything else
# in the cluster from git (platform apps, AppProject, the per-service ApplicationSet).
resource "helm_release" "argocd" {
  name             = "argocd"
  namespace        = var.namespace
  create_namespace = true
  repository       = "https://argoproj.github.io/argo-helm"
  chart            = "argo-cd"
  version          = var.argocd_chart_version
  atomic           = true
  timeout          = 600

  values = [yamlencode({
    global = { domain = var.argocd_domain }
    configs = {
      params = { "server.insecure" = false }
      cm = {
        "application.resourceTrackingMethod" = "annotation"
        "exec.enabled"                       = false
      }
      # The services ApplicationSet picks each cluster's environment from this label.
      clusterCredentials = {
        in-cluster = {
          server = "https://kubernetes.default.svc"
          labels = { "commerce.io/environment" = var.environment }
          config = {}
        }
      }
    }
    server = { service = { type = "ClusterIP" } }
    # Metrics Service only: its ServiceMonitor comes later from charts/observability, once
    # kube-prometheus-stack has installed the CRD.
    controller = { metrics = { enabled = true } }
  })]
}

resource "helm_release" "root_app" {
  name       = "argocd-root"
  namespace  = helm_release.argocd.namespace
  repository = "https://argoproj.github.io/argo-helm"
  chart      = "argocd-apps"
  version    = var.argocd_apps_chart_version

  values = [yamlencode({
    applications = {
      root = {
        namespace  = helm_release.argocd.namespace
        project    = "default"
        finalizers = ["resources-finalizer.argocd.argoproj.io"]
        source = {
          repoURL        = var.repo_url
          targetRevision = var.target_revision
          path           = var.root_app_path
          directory      = { recurse = true }
        }
        destination = {
          server    = "https://kubernetes.default.svc"
          namespace = helm_release.argocd.namespace
        }
        syncPolicy = {
          automated   = { prune = true, selfHeal = true }
          syncOptions = ["CreateNamespace=false"]
          retry = {
            limit   = 5
            backoff = { duration = "10s", factor = 2, maxDuration = "5m" }
          }
        }
      }
    }
  })]
}
