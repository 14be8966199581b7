"""Every platform Application may deploy what it renders: its AppProject admits each object.

Argo CD refuses a whole sync when one object falls outside the project's destinations or kind
whitelists, so a chart that renders one Service into kube-system is enough to keep its CRDs (and
every ServiceMonitor after them) away. The charts of this repository are rendered with helm; the
upstream charts cannot be fetched here, so what their pinned versions render beyond their
destination namespace is declared below from their sources and held against the projects too.
"""

from __future__ import annotations

import copy
import fnmatch
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from kube_version import KUBE_VERSION
from testenv import PROJECT_ROOT, require_tool

ARGOCD = PROJECT_ROOT / "argocd"
THIS_REPO = "https://github.com/commerce-platform/commerce-ci.git"
IN_CLUSTER = "https://kubernetes.default.svc"

#: Kinds that have no namespace (the rest of what the charts render is namespaced).
CLUSTER_SCOPED = {
    "Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding",
    "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "IngressClass",
    "PriorityClass", "StorageClass", "PersistentVolume", "APIService",
}  # fmt: skip

#: (namespace or None for cluster-scoped, group, kind) that an upstream chart at its pinned
#: version renders besides its namespaced workload in the destination namespace.
UPSTREAM_RENDERS: dict[str, list[tuple[str | None, str, str]]] = {
    # templates/exporters/{core-dns,kube-proxy}/service.yaml hard-code `namespace: kube-system`;
    # crds.enabled brings the operator's CRDs; the operator's admission webhooks and RBAC.
    "kube-prometheus-stack": [
        ("kube-system", "", "Service"),
        (None, "apiextensions.k8s.io", "CustomResourceDefinition"),
        (None, "rbac.authorization.k8s.io", "ClusterRole"),
        (None, "rbac.authorization.k8s.io", "ClusterRoleBinding"),
        (None, "admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        (None, "admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("monitoring", "monitoring.coreos.com", "Prometheus"),
        ("monitoring", "monitoring.coreos.com", "Alertmanager"),
        ("monitoring", "monitoring.coreos.com", "ServiceMonitor"),
        ("monitoring", "monitoring.coreos.com", "PrometheusRule"),
        ("monitoring", "apps", "DaemonSet"),
    ],
    "ingress-nginx": [
        (None, "networking.k8s.io", "IngressClass"),
        (None, "rbac.authorization.k8s.io", "ClusterRole"),
        (None, "rbac.authorization.k8s.io", "ClusterRoleBinding"),
        (None, "admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("ingress-nginx", "batch", "Job"),
    ],
    "opentelemetry-collector": [("observability", "apps", "Deployment")],
    "jaeger": [("observability", "apps", "Deployment")],
}


def load_all(folder: Path) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.yaml")):
        found += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return found


def projects() -> dict[str, dict[str, Any]]:
    return {
        p["metadata"]["name"]: p for p in load_all(ARGOCD / "root") if p["kind"] == "AppProject"
    }


def platform_apps() -> dict[str, dict[str, Any]]:
    return {a["metadata"]["name"]: a for a in load_all(ARGOCD / "platform")}


def matches(rules: list[dict[str, str]], group: str, kind: str) -> bool:
    return any(
        fnmatch.fnmatchcase(group, r["group"]) and fnmatch.fnmatchcase(kind, r["kind"])
        for r in rules
    )


def refusal(project: dict[str, Any], server: str, namespace: str | None, group: str, kind: str):
    """Why Argo CD would refuse this object in this project, or None when it admits it."""
    spec = project["spec"]
    if namespace is None:
        if not matches(spec.get("clusterResourceWhitelist", []), group, kind):
            return f"cluster-scoped {group}/{kind} is not whitelisted"
        if matches(spec.get("clusterResourceBlacklist", []), group, kind):
            return f"cluster-scoped {group}/{kind} is blacklisted"
        return None
    if not any(
        fnmatch.fnmatchcase(server, d.get("server", "*"))
        and fnmatch.fnmatchcase(namespace, d.get("namespace", "*"))
        for d in spec.get("destinations", [])
    ):
        return f"destination {server} namespace {namespace} is not allowed"
    whitelist = spec.get("namespaceResourceWhitelist")
    if whitelist is not None and not matches(whitelist, group, kind):
        return f"{group}/{kind} is not in the namespaced whitelist"
    if matches(spec.get("namespaceResourceBlacklist", []), group, kind):
        return f"{group}/{kind} is blacklisted"
    return None


def group_of(api_version: str) -> str:
    return api_version.rpartition("/")[0]


def helm_render(chart: Path, release: str, namespace: str) -> list[dict[str, Any]]:
    helm = require_tool("helm", "bash scripts/tools.d/50-helm.sh (go install helm.sh/helm/v3)")
    argv = [helm, "template", release, str(chart), "--namespace", namespace]
    argv += ["--kube-version", KUBE_VERSION]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def sources(app: dict[str, Any]) -> list[dict[str, Any]]:
    return app["spec"].get("sources") or [app["spec"]["source"]]


def deployed(app: dict[str, Any]) -> list[tuple[str | None, str, str]]:
    """(namespace, group, kind) of everything the Application makes Argo CD apply."""
    destination = app["spec"]["destination"]["namespace"]
    found: list[tuple[str | None, str, str]] = []
    if "CreateNamespace=true" in app["spec"].get("syncPolicy", {}).get("syncOptions", []):
        found.append((None, "", "Namespace"))
    for source in sources(app):
        if "ref" in source and "path" not in source:
            continue  # a values-only source renders nothing
        if source["repoURL"] == THIS_REPO and source.get("path", "").startswith("charts/"):
            release = source.get("helm", {}).get("releaseName", app["metadata"]["name"])
            for obj in helm_render(PROJECT_ROOT / source["path"], release, destination):
                kind = obj["kind"]
                namespace = None if kind in CLUSTER_SCOPED else obj["metadata"].get("namespace")
                if kind not in CLUSTER_SCOPED and namespace is None:
                    namespace = destination
                found.append((namespace, group_of(obj["apiVersion"]), kind))
        elif source["repoURL"] == THIS_REPO:
            for obj in load_all(PROJECT_ROOT / source["path"]):
                ns = obj["metadata"].get("namespace", destination)
                found.append((ns, group_of(obj["apiVersion"]), obj["kind"]))
        else:
            found.append((destination, "", "Service"))
            found += UPSTREAM_RENDERS[source["chart"]]
    return found


def refusals(app: dict[str, Any], found: dict[str, dict[str, Any]]) -> list[str]:
    project = found[app["spec"]["project"]]
    server = app["spec"]["destination"]["server"]
    problems = []
    for namespace, group, kind in deployed(app):
        if (why := refusal(project, server, namespace, group, kind)) is not None:
            problems.append(why)
    return problems


def every_app() -> dict[str, dict[str, Any]]:
    root = {
        a["metadata"]["name"]: a for a in load_all(ARGOCD / "root") if a["kind"] == "Application"
    }
    return {**root, **platform_apps()}


@pytest.mark.parametrize("name", sorted(every_app()))
def test_the_project_admits_everything_the_app_deploys(name: str) -> None:
    assert refusals(every_app()[name], projects()) == []


@pytest.mark.parametrize("name", sorted(every_app()))
def test_the_project_admits_the_apps_sources(name: str) -> None:
    app = every_app()[name]
    allowed = projects()[app["spec"]["project"]]["spec"]["sourceRepos"]
    for source in sources(app):
        assert source["repoURL"] in allowed


def test_kube_prometheus_stack_needs_kube_system() -> None:
    found = copy.deepcopy(projects())
    spec = found["platform"]["spec"]
    spec["destinations"] = [d for d in spec["destinations"] if d["namespace"] != "kube-system"]
    problems = refusals(platform_apps()["kube-prometheus-stack"], found)
    assert problems == [f"destination {IN_CLUSTER} namespace kube-system is not allowed"]


def test_a_kind_outside_the_commerce_whitelist_is_refused() -> None:
    commerce = projects()["commerce"]
    assert refusal(commerce, IN_CLUSTER, "commerce", "apps", "StatefulSet") is not None
    assert refusal(commerce, IN_CLUSTER, "commerce", "apps", "Deployment") is None
    assert refusal(commerce, IN_CLUSTER, None, "rbac.authorization.k8s.io", "ClusterRole")
