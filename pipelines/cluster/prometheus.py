"""Prometheus's scrape configuration, generated from the ServiceMonitors in the cluster.

On EKS the Prometheus Operator watches ServiceMonitors and rewrites Prometheus's configuration.
Its image cannot be pulled here, so `cluster up` and `cluster monitors` do the same translation
on demand (the subset of the ServiceMonitor API the charts use: a label selector, namespaces,
and per endpoint a named port, path, interval and timeout), write the ConfigMap Prometheus reads,
and ask Prometheus to reload. Targets are discovered by Prometheus itself (kubernetes_sd,
EndpointSlices), so pods that come and go are followed without another translation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import yaml

NAMESPACE = "monitoring"
CONFIG_MAP = "prometheus-scrape-config"
SERVICE = "prometheus"
PORT = 9090


def _label(name: str) -> str:
    """A Kubernetes label name as a Prometheus meta label suffix (what kubernetes_sd emits)."""
    return re.sub(r"[^a-zA-Z0-9_]", "_", name)


def scrape_jobs(monitor: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One job per endpoint of a ServiceMonitor, as the operator generates it."""
    meta = monitor["metadata"]
    spec = monitor.get("spec", {})
    names = spec.get("namespaceSelector", {}).get("matchNames") or [meta["namespace"]]
    selector = spec.get("selector", {}).get("matchLabels", {})
    jobs = []
    for index, endpoint in enumerate(spec.get("endpoints", [])):
        relabel: list[dict[str, Any]] = [
            {
                "source_labels": [
                    f"__meta_kubernetes_service_label_{_label(key)}",
                    f"__meta_kubernetes_service_labelpresent_{_label(key)}",
                ],
                "regex": f"({re.escape(str(value))});true",
                "action": "keep",
            }
            for key, value in sorted(selector.items())
        ]
        if "port" in endpoint:
            relabel.append(
                {
                    "source_labels": ["__meta_kubernetes_endpointslice_port_name"],
                    "regex": re.escape(str(endpoint["port"])),
                    "action": "keep",
                }
            )
        relabel += [
            {"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"},
            {"source_labels": ["__meta_kubernetes_service_name"], "target_label": "service"},
            {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
            {"source_labels": ["__meta_kubernetes_service_name"], "target_label": "job"},
        ]
        job: dict[str, Any] = {
            "job_name": f"serviceMonitor/{meta['namespace']}/{meta['name']}/{index}",
            "metrics_path": endpoint.get("path", "/metrics"),
            "kubernetes_sd_configs": [{"role": "endpointslice", "namespaces": {"names": names}}],
            "relabel_configs": relabel,
            "honor_labels": bool(endpoint.get("honorLabels", False)),
        }
        if "interval" in endpoint:
            job["scrape_interval"] = endpoint["interval"]
        if "scrapeTimeout" in endpoint:
            job["scrape_timeout"] = endpoint["scrapeTimeout"]
        jobs.append(job)
    return jobs


def prometheus_config(monitors: Iterable[Mapping[str, Any]]) -> str:
    jobs = [job for monitor in monitors for job in scrape_jobs(monitor)]
    document = {
        "global": {"scrape_interval": "15s", "scrape_timeout": "10s"},
        "scrape_configs": sorted(jobs, key=lambda job: job["job_name"]),
    }
    return yaml.safe_dump(document, sort_keys=False)


def config_map(text: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": CONFIG_MAP, "namespace": NAMESPACE},
        "data": {"prometheus.yml": text},
    }
