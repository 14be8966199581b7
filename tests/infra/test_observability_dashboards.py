"""Dashboards and the collector config agree: every panel queries metrics the collector makes.

The OpenTelemetry Collector's spanmetrics connector names its metrics after its `namespace`
(dots become underscores in Prometheus) and labels them with its `dimensions`; a dashboard that
queries another name or label shows nothing. These tests derive the produced names and labels
from otel-collector-values.yaml and hold every panel's PromQL against them.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from infra_helpers import OBSERVABILITY_DIR, rendered_kind

COLLECTOR_VALUES = OBSERVABILITY_DIR / "otel-collector-values.yaml"
DASHBOARDS = sorted((OBSERVABILITY_DIR / "dashboards").glob("*.json"))

#: Labels spanmetrics always sets, plus those of the resource the prometheus exporter converts.
SPANMETRICS_LABELS = {
    "service_name",
    "span_name",
    "span_kind",
    "status_code",
    "le",
    "job",
    "instance",
}
#: Metrics the rules may use beyond the collector's: kube-state-metrics and ArgoCD's controller.
OTHER_SOURCES = {"kube_pod_container_status_restarts_total", "argocd_app_info"}

PROMQL_WORDS = {
    "sum", "avg", "min", "max", "count", "topk", "bottomk", "rate", "irate", "increase",
    "histogram_quantile", "by", "without", "on", "ignoring", "group_left", "group_right",
    "and", "or", "unless", "bool", "offset", "label_values", "humanize", "clamp_min", "abs",
    "vector", "scalar", "time", "absent", "delta", "deriv", "sort", "sort_desc", "inf", "nan",
}  # fmt: skip


def prom_name(otel_name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_]", "_", otel_name)


@cache
def collector() -> dict[str, Any]:
    return yaml.safe_load(COLLECTOR_VALUES.read_text())["config"]


def produced_metrics(config: dict[str, Any]) -> set[str]:
    spanmetrics = config["connectors"]["spanmetrics"]
    prefix = prom_name(spanmetrics.get("namespace", "traces.span.metrics"))
    duration = f"{prefix}_duration_milliseconds"
    return {f"{prefix}_calls_total", f"{duration}_bucket", f"{duration}_sum", f"{duration}_count"}


def produced_labels(config: dict[str, Any]) -> set[str]:
    dims = {prom_name(d["name"]) for d in config["connectors"]["spanmetrics"]["dimensions"]}
    return dims | SPANMETRICS_LABELS


def strip_strings(expr: str) -> str:
    return re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)


def metric_names(expr: str) -> set[str]:
    """Identifiers that stand where a metric name stands (not labels, functions or keywords)."""
    text = strip_strings(expr)
    text = re.sub(r"label_values\(([^,]+),\s*\w+\)", r"(\1)", text)  # Grafana: keep the series
    text = re.sub(r"\{[^}]*\}", "{}", text)  # label matchers
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    text = re.sub(r"\[[^\]]*\]", "[]", text)  # ranges
    text = re.sub(r"\$\{?\w+\}?", " ", text)  # Grafana variables
    names = set(re.findall(r"(?<![\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w(])", text))
    return {n for n in names if n not in PROMQL_WORDS and not n.startswith("__")}


def label_names(expr: str) -> set[str]:
    text = strip_strings(expr)
    labels = set()
    for matchers in re.findall(r"\{([^}]*)\}", text):
        labels |= set(re.findall(r"([a-zA-Z_]\w*)\s*(?:=~|!=|!~|=)", matchers))
    for grouping in re.findall(r"\b(?:by|without)\s*\(([^)]*)\)", text):
        labels |= {g.strip() for g in grouping.split(",") if g.strip()}
    label_values_label = re.findall(r"label_values\([^,]+,\s*(\w+)\)", text)
    return labels | set(label_values_label)


def panel_queries(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    queries = []
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            queries.append((panel["title"], target["expr"]))
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") == "query":
            queries.append((f"${variable['name']}", variable["definition"]))
    return queries


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


# --- the collector ---------------------------------------------------------------------------


def test_collector_receives_otlp_and_routes_traces_to_jaeger_and_metrics_to_prometheus() -> None:
    config = collector()
    assert set(config["receivers"]["otlp"]["protocols"]) == {"grpc", "http"}
    traces = config["service"]["pipelines"]["traces"]
    metrics = config["service"]["pipelines"]["metrics"]
    assert "otlp" in traces["receivers"]
    assert {"otlp/jaeger", "spanmetrics"} <= set(traces["exporters"])
    assert "spanmetrics" in metrics["receivers"]
    assert metrics["exporters"] == ["prometheus"]
    assert "jaeger" in config["exporters"]["otlp/jaeger"]["endpoint"]


@pytest.mark.parametrize("pipeline", ["traces", "metrics", "logs"])
def test_collector_pipelines_limit_memory_first_and_batch_last(pipeline: str) -> None:
    processors = collector()["service"]["pipelines"][pipeline]["processors"]
    assert processors[0] == "memory_limiter"
    assert processors[-1] == "batch"
    assert "k8sattributes" in processors


def test_collector_turns_the_engines_span_attributes_into_labels() -> None:
    labels = produced_labels(collector())
    assert {"commerce_ci_service", "commerce_ci_stage", "commerce_ci_status"} <= labels


# --- the dashboards --------------------------------------------------------------------------


def test_the_red_and_delivery_dashboards_exist() -> None:
    uids = {load(p)["uid"] for p in DASHBOARDS}
    assert {"commerce-red", "commerce-delivery"} <= uids


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_is_well_formed(path: Path) -> None:
    dashboard = load(path)
    assert dashboard["title"] and dashboard["panels"]
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for panel in dashboard["panels"]:
        assert panel["targets"], f"panel {panel['title']!r} has no query"
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"])


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_every_panel_queries_metrics_and_labels_the_collector_produces(path: Path) -> None:
    metrics, labels = produced_metrics(collector()), produced_labels(collector())
    for title, expr in panel_queries(load(path)):
        used = metric_names(expr)
        assert used, f"{path.name} / {title}: no metric found in {expr!r}"
        assert used <= metrics, f"{path.name} / {title}: {sorted(used - metrics)} not produced"
        assert label_names(expr) <= labels, (
            f"{path.name} / {title}: labels {sorted(label_names(expr) - labels)} not produced"
        )


def test_delivery_dashboard_shows_runs_stage_durations_failure_rate_and_lead_time() -> None:
    dashboard = load(OBSERVABILITY_DIR / "dashboards" / "delivery.json")
    titles = " | ".join(p["title"].lower() for p in dashboard["panels"])
    for topic in ("pipeline runs", "stage duration", "failure rate", "lead time"):
        assert topic in titles, topic
    exprs = " ".join(e for _, e in panel_queries(dashboard))
    assert "commerce_ci_stage" in exprs and "commerce_ci_status" in exprs


def test_rule_expressions_use_only_known_metrics() -> None:
    known = produced_metrics(collector()) | OTHER_SOURCES
    (rule,) = rendered_kind(OBSERVABILITY_DIR, "PrometheusRule")
    recorded = {r["record"] for g in rule["spec"]["groups"] for r in g["rules"] if "record" in r}
    for group in rule["spec"]["groups"]:
        for r in group["rules"]:
            used = metric_names(r["expr"])
            assert used <= known | recorded, (r.get("alert") or r.get("record"), used - known)


# --- the check itself can fail ----------------------------------------------------------------


def test_a_query_for_a_metric_the_collector_does_not_make_is_caught() -> None:
    metrics = produced_metrics(collector())
    assert not metric_names('sum(rate(http_server_requests_total{job="x"}[5m]))') <= metrics


def test_renaming_the_spanmetrics_namespace_breaks_the_dashboards() -> None:
    config = json.loads(json.dumps(collector()))
    config["connectors"]["spanmetrics"]["namespace"] = "spans"
    metrics = produced_metrics(config)
    red = load(OBSERVABILITY_DIR / "dashboards" / "services-red.json")
    assert any(not metric_names(expr) <= metrics for _, expr in panel_queries(red))


def test_dropping_a_dimension_breaks_the_delivery_dashboard() -> None:
    config = json.loads(json.dumps(collector()))
    dims = config["connectors"]["spanmetrics"]["dimensions"]
    config["connectors"]["spanmetrics"]["dimensions"] = [
        d for d in dims if d["name"] != "commerce_ci.stage"
    ]
    labels = produced_labels(config)
    delivery = load(OBSERVABILITY_DIR / "dashboards" / "delivery.json")
    assert any(not label_names(expr) <= labels for _, expr in panel_queries(delivery))
