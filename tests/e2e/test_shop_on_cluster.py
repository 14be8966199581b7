"""The GitOps loop on a real Kubernetes: Argo CD deploys what `release` committed, and the shop
runs on it.

`commerce-ci cluster up` (Kubernetes and Argo CD built from their Go modules, as host processes)
deploys the embedded GitOps remote that the main job (test_services_pipeline.py, which runs
before this file) released every service into; when that remote has no digest for a service,
the main job is run here first. Then: every Application Synced and Healthy, every Deployment
running exactly the digest of the GitOps commit, an order through the storefront reaching
accounting and fraud-detection through Redis, its trace in the in-cluster collector, every
service's Prometheus target up, promote and rollback observed on the live Deployments; and
`cluster down` leaves no process behind.

Named to sort after test_services_pipeline.py and test_shop.py: pytest runs files in order.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from _pipeline import PROJECT_ROOT, SHARED_VULNDB, run_pipeline

from pipelines.catalog import load_catalog
from pipelines.cluster.host import DEFAULT_DIRS, SYSCTLS
from pipelines.cluster.layout import Layout
from pipelines.cluster.processes import leftovers

SERVICES = load_catalog(PROJECT_ROOT).names()
#: The first test also waits for `cluster up`: a cold build, then every service's first sync.
pytestmark = pytest.mark.timeout(5400)
CACHE = PROJECT_ROOT / ".cache" / "commerce-ci"
REMOTE = CACHE / "gitops" / "remote.git"
LAYOUT = Layout(CACHE)
#: A cold build of Kubernetes, Argo CD, CoreDNS and the collector on two shared cores.
UP_TIMEOUT_S = 3600
TRACED = {
    "frontend",
    "checkout",
    "cart",
    "product-catalog",
    "currency",
    "shipping",
    "payment",
    "email",
}
CARD = {
    "credit_card_number": "4111111111111111",
    "credit_card_cvv": 123,
    "credit_card_expiration_year": 2039,
    "credit_card_expiration_month": 1,
}
ADDRESS = {
    "street_address": "1600 Amphitheatre Parkway",
    "city": "Mountain View",
    "state": "CA",
    "country": "US",
    "zip_code": "94043",
}


def eventually(what: str, check, timeout_s: float = 300.0, every_s: float = 3.0):
    deadline = time.monotonic() + timeout_s
    last: object = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
            last = value
        except (OSError, ValueError, KeyError, subprocess.CalledProcessError) as exc:
            last = exc
        time.sleep(every_s)
    raise AssertionError(f"{what}: not within {timeout_s:g}s (last: {last!r})")


def commerce_ci(*args: str, timeout: float = 600, cwd: Path = PROJECT_ROOT, **kw: Any):
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    argv = [sys.executable, "-m", "pipelines.cli", *args]
    return subprocess.run(
        argv, cwd=cwd, env=env, timeout=timeout, capture_output=True, text=True, check=False, **kw
    )


def values_at_head(env_name: str, service: str) -> dict[str, Any]:
    text = subprocess.run(
        ["git", "--git-dir", str(REMOTE), "show", f"main:argocd/envs/{env_name}/{service}.yaml"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    return yaml.safe_load(text)


def recorded_image(env_name: str, service: str) -> str:
    image = values_at_head(env_name, service)["image"]
    return f"{image['repository']}@{image['digest']}"


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every service's dev digest in the GitOps remote: the main job's, or a run of it now."""

    def missing() -> list[str]:
        if not REMOTE.is_dir():
            return list(SERVICES)
        return [s for s in SERVICES if not values_at_head("dev", s)["image"].get("digest")]

    if missing():
        code, report = run_pipeline(tmp_path_factory.mktemp("cluster-pipeline-reports"))
        assert code == 0, f"the main job failed: {report.get('services', {}).keys()}"
    assert missing() == []


