"""Alert rules and scrape config: promtool accepts the rules, the CRD schemas accept the objects.

Everything is read from `helm template charts/observability`, as Argo CD renders it: the rules'
Prometheus templates ({{ $labels.x }}) must survive Helm's own templating.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from infra_helpers import CRD_DIR, OBSERVABILITY_DIR, rendered_kind, run, tool


def rendered_rule() -> dict[str, Any]:
    (rule,) = rendered_kind(OBSERVABILITY_DIR, "PrometheusRule")
    return rule


def crd_schema(filename: str, kind: str) -> dict[str, Any]:
    """The openAPIV3Schema of the CRD's served version for `kind` (objects are apiVersion v1)."""
    path = CRD_DIR / filename
    if not path.exists():
        pytest.fail(f"CRD schema {path} is missing (it ships in ../shared/schemas/crds)")
    crd = yaml.safe_load(path.read_text())
    assert crd["spec"]["names"]["kind"] == kind
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1"]
    return version["schema"]["openAPIV3Schema"]


def validate(obj: dict[str, Any], schema: dict[str, Any]) -> None:
    jsonschema.Draft7Validator(schema).validate(obj)


def rule_groups_file(tmp_path: Path, rule: dict[str, Any]) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))
    return path


def test_promtool_accepts_the_rule_groups(tmp_path: Path) -> None:
    rule = rendered_rule()
    result = run([tool("promtool"), "check", "rules", str(rule_groups_file(tmp_path, rule))])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_annotations_keep_prometheus_templates_after_helm_renders_them() -> None:
    alerts = [r for g in rendered_rule()["spec"]["groups"] for r in g["rules"] if "alert" in r]
    summary = next(a for a in alerts if a["alert"] == "ServiceHighErrorRate")["annotations"]
    assert summary["summary"].startswith("{{ $labels.service_name }}")
    assert "{{ $value | humanizePercentage }}" in summary["description"]


def test_promtool_rejects_a_broken_expression(tmp_path: Path) -> None:
    rule = rendered_rule()
    rule["spec"]["groups"][1]["rules"][0]["expr"] = "sum by (service_name (rate(x[5m]))"
    result = run([tool("promtool"), "check", "rules", str(rule_groups_file(tmp_path, rule))])
    assert result.returncode != 0


def test_alerts_cover_errors_latency_burn_restarts_and_argocd() -> None:
    rule = rendered_rule()
    alerts = {r["alert"]: r for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r}
    assert {"ServiceHighErrorRate", "LatencySLOFastBurn", "LatencySLOSlowBurn",
            "PodRestartingOften", "ArgoCDAppDegraded"} <= set(alerts)  # fmt: skip
    # Multi-window burn rate: each burn alert compares a long and a short window.
    for name, windows in {
        "LatencySLOFastBurn": ("1h", "5m"),
        "LatencySLOSlowBurn": ("6h", "30m"),
    }.items():
        for window in windows:
            assert f":rate{window}" in alerts[name]["expr"], (name, window)
    for alert in alerts.values():
        assert alert["labels"]["severity"] in ("warning", "critical")
        assert alert["annotations"]["summary"]


def test_prometheus_rule_matches_the_operator_crd_schema() -> None:
    rule = rendered_rule()
    assert (rule["apiVersion"], rule["kind"]) == ("monitoring.coreos.com/v1", "PrometheusRule")
    validate(rule, crd_schema("monitoring.coreos.com_prometheusrules.yaml", "PrometheusRule"))


def test_crd_schema_rejects_a_rule_without_expression() -> None:
    rule = rendered_rule()
    del rule["spec"]["groups"][1]["rules"][0]["expr"]
    with pytest.raises(jsonschema.ValidationError):
        validate(rule, crd_schema("monitoring.coreos.com_prometheusrules.yaml", "PrometheusRule"))


def test_service_monitors_match_the_operator_crd_schema() -> None:
    schema = crd_schema("monitoring.coreos.com_servicemonitors.yaml", "ServiceMonitor")
    monitors = rendered_kind(OBSERVABILITY_DIR, "ServiceMonitor")
    assert {m["metadata"]["name"] for m in monitors} >= {"otel-collector"}
    for monitor in monitors:
        assert monitor["kind"] == "ServiceMonitor"
        validate(monitor, schema)


def test_crd_schema_rejects_a_malformed_service_monitor() -> None:
    schema = crd_schema("monitoring.coreos.com_servicemonitors.yaml", "ServiceMonitor")
    monitor = rendered_kind(OBSERVABILITY_DIR, "ServiceMonitor")[0]
    monitor["spec"]["endpoints"] = "prom-metrics"
    with pytest.raises(jsonschema.ValidationError):
        validate(monitor, schema)
