"""The port Prometheus scrapes is the port the service is told to serve /metrics on.

The ServiceMonitor scrapes the container port named `metrics` (metrics.port); the services read
METRICS_PORT (libs/go/telemetry: ServeMetrics), so the chart must hand them the same number.
"""

from __future__ import annotations

import pytest
from chart_render import ENVIRONMENTS, container_env, rendered, service_names


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("name", service_names())
def test_metrics_port_env_matches_the_scraped_container_port(name: str, environment: str) -> None:
    deployment = rendered(environment, name, "Deployment")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    env = container_env(environment, name)
    monitor = rendered(environment, name, "ServiceMonitor")
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["path"] == "/metrics"
    if endpoint["port"] == "metrics":
        assert env["METRICS_PORT"] == str(ports["metrics"])
    else:
        # Served on the main port: no second listener to configure.
        assert "METRICS_PORT" not in env
        assert endpoint["port"] in ports