class Kube:
    """kubectl with the cluster's kubeconfig, JSON out."""

    def __init__(self, kubeconfig: Path) -> None:
        self.kubectl = sorted(LAYOUT.bin_dir.glob("kubernetes-*/kubectl"))[-1]
        self.kubeconfig = kubeconfig

    def run(self, *args: str, timeout: float = 60) -> str:
        argv = [str(self.kubectl), f"--kubeconfig={self.kubeconfig}", *args]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise subprocess.CalledProcessError(done.returncode, argv, done.stdout, done.stderr)
        return done.stdout

    def get(self, *args: str) -> Any:
        return json.loads(self.run("get", *args, "-o", "json"))

    def raw(self, path: str) -> Any:
        return json.loads(self.run("get", "--raw", path))

    def refresh(self, app: str) -> None:
        """A hard refresh: Argo CD re-reads git now instead of within 3 minutes."""
        self.run(
            "-n", "argocd", "annotate", "--overwrite",
            f"applications.argoproj.io/{app}", "argocd.argoproj.io/refresh=hard",
        )  # fmt: skip

    def sync(self, app: str) -> None:
        """What `argocd app sync` does: set the Application's operation."""
        operation = {"operation": {"initiatedBy": {"username": "e2e"}, "sync": {"prune": True}}}
        self.run(
            "-n", "argocd", "patch", f"applications.argoproj.io/{app}",
            "--type=merge", "-p", json.dumps(operation),
        )  # fmt: skip

    def live_image(self, namespace: str, name: str) -> str:
        deployment = self.get("-n", namespace, "deployment", name)
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        return container["image"]

    def rolled_out(self, namespace: str, name: str, image: str) -> bool:
        """The Deployment names `image` and every pod it wants is Ready on it."""
        deployment = self.get("-n", namespace, "deployment", name)
        spec, status = deployment["spec"], deployment.get("status", {})
        (container,) = spec["template"]["spec"]["containers"]
        return (
            container["image"] == image
            and status.get("observedGeneration") == deployment["metadata"]["generation"]
            and status.get("updatedReplicas") == status.get("replicas") == spec["replicas"]
            and status.get("readyReplicas") == spec["replicas"]
        )


def host_state() -> dict[str, object]:
    """What `up` may change on the host and `down` must put back: the sysctls the kubelet and
    the bridge plugin set, the default folders components write, mounts and network namespaces
    of the runtime, kubepods cgroups, iptables chains, the bridge."""
    sysctls = {
        name: Path("/proc/sys", name).read_text().strip()
        for name in SYSCTLS
        if Path("/proc/sys", name).exists()
    }
    prefixes = ("/var/lib/kubelet", "/run/containerd", "/run/netns", str(CACHE / "cluster"))
    mounts = [
        line.split()[4]
        for line in Path("/proc/self/mountinfo").read_text().splitlines()
        if line.split()[4].startswith(prefixes)
    ]
    netns = Path("/run/netns")
    cgroups = sorted(str(p) for p in Path("/sys/fs/cgroup").glob("*/kubepods*"))
    chains = re.findall(r"^:((?:KUBE-|COMMERCE-CI-|CNI-)\S*)", iptables_save(), re.M)
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True)
    return {
        "sysctls": sysctls,
        "folders": {path: Path(path).exists() for path in DEFAULT_DIRS},
        "mounts": sorted(mounts),
        "netns": sorted(p.name for p in netns.iterdir()) if netns.is_dir() else [],
        "cgroups": cgroups,
        "chains": sorted(chains),
        "bridge": "commerce0" in links.stdout,
    }


def iptables_save() -> str:
    return subprocess.run(
        ["iptables-save"], capture_output=True, text=True, check=True, timeout=60
    ).stdout


@pytest.fixture(scope="module")
def host_before() -> dict[str, object]:
    return host_state()


@pytest.fixture(scope="module")
def kube(released, host_before) -> Iterator[Kube]:
    up = commerce_ci("cluster", "up", timeout=UP_TIMEOUT_S)
    match = re.search(r"^kubeconfig: (\S+)$", up.stdout, re.M)
    assert up.returncode == 0 and match, up.stderr[-6000:]
    try:
        yield Kube(Path(match.group(1)))
    finally:
        down = commerce_ci("cluster", "down", timeout=600)
        assert down.returncode == 0, down.stderr[-4000:]


def application(kube: Kube, name: str) -> dict[str, Any]:
    return kube.get("-n", "argocd", "applications.argoproj.io", name)


def synced_and_healthy(kube: Kube, name: str) -> bool:
    status = application(kube, name).get("status", {})
    return (
        status.get("sync", {}).get("status") == "Synced"
        and status.get("health", {}).get("status") == "Healthy"
    )


@pytest.fixture(scope="module")
def deployed(kube: Kube) -> Kube:
    """Argo CD has synced the root, the platform and every dev service."""
    apps = ["root", "platform", "redis", "opentelemetry-collector", "prometheus"]
    apps += [f"dev-{s}" for s in SERVICES]
    for name in apps:
        eventually(
            f"Application {name} Synced and Healthy",
            lambda n=name: synced_and_healthy(kube, n),
            1500,
        )
    return kube


def test_every_application_is_synced_and_healthy(deployed: Kube) -> None:
    apps = deployed.get("-n", "argocd", "applications.argoproj.io")["items"]
    names = {a["metadata"]["name"] for a in apps}
    assert {f"dev-{s}" for s in SERVICES} <= names and {f"prod-{s}" for s in SERVICES} <= names
    unhealthy = {
        a["metadata"]["name"]: (a["status"]["sync"]["status"], a["status"]["health"]["status"])
        for a in apps
        if not a["metadata"]["name"].startswith("prod-")
        and (a["status"]["sync"]["status"], a["status"]["health"]["status"])
        != ("Synced", "Healthy")
    }
    assert unhealthy == {}


