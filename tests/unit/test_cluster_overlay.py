"""The local overlay of argocd/: what it changes, read from this repository's own apps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pipelines.cluster import overlay

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = overlay.OverlaySettings(
    source_url="file:///state/git/source.git",
    gitops_url="file:///cache/gitops/remote.git",
    images={
        "redis": ("127.0.0.1:5055/commerce-ci/cluster/redis", "sha256:aa"),
        "otel-collector": ("127.0.0.1:5055/commerce-ci/cluster/otel-collector", "sha256:bb"),
        "prometheus": ("127.0.0.1:5055/commerce-ci/cluster/prometheus", "sha256:cc"),
    },
    trace_dir="/state/volumes/otelcol",
)


def _files() -> dict[str, list[dict[str, Any]]]:
    files = {}
    for folder in ("argocd/root", "argocd/platform"):
        for path in sorted((ROOT / folder).glob("*.yaml")):
            text = path.read_text()
            files[f"{folder}/{path.name}"] = [d for d in yaml.safe_load_all(text) if d]
    return files


def _apps(out: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for docs in out.values() for d in docs}


def _urls(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [u for k, v in node.items() for u in ([v] if k == "repoURL" else _urls(v))]
    if isinstance(node, list):
        return [u for item in node for u in _urls(item)]
    return []


def test_no_app_points_at_github_after_the_overlay() -> None:
    out = overlay.overlay(_files(), SETTINGS)
    assert overlay.UPSTREAM_REPO not in _urls(out)


def test_values_come_from_the_gitops_remote_and_charts_from_the_source_snapshot() -> None:
    services = _apps(overlay.overlay(_files(), SETTINGS))["commerce-services"]
    chart, values = services["spec"]["template"]["spec"]["sources"]
    assert chart["repoURL"] == SETTINGS.source_url
    assert values["repoURL"] == SETTINGS.gitops_url and values["ref"] == "values"
    git = services["spec"]["generators"][0]["matrix"]["generators"][1]["git"]
    assert git["repoURL"] == SETTINGS.gitops_url


def test_both_environments_run_on_one_cluster_in_their_own_namespaces() -> None:
    services = _apps(overlay.overlay(_files(), SETTINGS))["commerce-services"]
    (listed,) = [
        g["list"] for g in services["spec"]["generators"][0]["matrix"]["generators"] if "list" in g
    ]
    by_env = {
        e["metadata"]["labels"]["commerce.io/environment"]: e["namespace"]
        for e in listed["elements"]
    }
    assert by_env == {"dev": "commerce", "prod": overlay.PROD_NAMESPACE}
    assert services["spec"]["template"]["spec"]["destination"]["namespace"] == "{{ .namespace }}"


def test_the_commerce_project_admits_the_prod_namespace() -> None:
    project = _apps(overlay.overlay(_files(), SETTINGS))["commerce"]
    namespaces = {d["namespace"] for d in project["spec"]["destinations"]}
    assert namespaces == {"commerce", overlay.PROD_NAMESPACE}
    assert SETTINGS.source_url in project["spec"]["sourceRepos"]


def test_apps_whose_images_cannot_be_pulled_are_left_out_or_replaced() -> None:
    apps = _apps(overlay.overlay(_files(), SETTINGS))
    assert not overlay.LEFT_OUT & set(apps)
    assert "kube-prometheus-stack" not in apps
    collector = apps["opentelemetry-collector"]["spec"]["source"]
    assert collector["path"] == "cluster/charts/otel-collector"
    assert collector["helm"]["valuesObject"]["image"]["digest"] == "sha256:bb"


def test_crds_come_in_the_first_wave_of_the_platform_apps() -> None:
    apps = _apps(overlay.overlay(_files(), SETTINGS))
    waves = {
        name: int(app["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])
        for name, app in apps.items()
        if app["kind"] == "Application" and name not in ("platform", "root")
    }
    assert waves["prometheus-operator-crds"] == min(waves.values())
    assert waves["observability"] > waves["prometheus-operator-crds"]


def test_redis_runs_the_debian_image_by_digest_in_both_namespaces() -> None:
    apps = _apps(overlay.overlay(_files(), SETTINGS))
    for name in ("redis", "redis-prod"):
        image = apps[name]["spec"]["source"]["helm"]["valuesObject"]["image"]
        assert image == {"repository": SETTINGS.images["redis"][0], "digest": "sha256:aa"}
    assert apps["redis-prod"]["spec"]["destination"]["namespace"] == overlay.PROD_NAMESPACE


def test_the_overlay_leaves_the_input_documents_untouched() -> None:
    files = _files()
    before = yaml.safe_dump(files)
    overlay.overlay(files, SETTINGS)
    assert yaml.safe_dump(files) == before


def test_the_root_app_is_what_terraform_creates_over_argocd_root() -> None:
    root = overlay.root_application(SETTINGS)
    assert root["spec"]["source"]["path"] == "argocd/root"
    assert root["spec"]["source"]["directory"] == {"recurse": True}
    assert root["spec"]["project"] == "default"
