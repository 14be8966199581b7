"""Every service gets, from the chart, the addresses of the peers and the Redis its code reads.

A service reads `<NAME>_ADDR` for each peer and `REDIS_ADDR` (pipelines/shop/shop.py wires the
same names locally) and falls back to 127.0.0.1 when they are missing, which in a pod reaches
nothing. The variables a service reads are taken from its code; the rendered Deployment must set
each to the Service of that peer at the port the peer's own values give it.
"""

from __future__ import annotations

import re
import subprocess
from typing import Any

import kubernetes_validate
import pytest
import yaml
from chart_render import (
    ENVIRONMENTS,
    ROOT,
    code_files,
    container_env,
    helm,
    render_service,
    service_names,
)
from kube_version import KUBE_VERSION

REDIS_CHART = ROOT / "charts" / "redis"


def addr_var(name: str) -> str:
    return name.upper().replace("-", "_") + "_ADDR"


def variables_read(name: str) -> set[str]:
    """The <PEER>_ADDR and REDIS_ADDR names in the service's code (not its tests)."""
    known = {addr_var(peer) for peer in service_names()} | {"REDIS_ADDR"}
    found: set[str] = set()
    for path in code_files(ROOT / "services" / name):
        found |= set(re.findall(r"\b[A-Z][A-Z_]*_ADDR\b", path.read_text())) & known
    return found


def service_port(environment: str, name: str) -> int:
    (service,) = [o for o in render_service(environment, name) if o["kind"] == "Service"]
    return int(service["spec"]["ports"][0]["port"])


def redis_port() -> int:
    return int(yaml.safe_load((REDIS_CHART / "values.yaml").read_text())["port"])


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("name", service_names())
def test_every_address_the_code_reads_is_set_to_a_reachable_service(
    name: str, environment: str
) -> None:
    env = container_env(environment, name)
    targets = {addr_var(peer): peer for peer in service_names()}
    for var in sorted(variables_read(name)):
        assert var in env, f"{name} reads {var} but the chart does not set it"
        host, _, port = env[var].rpartition(":")
        if var == "REDIS_ADDR":
            assert (host, int(port)) == ("redis", redis_port())
        else:
            assert (host, int(port)) == (targets[var], service_port(environment, targets[var]))


@pytest.mark.parametrize("name", service_names())
def test_every_declared_dependency_gets_an_address(name: str) -> None:
    spec = yaml.safe_load((ROOT / "services" / name / "service.yaml").read_text())
    env = container_env("dev", name)
    assert {addr_var(d) for d in spec.get("depends_on", [])} <= set(env)


def test_the_address_scan_sees_the_peers_checkout_calls() -> None:
    assert {"CART_ADDR", "PAYMENT_ADDR", "REDIS_ADDR"} <= variables_read("checkout")


def test_redis_admits_exactly_the_services_that_read_redis_addr() -> None:
    policy = yaml.safe_load((REDIS_CHART / "values.yaml").read_text())["networkPolicy"]
    readers = {n for n in service_names() if "REDIS_ADDR" in variables_read(n)}
    assert set(policy["allowFrom"]) == readers


def render_redis(*sets: str) -> list[dict[str, Any]]:
    argv = [helm(), "template", "redis", str(REDIS_CHART), "--kube-version", KUBE_VERSION]
    for item in sets:
        argv += ["--set", item]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def test_the_redis_chart_renders_valid_objects() -> None:
    objects = render_redis()
    assert {o["kind"] for o in objects} == {"Deployment", "Service", "NetworkPolicy"}
    for obj in objects:
        kubernetes_validate.validate(obj, KUBE_VERSION, strict=True)


def test_the_redis_image_comes_from_values() -> None:
    digest = "sha256:" + "ab" * 32
    objects = render_redis(
        "image.repository=127.0.0.1:5000/commerce/redis", f"image.digest={digest}"
    )
    (deployment,) = [o for o in objects if o["kind"] == "Deployment"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"] == f"127.0.0.1:5000/commerce/redis@{digest}"
