"""ServiceMonitors translated into Prometheus scrape jobs, as the operator would."""

from __future__ import annotations

import yaml

from pipelines.cluster import prometheus

CART = {
    "metadata": {"name": "cart", "namespace": "commerce"},
    "spec": {
        "selector": {
            "matchLabels": {"app.kubernetes.io/name": "cart", "app.kubernetes.io/instance": "cart"}
        },
        "endpoints": [{"port": "metrics", "path": "/metrics", "interval": "30s"}],
    },
}


def test_one_job_per_endpoint_in_the_monitors_namespace() -> None:
    (job,) = prometheus.scrape_jobs(CART)
    assert job["job_name"] == "serviceMonitor/commerce/cart/0"
    assert job["kubernetes_sd_configs"] == [
        {"role": "endpointslice", "namespaces": {"names": ["commerce"]}}
    ]
    assert job["scrape_interval"] == "30s" and job["metrics_path"] == "/metrics"


def test_the_selector_and_port_become_keep_rules() -> None:
    (job,) = prometheus.scrape_jobs(CART)
    keeps = [r for r in job["relabel_configs"] if r.get("action") == "keep"]
    assert {
        "source_labels": [
            "__meta_kubernetes_service_label_app_kubernetes_io_name",
            "__meta_kubernetes_service_labelpresent_app_kubernetes_io_name",
        ],
        "regex": "(cart);true",
        "action": "keep",
    } in keeps
    assert keeps[-1]["source_labels"] == ["__meta_kubernetes_endpointslice_port_name"]
    assert keeps[-1]["regex"] == "metrics"


def test_namespace_selector_names_win_over_the_monitors_own_namespace() -> None:
    monitor = {
        "metadata": {"name": "otel", "namespace": "observability"},
        "spec": {"namespaceSelector": {"matchNames": ["a", "b"]}, "endpoints": [{"port": "p"}]},
    }
    (job,) = prometheus.scrape_jobs(monitor)
    assert job["kubernetes_sd_configs"][0]["namespaces"]["names"] == ["a", "b"]


def test_the_config_is_valid_yaml_with_jobs_sorted() -> None:
    text = prometheus.prometheus_config(
        [CART, {**CART, "metadata": {"name": "ad", "namespace": "c"}}]
    )
    document = yaml.safe_load(text)
    names = [job["job_name"] for job in document["scrape_configs"]]
    assert names == sorted(names) and len(names) == 2
