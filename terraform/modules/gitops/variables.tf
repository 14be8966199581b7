variable "argocd_chart_version" {
  description = "Pinned version of the argo-cd Helm chart."
  type        = string
  default     = "7.7.14"
}

variable "argocd_apps_chart_version" {
  description = "Pinned version of the argocd-apps Helm chart, which carries the root Application."
  type        = string
  default     = "2.0.7"
}

variable "argocd_domain" {
  description = "Host name under which the ArgoCD UI is served."
  type        = string
}

variable "repo_url" {
  description = "Git URL of this repository, which ArgoCD watches."
  type        = string
}

variable "target_revision" {
  description = "Branch ArgoCD follows."
  type        = string
  default     = "main"
}

variable "root_app_path" {
  description = "Folder of the root app-of-apps (AppProject, platform apps, ApplicationSet)."
  type        = string
  default     = "argocd/root"
}

variable "environment" {
  description = "Environment this cluster runs (dev or prod): the values folder argocd/envs/<environment>."
  type        = string

  validation {
    condition     = contains(["dev", "prod"], var.environment)
    error_message = "environment must be dev or prod."
  }
}

variable "namespace" {
  description = "Namespace ArgoCD and its root app's helm releases live in (the plan role may read their state there)."
  type        = string
  default     = "argocd"
}
