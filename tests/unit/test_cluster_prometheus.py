"""ServiceMonitors translated into Prometheus scrape jobs, as the operator would."""

from __future__ import annotations

from typing import Any

import yaml

from pipelines.cluster import prometheus

CART = {
    "metadata": {"name": "cart", "namespace": "commerce"},
    "spec": {
        "selector": {"matchLabels": {"app.kubernetes.io/name": "cart"}},
        "endpoints": [{"port": "metrics", "path": "/metrics", "interval": "30s"}],
    },
}


def _service(name: str, namespace: str, ports: dict[str, int], **labels: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"ports": [{"name": n, "port": p} for n, p in ports.items()]},
    }


SERVICES = [
    _service(
        "cart", "commerce", {"grpc": 7070, "metrics": 9464}, **{"app.kubernetes.io/name": "cart"}
    ),
    _service("cart", "commerce-prod", {"metrics": 9464}, **{"app.kubernetes.io/name": "cart"}),
    _service("ad", "commerce", {"metrics": 9464}, **{"app.kubernetes.io/name": "ad"}),
]


def test_one_job_per_endpoint_named_as_the_operator_names_it() -> None:
    (job,) = prometheus.scrape_jobs(CART, SERVICES, "cluster.local")
    assert job["job_name"] == "serviceMonitor/commerce/cart/0"
    assert job["scrape_interval"] == "30s" and job["metrics_path"] == "/metrics"


def test_the_selected_service_is_scraped_on_the_named_port_by_its_dns_name() -> None:
    (job,) = prometheus.scrape_jobs(CART, SERVICES, "cluster.local")
    assert job["static_configs"] == [
        {
            "targets": ["cart.commerce.svc.cluster.local:9464"],
            "labels": {"namespace": "commerce", "service": "cart", "job": "cart"},
        }
    ]


def test_services_in_other_namespaces_or_without_the_labels_are_not_selected() -> None:
    (job,) = prometheus.scrape_jobs(CART, SERVICES, "cluster.local")
    targets = [t for group in job["static_configs"] for t in group["targets"]]
    assert not any("commerce-prod" in t or t.startswith("ad.") for t in targets)


def test_namespace_selector_names_win_over_the_monitors_own_namespace() -> None:
    monitor = {
        **CART,
        "spec": {**CART["spec"], "namespaceSelector": {"matchNames": ["commerce-prod"]}},
    }
    (job,) = prometheus.scrape_jobs(monitor, SERVICES, "cluster.local")
    assert job["static_configs"][0]["targets"] == ["cart.commerce-prod.svc.cluster.local:9464"]


def test_a_service_without_the_named_port_gives_no_target() -> None:
    monitor = {**CART, "spec": {**CART["spec"], "endpoints": [{"port": "http"}]}}
    (job,) = prometheus.scrape_jobs(monitor, SERVICES, "cluster.local")
    assert job["static_configs"] == []


def test_the_config_is_valid_yaml_with_jobs_sorted() -> None:
    ad = {**CART, "metadata": {"name": "ad", "namespace": "commerce"}}
    document = yaml.safe_load(prometheus.prometheus_config([CART, ad], SERVICES))
    names = [job["job_name"] for job in document["scrape_configs"]]
    assert names == sorted(names) and len(names) == 2
