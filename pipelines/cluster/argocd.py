"""Argo CD's own install, from the pinned module's manifests: its CRDs and its configuration
objects (manifests/crds, manifests/base/config), with the settings its Helm install gets on EKS
(terraform/modules/gitops) and what running its components as host processes needs.

What upstream's Deployments would run (application-controller, repo-server,
applicationset-controller) runs as host processes instead (components.py): their images cannot
be pulled here. argocd-server, Dex and notifications are not run: nothing here needs the UI or
the API, and a sync is asked for the way the CLI asks, by setting an Application's operation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pipelines.cluster.kube import Kubectl

NAMESPACE = "argocd"
CONFIG_FILES = (
    "argocd-cm.yaml",
    "argocd-cmd-params-cm.yaml",
    "argocd-rbac-cm.yaml",
    "argocd-secret.yaml",
    "argocd-ssh-known-hosts-cm.yaml",
    "argocd-tls-certs-cm.yaml",
    "argocd-gpg-keys-cm.yaml",
)
CRD_FILES = ("application-crd.yaml", "applicationset-crd.yaml", "appproject-crd.yaml")
CRD_NAMES = ("applications.argoproj.io", "applicationsets.argoproj.io", "appprojects.argoproj.io")

#: An Application's health is what its controller computed (status.health), so that an
#: app-of-apps waits, wave by wave, for its child apps to be Healthy; Argo CD assesses child
#: Applications only with such a customization (upstream's documented recipe for sync waves of
#: apps of apps).
APPLICATION_HEALTH = """\
local health = { status = "Progressing", message = "" }
if obj.status ~= nil and obj.status.health ~= nil then
  health.status = obj.status.health.status
  health.message = obj.status.health.message or ""
end
return health
"""


def crd_documents(module: Path) -> list[dict[str, Any]]:
    return [
        doc
        for name in CRD_FILES
        for doc in yaml.safe_load_all((module / "manifests/crds" / name).read_text())
        if doc
    ]


def config_documents(module: Path) -> list[dict[str, Any]]:
    """The config objects in namespace argocd, argocd-cm with the EKS release's settings."""
    documents = []
    for name in CONFIG_FILES:
        for doc in yaml.safe_load_all((module / "manifests/base/config" / name).read_text()):
            if not doc:
                continue
            doc.setdefault("metadata", {})["namespace"] = NAMESPACE
            if doc["metadata"]["name"] == "argocd-cm":
                data = doc.setdefault("data", {})
                data["application.resourceTrackingMethod"] = "annotation"
                data["exec.enabled"] = "false"
                data["resource.customizations.health.argoproj.io_Application"] = APPLICATION_HEALTH
            documents.append(doc)
    return documents


def default_project() -> dict[str, Any]:
    """The `default` AppProject argocd-server creates on its first start (the root app's)."""
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": "default", "namespace": NAMESPACE},
        "spec": {
            "sourceRepos": ["*"],
            "destinations": [{"server": "*", "namespace": "*"}],
            "clusterResourceWhitelist": [{"group": "*", "kind": "*"}],
        },
    }


def established(kubectl: Kubectl, name: str) -> bool:
    """`kubectl wait --for=condition=Established` fails on a CRD with no conditions yet."""
    conditions = kubectl.get("crd", name).get("status", {}).get("conditions") or []
    return any(c["type"] == "Established" and c["status"] == "True" for c in conditions)


def install(kubectl: Kubectl, module: Path) -> None:
    kubectl.apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}])
    kubectl.apply(crd_documents(module), server_side=True)
    for name in CRD_NAMES:
        kubectl.wait_for(f"CRD {name} Established", lambda n=name: established(kubectl, n), 60, 1)
    kubectl.apply(config_documents(module))
    kubectl.apply([default_project()])


def git_verify_wrapper(module: Path) -> Path:
    """The script the repo-server runs around `git verify-*` (it must be on PATH)."""
    return module / "hack" / "git-verify-wrapper.sh"
