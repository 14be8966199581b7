"""The port Prometheus scrapes is the port every service is told to serve /metrics on.

The ServiceMonitor scrapes the container port named `metrics` (metrics.port); every service's
telemetry code (libs/go, libs/python, libs/rust, libs/node, ad's and fraud-detection's Telemetry)
opens /metrics on METRICS_PORT through an OpenTelemetry Prometheus exporter, so the chart must
hand each of them the same number, on a port of its own beside the service's main port.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from chart_render import ENVIRONMENTS, code_files, code_folders, rendered, service_names

#: What linking an OpenTelemetry Prometheus exporter looks like in each language's code.
PROMETHEUS_EXPORTERS = (
    "go.opentelemetry.io/otel/exporters/prometheus",  # Go
    "opentelemetry.exporter.prometheus",  # Python
    "opentelemetry_prometheus",  # Rust
    "@opentelemetry/exporter-prometheus",  # Node
    "io.opentelemetry.exporter.prometheus",  # Java, Kotlin
)


def code_text(folders: list[Path]) -> str:
    return "\n".join(p.read_text(errors="replace") for f in folders for p in code_files(f))


def container(environment: str, name: str) -> dict:
    deployment = rendered(environment, name, "Deployment")
    (found,) = deployment["spec"]["template"]["spec"]["containers"]
    return found


@pytest.mark.parametrize("name", service_names())
def test_service_code_serves_metrics_port_through_an_otel_prometheus_exporter(name: str) -> None:
    text = code_text(code_folders(name))
    assert "METRICS_PORT" in text, f"{name}'s code never reads METRICS_PORT"
    assert any(marker in text for marker in PROMETHEUS_EXPORTERS), code_folders(name)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("name", service_names())
def test_the_service_monitor_scrapes_the_port_metrics_port_names(
    name: str, environment: str
) -> None:
    spec = container(environment, name)
    ports = {p["name"]: p["containerPort"] for p in spec["ports"]}
    env = {e["name"]: e.get("value", "") for e in spec["env"]}
    (endpoint,) = rendered(environment, name, "ServiceMonitor")["spec"]["endpoints"]
    assert endpoint["path"] == "/metrics"
    assert endpoint["port"] == "metrics", "scraped on the main port, where nothing serves it"
    assert env["METRICS_PORT"] == str(ports["metrics"])
    assert str(ports["metrics"]) != env["PORT"], "/metrics must not share the main port"


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("name", service_names())
def test_the_service_and_network_policy_let_prometheus_reach_the_metrics_port(
    name: str, environment: str
) -> None:
    service_ports = {p["name"]: p for p in rendered(environment, name, "Service")["spec"]["ports"]}
    assert service_ports["metrics"]["targetPort"] == "metrics"
    ingress = rendered(environment, name, "NetworkPolicy")["spec"]["ingress"]
    admitted = {port["port"] for rule in ingress for port in rule.get("ports", [])}
    assert "metrics" in admitted