def test_the_crds_were_synced_before_the_apps_that_use_them(deployed: Kube) -> None:
    crds = application(deployed, "prometheus-operator-crds")
    observability = application(deployed, "observability")
    assert (
        crds["status"]["operationState"]["finishedAt"]
        <= (observability["status"]["operationState"]["finishedAt"])
    )
    deployed.get("crd", "servicemonitors.monitoring.coreos.com")


@pytest.mark.parametrize("service", SERVICES)
def test_every_deployment_runs_the_digest_of_the_gitops_commit(deployed: Kube, service) -> None:
    image = recorded_image("dev", service)
    eventually(
        f"{service} rolled out", lambda: deployed.rolled_out("commerce", service, image), 600
    )
    pods = deployed.get("-n", "commerce", "pods", "-l", f"app.kubernetes.io/name={service}")
    digest = image.rsplit("@", 1)[1]
    running = [
        status["imageID"]
        for pod in pods["items"]
        for status in pod["status"].get("containerStatuses", [])
        if status.get("ready")
    ]
    assert running and all(image_id.endswith(digest) for image_id in running)


def _port_forward(kube: Kube, namespace: str, target: str) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [
            str(kube.kubectl), f"--kubeconfig={kube.kubeconfig}", "-n", namespace,
            "port-forward", "--address=127.0.0.1", target, ":8080",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"127\.0\.0\.1:(\d+)", line)
    assert match, line
    return process, int(match.group(1))


class Shopper:
    def __init__(self, base: str) -> None:
        import http.cookiejar

        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> Any:
        with self.opener.open(self.base + path, timeout=30) as response:
            body = response.read()
            return json.loads(body) if path.startswith("/api") else body.decode()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with self.opener.open(request, timeout=60) as response:
            return json.loads(response.read())


