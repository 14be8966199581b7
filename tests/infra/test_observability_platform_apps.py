"""The platform ArgoCD Applications: CRD-valid, pinned, ordered by waves, self-healing."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from infra_helpers import CRD_DIR, PLATFORM_APPS_DIR

APPS = sorted(PLATFORM_APPS_DIR.glob("*.yaml"))
EXPECTED = {"kube-prometheus-stack", "opentelemetry-collector", "jaeger", "ingress-nginx"}


@cache
def application_schema() -> dict[str, Any]:
    path = CRD_DIR / "argoproj.io_application.yaml"
    if not path.exists():
        pytest.fail(f"CRD schema {path} is missing (it ships in ../shared/schemas/crds)")
    crd = yaml.safe_load(path.read_text())
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1alpha1"]
    return version["schema"]["openAPIV3Schema"]


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def apps() -> dict[str, dict[str, Any]]:
    return {load(p)["metadata"]["name"]: load(p) for p in APPS}


def wave(app: dict[str, Any]) -> int:
    return int(app["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])


def sources(app: dict[str, Any]) -> list[dict[str, Any]]:
    spec = app["spec"]
    return spec.get("sources") or [spec["source"]]


def test_the_platform_apps_are_all_there() -> None:
    assert set(apps()) >= EXPECTED


@pytest.mark.parametrize("path", APPS, ids=lambda p: p.name)
def test_application_matches_the_argocd_crd_schema(path: Path) -> None:
    app = load(path)
    assert (app["apiVersion"], app["kind"]) == ("argoproj.io/v1alpha1", "Application")
    jsonschema.Draft7Validator(application_schema()).validate(app)


def test_crd_schema_rejects_an_application_without_destination() -> None:
    app = load(APPS[0])
    app["spec"]["destination"] = "in-cluster"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(application_schema()).validate(app)


@pytest.mark.parametrize("path", APPS, ids=lambda p: p.name)
def test_helm_charts_are_pinned_to_exact_versions(path: Path) -> None:
    for source in sources(load(path)):
        if "chart" in source:
            assert re.fullmatch(r"\d+\.\d+\.\d+", str(source["targetRevision"])), source


@pytest.mark.parametrize("path", APPS, ids=lambda p: p.name)
def test_sync_is_automated_with_prune_self_heal_and_backoff(path: Path) -> None:
    policy = load(path)["spec"]["syncPolicy"]
    assert policy["automated"] == {"prune": True, "selfHeal": True}
    backoff = policy["retry"]["backoff"]
    assert policy["retry"]["limit"] > 0 and backoff["factor"] > 1 and backoff["maxDuration"]


def test_crds_sync_first_and_server_side() -> None:
    platform = apps()
    crd_owner = platform["kube-prometheus-stack"]
    assert wave(crd_owner) < min(
        wave(a) for n, a in platform.items() if n != crd_owner["metadata"]["name"]
    )
    assert "ServerSideApply=true" in crd_owner["spec"]["syncPolicy"]["syncOptions"]


def test_collector_syncs_after_jaeger_and_content_after_the_collector() -> None:
    platform = apps()
    assert wave(platform["jaeger"]) < wave(platform["opentelemetry-collector"])
    assert wave(platform["opentelemetry-collector"]) < wave(platform["observability"])


def test_collector_values_come_from_this_repository() -> None:
    app = apps()["opentelemetry-collector"]
    chart, values = sources(app)
    assert chart["helm"]["valueFiles"] == [
        "$values/charts/observability/otel-collector-values.yaml"
    ]
    assert values["ref"] == "values"
    root = Path(__file__).resolve().parents[2]
    assert (root / "charts" / "observability" / "otel-collector-values.yaml").exists()
