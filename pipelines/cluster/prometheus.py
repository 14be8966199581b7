"""Prometheus's scrape configuration, generated from the ServiceMonitors in the cluster.

On EKS the Prometheus Operator watches ServiceMonitors and rewrites Prometheus's configuration.
Its image cannot be pulled here, so `cluster up` and `cluster monitors` do that translation on
demand, for the part of the ServiceMonitor API the charts use (a label selector, namespaces, and
per endpoint a named port, path, interval and timeout), write the ConfigMap Prometheus reads,
and ask Prometheus to reload. Debian's Prometheus is built without Kubernetes service discovery
(client-go is not packaged in Debian), so each selected Service becomes a static target by its
cluster DNS name and the port its ServiceMonitor names: it follows pods that come and go, not
Services that do (`cluster monitors` again).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import yaml

NAMESPACE = "monitoring"
CONFIG_MAP = "prometheus-scrape-config"
SERVICE = "prometheus"
PORT = 9090


def _selected(monitor: Mapping[str, Any], service: Mapping[str, Any]) -> bool:
    spec = monitor.get("spec", {})
    namespaces = spec.get("namespaceSelector", {}).get("matchNames") or [
        monitor["metadata"]["namespace"]
    ]
    labels = service["metadata"].get("labels", {})
    selector = spec.get("selector", {}).get("matchLabels", {})
    return service["metadata"]["namespace"] in namespaces and all(
        labels.get(key) == value for key, value in selector.items()
    )


def scrape_jobs(
    monitor: Mapping[str, Any], services: Sequence[Mapping[str, Any]], domain: str
) -> list[dict[str, Any]]:
    """One job per endpoint of a ServiceMonitor, named as the operator names it, with a target
    per selected Service that has the named port."""
    meta = monitor["metadata"]
    jobs = []
    for index, endpoint in enumerate(monitor.get("spec", {}).get("endpoints", [])):
        targets = []
        for service in (s for s in services if _selected(monitor, s)):
            ports = {p.get("name"): p["port"] for p in service.get("spec", {}).get("ports", [])}
            if endpoint.get("port") in ports:
                name, namespace = service["metadata"]["name"], service["metadata"]["namespace"]
                targets.append(
                    {
                        "targets": [f"{name}.{namespace}.svc.{domain}:{ports[endpoint['port']]}"],
                        "labels": {"namespace": namespace, "service": name, "job": name},
                    }
                )
        job: dict[str, Any] = {
            "job_name": f"serviceMonitor/{meta['namespace']}/{meta['name']}/{index}",
            "metrics_path": endpoint.get("path", "/metrics"),
            "honor_labels": bool(endpoint.get("honorLabels", False)),
            "static_configs": targets,
        }
        if "interval" in endpoint:
            job["scrape_interval"] = endpoint["interval"]
        if "scrapeTimeout" in endpoint:
            job["scrape_timeout"] = endpoint["scrapeTimeout"]
        jobs.append(job)
    return jobs


def prometheus_config(
    monitors: Iterable[Mapping[str, Any]],
    services: Sequence[Mapping[str, Any]],
    domain: str = "cluster.local",
) -> str:
    jobs = [job for monitor in monitors for job in scrape_jobs(monitor, services, domain)]
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