@pytest.fixture(scope="module")
def storefront(deployed: Kube) -> Iterator[Shopper]:
    process, port = _port_forward(deployed, "commerce", "svc/frontend")
    try:
        yield Shopper(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def order(storefront: Shopper) -> dict[str, Any]:
    products = storefront.get("/api/products")["products"]
    storefront.post("/api/cart", {"product_id": products[0]["id"], "quantity": 2})
    storefront.post("/api/cart", {"product_id": products[1]["id"], "quantity": 1})
    return storefront.post(
        "/api/checkout",
        {
            "email": "shopper@example.com",
            "currency": "EUR",
            "address": ADDRESS,
            "credit_card": CARD,
        },
    )


def test_the_storefront_answers_through_the_cluster(storefront: Shopper) -> None:
    page = storefront.get("/")
    assert "<html" in page.lower()
    assert storefront.get("/api/products")["products"]


def test_an_order_placed_through_the_storefront_succeeds(order) -> None:
    assert order["order_id"] and order["transaction_id"] and order["shipping_tracking_id"]
    assert order["total"]["currency_code"] == "EUR"


def _service_get(kube: Kube, service: str, path: str) -> Any:
    return kube.raw(f"/api/v1/namespaces/commerce/services/{service}:8080/proxy{path}")


def test_the_order_reaches_accounting_through_redis(deployed: Kube, order) -> None:
    totals = eventually(
        "accounting's EUR totals",
        lambda: _service_get(deployed, "accounting", "/totals")["totals"].get("EUR"),
        120,
    )
    assert totals["orders"] >= 1


def test_the_order_reaches_fraud_detection_through_redis(deployed: Kube, order) -> None:
    stats = eventually(
        "fraud-detection's stats",
        lambda: (
            (s := _service_get(deployed, "fraud-detection", "/stats"))["orders_seen"] >= 1 and s
        ),
        120,
    )
    assert stats["entries_rejected"] == 0


def _traces() -> dict[str, set[str]]:
    """Trace id -> services, from the collector's file exporter (one OTLP/JSON line a batch)."""
    path = LAYOUT.volumes / "otelcol" / "traces.jsonl"
    services: dict[str, set[str]] = {}
    for line in path.read_text().splitlines():
        for resource_spans in json.loads(line).get("resourceSpans", []):
            attributes = resource_spans.get("resource", {}).get("attributes", [])
            name = next(
                (a["value"].get("stringValue") for a in attributes if a["key"] == "service.name"),
                None,
            )
            for scope in resource_spans.get("scopeSpans", []):
                for span in scope.get("spans", []):
                    services.setdefault(span["traceId"], set()).add(name or "?")
    return services


def test_the_orders_trace_crosses_eight_services_in_the_collector(order) -> None:
    def order_trace():
        return next((s for s in _traces().values() if s >= TRACED), None)

    services = eventually("a trace across the order's services", order_trace, 120)
    assert len(services) >= 8 and services >= TRACED


def test_prometheus_has_every_services_target_up(deployed: Kube) -> None:
    synced = commerce_ci("cluster", "monitors", timeout=600)
    assert synced.returncode == 0, synced.stderr[-3000:]
    proxy = "/api/v1/namespaces/monitoring/services/prometheus:9090/proxy"

    wanted = {("commerce", s) for s in SERVICES} | {("observability", "opentelemetry-collector")}

    def all_up():
        targets = deployed.raw(f"{proxy}/api/v1/targets")["data"]["activeTargets"]
        health = {
            (t["labels"].get("namespace"), t["labels"].get("service")): t["health"] for t in targets
        }
        everything_up = wanted <= set(health) and set(health.values()) == {"up"}
        return health if everything_up else None

    health = eventually("every target up, each service's and the collector's", all_up, 300, 5)
    assert wanted <= set(health)
    assert set(health.values()) == {"up"}


def test_promote_runs_exactly_the_recorded_digest_in_prod(deployed: Kube) -> None:
    promoted = commerce_ci("promote", "cart", "--from", "dev", "--to", "prod")
    assert promoted.returncode == 0, promoted.stderr[-3000:]
    image = recorded_image("prod", "cart")
    assert image == recorded_image("dev", "cart")
    deployed.refresh("prod-cart")
    eventually(
        "prod-cart OutOfSync with the promoted digest",
        lambda: (
            application(deployed, "prod-cart")["status"]["sync"].get("revisions")
            or application(deployed, "prod-cart")["status"]["sync"].get("revision")
        ),
        120,
    )
    deployed.sync("prod-cart")
    eventually(
        "prod cart rolled out", lambda: deployed.rolled_out("commerce-prod", "cart", image), 600
    )
    assert deployed.live_image("commerce-prod", "cart") == image


def _release_changed_cart(tmp_path: Path) -> None:
    """A second cart digest in dev: the same commit with one comment more, released."""
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "--quiet", str(PROJECT_ROOT), str(clone)], check=True, timeout=300
    )
    main = clone / "services" / "cart" / "main.go"
    main.write_text(main.read_text() + "\n// A change for the cluster's rollback test.\n")
    env = {
        "GIT_AUTHOR_NAME": "e2e",
        "GIT_AUTHOR_EMAIL": "e2e@example.invalid",
        "GIT_COMMITTER_NAME": "e2e",
        "GIT_COMMITTER_EMAIL": "e2e@example.invalid",
    }
    subprocess.run(
        ["git", "commit", "--quiet", "-am", "cart: a comment"],
        cwd=clone,
        env={**os.environ, **env},
        check=True,
        timeout=60,
    )
    path = os.pathsep.join([str(PROJECT_ROOT / ".tools" / "bin"), os.environ.get("PATH", "")])
    released = subprocess.run(
        [
            sys.executable, "-m", "pipelines.cli", "--root", str(clone), "release", "cart",
            "--env", "dev", "--cache-dir", str(CACHE), "--gitops-remote", str(REMOTE),
            "--gitops-workdir", str(tmp_path / "gitops-work"), "--vuln-db", str(SHARED_VULNDB),
            "--report-dir", str(tmp_path / "reports"),
        ],
        cwd=clone,
        env={**os.environ, "PATH": path, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )  # fmt: skip
    assert released.returncode == 0, released.stderr[-4000:]


def test_rollback_runs_exactly_the_previous_digest(deployed: Kube, tmp_path: Path) -> None:
    first = recorded_image("dev", "cart")
    _release_changed_cart(tmp_path)
    second = recorded_image("dev", "cart")
    assert second != first
    deployed.refresh("dev-cart")
    eventually(
        "dev cart on the new digest", lambda: deployed.rolled_out("commerce", "cart", second), 600
    )
    rolled_back = commerce_ci("rollback", "cart", "--env", "dev")
    assert rolled_back.returncode == 0, rolled_back.stderr[-3000:]
    assert recorded_image("dev", "cart") == first
    deployed.refresh("dev-cart")
    eventually(
        "dev cart back on the first digest",
        lambda: deployed.rolled_out("commerce", "cart", first),
        600,
    )
    assert deployed.live_image("commerce", "cart") == first


def test_cluster_down_leaves_no_process_and_no_host_change(
    kube: Kube, host_before: dict[str, object]
) -> None:
    down = commerce_ci("cluster", "down", timeout=600)
    assert down.returncode == 0, down.stderr[-4000:]
    markers = (str(LAYOUT.state), str(LAYOUT.bin_dir), str(LAYOUT.run))
    assert leftovers(markers) == []
    assert not LAYOUT.state.exists() and not LAYOUT.run.exists()
    assert host_state() == host_before
    rules = iptables_save()
    assert "KUBE-" not in rules and "COMMERCE-CI-" not in rules
