"""The local overlay: this repository's `argocd/` tree, changed only where this machine differs
from EKS, each change named with its reason (`CHANGES`), never a fork of the apps.

Input: the documents of argocd/root and argocd/platform as they are in git. Output: the same
files for the local source repository Argo CD reads (`cluster/git.py`), plus the root
Application Terraform would create on EKS. Pure: the unit tests read every change.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

UPSTREAM_REPO = "https://github.com/commerce-platform/commerce-ci.git"
IN_CLUSTER = "https://kubernetes.default.svc"
PROD_NAMESPACE = "commerce-prod"
Documents = dict[str, list[dict[str, Any]]]

#: What the overlay changes, and why: printed by `cluster status`, quoted in the README.
CHANGES: tuple[tuple[str, str], ...] = (
    (
        "repoURL",
        "GitHub is not reachable: charts and apps come from a local snapshot of this repository's "
        "HEAD (file://), the values files from the embedded GitOps remote `release` commits to",
    ),
    (
        "services ApplicationSet: clusters generator -> list generator",
        "one cluster holds both environments here: dev in namespace commerce, prod in "
        "commerce-prod (on EKS each environment is its own cluster, picked by its label)",
    ),
    (
        "kube-prometheus-stack -> prometheus-operator-crds + prometheus",
        "its images (operator, Prometheus, Grafana, kube-state-metrics) cannot be pulled: the "
        "operator's CRDs (from its Go module) come first (wave -1), then Debian's Prometheus as an "
        "image, scraping what the ServiceMonitors name",
    ),
    (
        "opentelemetry-collector -> a collector built with the collector's builder",
        "the contrib image cannot be pulled: same Service name and ports (OTLP 4317/4318), traces "
        "written to a file the tests read",
    ),
    ("jaeger, ingress-nginx, frontend-proxy: left out", "their images cannot be pulled here"),
    (
        "redis: image from values",
        "Debian's redis-server as an image instead of Docker Hub's; a second instance for prod",
    ),
)
LEFT_OUT = frozenset({"jaeger", "ingress-nginx", "frontend-proxy"})


@dataclass(frozen=True)
class OverlaySettings:
    source_url: str
    gitops_url: str
    #: Image references by name (redis, otel-collector, prometheus): repository and digest.
    images: Mapping[str, tuple[str, str]]
    trace_dir: str
    branch: str = "main"


def _repo(url: str, settings: OverlaySettings, values: bool = False) -> str:
    if url != UPSTREAM_REPO:
        return url
    return settings.gitops_url if values else settings.source_url


def overlay(files: Mapping[str, list[dict[str, Any]]], settings: OverlaySettings) -> Documents:
    """argocd/root/* and argocd/platform/* for the local cluster, by path."""
    out: Documents = {}
    for path, documents in sorted(files.items()):
        name = path.rsplit("/", 1)[-1].removesuffix(".yaml")
        if path.startswith("argocd/platform/") and name in LEFT_OUT:
            continue
        changed = [_document(copy.deepcopy(doc), settings) for doc in documents]
        out[path] = [doc for doc in changed if doc is not None]
    out.update(_replacements(settings))
    return out


def _document(doc: dict[str, Any], settings: OverlaySettings) -> dict[str, Any] | None:
    kind = doc.get("kind")
    name = doc.get("metadata", {}).get("name")
    if kind == "AppProject":
        return _project(doc, settings)
    if kind == "ApplicationSet" and name == "commerce-services":
        return _services(doc, settings)
    if kind == "Application":
        if name in ("kube-prometheus-stack", "opentelemetry-collector"):
            return None
        if name == "redis":
            return _redis(doc, settings)
        return _sources(doc, settings)
    return doc


def _sources(doc: dict[str, Any], settings: OverlaySettings) -> dict[str, Any]:
    spec = doc["spec"]
    if "source" in spec:
        spec["source"]["repoURL"] = _repo(spec["source"]["repoURL"], settings)
        if spec["source"].get("targetRevision") == "main":
            spec["source"]["targetRevision"] = settings.branch
    for source in spec.get("sources", []):
        source["repoURL"] = _repo(source["repoURL"], settings, values="ref" in source)
    return doc


def _project(doc: dict[str, Any], settings: OverlaySettings) -> dict[str, Any]:
    spec = doc["spec"]
    repos = [r for r in spec.get("sourceRepos", []) if r != UPSTREAM_REPO]
    spec["sourceRepos"] = [settings.source_url, settings.gitops_url, *repos]
    if doc["metadata"]["name"] == "commerce":
        destinations = spec.setdefault("destinations", [])
        servers = {d.get("server", "*") for d in destinations if d.get("namespace") == "commerce"}
        for server in sorted(servers) or ["*"]:
            destinations.append({"server": server, "namespace": PROD_NAMESPACE})
    return doc


def _services(doc: dict[str, Any], settings: OverlaySettings) -> dict[str, Any]:
    """Both environments on this cluster: the list generator gives each element what the
    clusters generator gave (server, metadata.labels) plus its namespace."""
    spec = doc["spec"]
    (matrix,) = [g["matrix"] for g in spec["generators"] if "matrix" in g]
    elements = [
        {
            "name": f"local-{env}",
            "server": IN_CLUSTER,
            "metadata": {"labels": {"commerce.io/environment": env}},
            "namespace": namespace,
        }
        for env, namespace in (("dev", "commerce"), ("prod", PROD_NAMESPACE))
    ]
    generators = []
    for generator in matrix["generators"]:
        if "clusters" in generator:
            generators.append({"list": {"elements": elements}})
            continue
        if "git" in generator:
            generator["git"]["repoURL"] = _repo(generator["git"]["repoURL"], settings, values=True)
            generator["git"]["revision"] = settings.branch
        generators.append(generator)
    matrix["generators"] = generators
    template = spec["template"]["spec"]
    template["destination"]["namespace"] = "{{ .namespace }}"
    for index, source in enumerate(template.get("sources", [])):
        source["repoURL"] = _repo(source["repoURL"], settings, values=index > 0 or "ref" in source)
        source["targetRevision"] = settings.branch
    return doc


def _redis(doc: dict[str, Any], settings: OverlaySettings) -> dict[str, Any]:
    doc = _sources(doc, settings)
    repository, digest = settings.images["redis"]
    helm = doc["spec"]["source"].setdefault("helm", {})
    helm["valuesObject"] = {"image": {"repository": repository, "digest": digest}}
    return doc


def _replacements(settings: OverlaySettings) -> Documents:
    """The apps standing in for what cannot be pulled here, and prod's Redis."""
    collector_repo, collector_digest = settings.images["otel-collector"]
    prometheus_repo, prometheus_digest = settings.images["prometheus"]
    redis_repo, redis_digest = settings.images["redis"]
    return {
        "argocd/platform/prometheus-operator-crds.yaml": [
            _app(
                "prometheus-operator-crds",
                "platform",
                "monitoring",
                "-1",
                {"path": "cluster/crds/prometheus-operator"},
                settings,
                server_side=True,
            )
        ],
        "argocd/platform/prometheus.yaml": [
            _app(
                "prometheus",
                "platform",
                "monitoring",
                "1",
                {
                    "path": "cluster/charts/prometheus",
                    "helm": {
                        "releaseName": "prometheus",
                        "valuesObject": {
                            "image": {"repository": prometheus_repo, "digest": prometheus_digest}
                        },
                    },
                },
                settings,
            )
        ],
        "argocd/platform/opentelemetry-collector.yaml": [
            _app(
                "opentelemetry-collector",
                "platform",
                "observability",
                "1",
                {
                    "path": "cluster/charts/otel-collector",
                    "helm": {
                        "releaseName": "opentelemetry-collector",
                        "valuesObject": {
                            "image": {"repository": collector_repo, "digest": collector_digest},
                            "traceDir": settings.trace_dir,
                        },
                    },
                },
                settings,
            )
        ],
        "argocd/platform/redis-prod.yaml": [
            _app(
                "redis-prod",
                "commerce",
                PROD_NAMESPACE,
                "0",
                {
                    "path": "charts/redis",
                    "helm": {
                        "releaseName": "redis",
                        "valuesObject": {
                            "image": {"repository": redis_repo, "digest": redis_digest}
                        },
                    },
                },
                settings,
            )
        ],
    }


def _app(
    name: str,
    project: str,
    namespace: str,
    wave: str,
    source: dict[str, Any],
    settings: OverlaySettings,
    *,
    server_side: bool = False,
) -> dict[str, Any]:
    options = ["CreateNamespace=true"] + (["ServerSideApply=true"] if server_side else [])
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": name,
            "namespace": "argocd",
            "annotations": {
                "argocd.argoproj.io/sync-wave": wave,
                "commerce.io/local-overlay": "replaces what cannot be pulled here",
            },
            "finalizers": ["resources-finalizer.argocd.argoproj.io"],
        },
        "spec": {
            "project": project,
            "source": {"repoURL": settings.source_url, "targetRevision": settings.branch, **source},
            "destination": {"server": IN_CLUSTER, "namespace": namespace},
            "syncPolicy": {
                "automated": {"prune": True, "selfHeal": True},
                "syncOptions": options,
                "retry": {
                    "limit": 10,
                    "backoff": {"duration": "5s", "factor": 2, "maxDuration": "1m"},
                },
            },
        },
    }


def root_application(settings: OverlaySettings) -> dict[str, Any]:
    """What terraform/modules/gitops creates on EKS: one app over argocd/root (recursive)."""
    app = _app(
        "root",
        "default",
        "argocd",
        "0",
        {"path": "argocd/root", "directory": {"recurse": True}},
        settings,
    )
    app["metadata"]["annotations"] = {}
    app["spec"]["syncPolicy"]["syncOptions"] = ["CreateNamespace=false"]
    return app
