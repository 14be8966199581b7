"""`cluster up`, `cluster down`, `cluster status`: the steps, each a function of the last.

up: check the host -> build the pinned binaries -> record the host -> certificates and config
files -> registry and images -> network -> etcd, control plane, node -> CoreDNS -> Argo CD ->
the overlay's source repository and the root app. Every process is recorded as it starts, so a
failure at any step is followed by `down`, which stops what was started and undoes what was
changed.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.cluster import (
    addons,
    argocd,
    components,
    config,
    host,
    images,
    overlay,
    pki,
    prometheus,
    versions,
)
from pipelines.cluster import git as source_git
from pipelines.cluster.build import Built, ensure_built
from pipelines.cluster.components import Binaries, Component
from pipelines.cluster.errors import ClusterError
from pipelines.cluster.kube import Kubectl
from pipelines.cluster.layout import Layout, Network
from pipelines.cluster.modules import module_dir
from pipelines.cluster.processes import (
    alive,
    kill_leftovers,
    launch,
    leftovers,
    read_records,
    resident_mb,
    stop_records,
    wait_ready,
)
from pipelines.errors import ToolMissingError

Log = Callable[[str], None]
REGISTRY_PORT = 5055
#: Host programs and the Debian package each comes from.
PREREQUISITES = {
    "etcd": "etcd-server",
    "containerd": "containerd",
    "runc": "runc",
    "conntrack": "conntrack",
    "iptables": "iptables",
    "ip": "iproute2",
    "redis-server": "redis-server",
    "docker-registry": "docker-registry",
    "git": "git",
    "helm": "helm (scripts/tools.d/50-helm.sh)",
    "go": "golang",
}
CNI_PLUGINS = ("bridge", "host-local", "loopback", "portmap")


@dataclass(frozen=True)
class Cluster:
    root: Path
    layout: Layout
    env: Mapping[str, str]
    gitops_path: Path
    log: Log
    network: Network = field(default_factory=Network)

    @property
    def kubectl(self) -> Kubectl:
        bins = self.built_kubernetes()
        return Kubectl(bins.path("kubectl"), self.layout.admin_kubeconfig, self.env)

    def built_kubernetes(self) -> Built:
        return Built(
            versions.KUBERNETES, versions.KUBERNETES.folder(self.layout.bin_dir, self.root)
        )


def check_host(env: Mapping[str, str]) -> None:
    if not host.is_root():
        raise ClusterError("cluster up needs root (it runs a kubelet and containerd)")
    for program, package in PREREQUISITES.items():
        if shutil.which(program, path=env.get("PATH")) is None:
            hint = f"apt-get install {package} (scripts/tools.d/80-cluster.sh installs it)"
            raise ToolMissingError(program, hint)
    for plugin in CNI_PLUGINS:
        if not Path("/usr/lib/cni", plugin).exists():
            raise ToolMissingError(
                f"/usr/lib/cni/{plugin}", "apt-get install containernetworking-plugins"
            )


#: Smallest first: a failure in a small build shows before the long ones run.
RUNTIME_BUILDS = (
    versions.PAUSE,
    versions.COREDNS,
    versions.COLLECTOR,
    versions.KUBERNETES,
    versions.ARGOCD,
)


def build_all(cluster: Cluster) -> dict[str, Built]:
    """Every pinned binary the cluster runs, built once per pin (`cluster build` alone does
    this and needs neither root nor the cluster's ports)."""
    log = cluster.log
    return {
        build.name: ensure_built(build, cluster.root, cluster.layout.bin_dir, cluster.env, log)
        for build in RUNTIME_BUILDS
    }


def write_files(cluster: Cluster, pause_image: str, registry: str) -> None:
    layout, network = cluster.layout, cluster.network
    for folder in (
        layout.logs,
        layout.config,
        layout.kubeconfigs,
        layout.cni_conf,
        layout.cni_data,
        layout.pod_logs,
        layout.argocd_home,
        layout.volumes,
    ):
        folder.mkdir(parents=True, exist_ok=True)
    pairs = pki.write_pki(layout.pki, network)
    ca = pairs["ca"].cert
    for identity in pki.CLIENTS:
        namespace = "argocd" if identity.name == "argocd" else "default"
        text = config.kubeconfig(
            network.api_url, ca, pairs[identity.name], identity.user, namespace
        )
        path = layout.kubeconfigs / f"{identity.name}.yaml"
        path.write_text(text)
        path.chmod(0o600)
    import yaml

    (layout.config / "kubelet.yaml").write_text(
        yaml.safe_dump(config.kubelet_config(layout, network), sort_keys=False)
    )
    (layout.config / "kube-proxy.yaml").write_text(
        yaml.safe_dump(config.kube_proxy_config(layout, network), sort_keys=False)
    )
    (layout.cni_conf / "10-commerce-ci.conflist").write_text(
        json.dumps(config.cni_conflist(layout, network), indent=2)
    )
    (layout.config / "containerd.toml").write_text(
        config.containerd_config(layout, network, pause_image, registry)
    )
    (layout.config / "resolv.conf").write_text(config.resolv_conf())


def start_component(cluster: Cluster, component: Component) -> None:
    layout = cluster.layout
    cluster.log(f"cluster: starting {component.name}")
    record = launch(component, layout.logs, layout.processes, cluster.env, layout.state)
    wait_ready(component, record, layout.logs)


def start_registry(cluster: Cluster) -> str:
    """The embedded registry (same storage as `release`'s), unless one already answers."""
    from pipelines.registry.server import _answers, _config

    address = f"127.0.0.1:{REGISTRY_PORT}"
    if _answers(address):
        cluster.log(f"cluster: using the registry already on {address}")
        return address
    state = cluster.layout.cache / "registry"
    state.mkdir(parents=True, exist_ok=True)
    config_file = cluster.layout.config / "registry.yml"
    config_file.write_text(_config(state / "data", address))
    start_component(
        cluster,
        Component("registry", ("docker-registry", "serve", str(config_file)), port=REGISTRY_PORT),
    )
    return address


def push_images(
    cluster: Cluster, built: Mapping[str, Built], registry: str
) -> dict[str, images.Pushed]:
    from pipelines.registry.client import RegistryClient

    specs = (
        images.ImageSpec(
            "pause",
            versions.PAUSE.key(cluster.root),
            ("/usr/bin/pause",),
            binary=built["pause"].path("pause"),
        ),
        images.ImageSpec(
            "coredns",
            f"{versions.COREDNS_VERSION}-{versions.COREDNS.key(cluster.root)}",
            ("/usr/bin/coredns",),
            binary=built["coredns"].path("coredns"),
        ),
        images.ImageSpec(
            "otel-collector",
            f"{versions.COLLECTOR_VERSION}-{versions.COLLECTOR.key(cluster.root)}",
            ("/usr/bin/otel-collector",),
            binary=built["otelcol"].path("otelcol-commerce"),
        ),
        images.ImageSpec(
            "prometheus", "bookworm", ("/usr/bin/prometheus",), packages=("prometheus",)
        ),
        images.ImageSpec(
            "redis", "bookworm", ("/usr/bin/redis-server",), packages=("redis-server",)
        ),
    )
    with RegistryClient(registry) as client:
        return {
            spec.name: images.publish(client, spec, cluster.layout.cache, cluster.env, cluster.log)
            for spec in specs
        }


def wait_api(cluster: Cluster) -> None:
    kubectl = cluster.kubectl
    kubectl.wait_for(
        "the API server's /readyz",
        lambda: kubectl.run("get", "--raw=/readyz", check=False).ok,
        120,
        1,
    )


def wait_node(cluster: Cluster) -> None:
    kubectl = cluster.kubectl

    def ready() -> bool:
        node = kubectl.get("node", cluster.network.node_name)
        conditions = {c["type"]: c["status"] for c in node["status"].get("conditions", [])}
        return conditions.get("Ready") == "True"

    kubectl.wait_for("the node to be Ready", ready, 180)


def start_control_plane(cluster: Cluster, bins: Binaries) -> None:
    layout, network = cluster.layout, cluster.network
    start_component(cluster, components.etcd(layout, network))
    start_component(cluster, components.kube_apiserver(layout, network, bins))
    wait_api(cluster)
    start_component(cluster, components.kube_controller_manager(layout, network, bins))
    start_component(cluster, components.kube_scheduler(layout, network, bins))
    start_component(cluster, components.containerd(layout))
    start_component(cluster, components.kubelet(layout, network, bins))
    start_component(cluster, components.kube_proxy(layout, network, bins))
    wait_node(cluster)


def argocd_path(cluster: Cluster, module: Path) -> str:
    """PATH of the Argo CD components: git-verify-wrapper.sh (copied executable), then the
    project's tools (helm) and the host's."""
    folder = cluster.layout.argocd_home / "bin"
    folder.mkdir(parents=True, exist_ok=True)
    wrapper = folder / "git-verify-wrapper.sh"
    shutil.copyfile(argocd.git_verify_wrapper(module), wrapper)
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return os.pathsep.join((str(folder), cluster.env.get("PATH", os.defpath)))


def start_argocd(cluster: Cluster, bins: Binaries, module: Path) -> None:
    layout, network = cluster.layout, cluster.network
    argocd.install(cluster.kubectl, module)
    path = argocd_path(cluster, module)
    start_component(cluster, components.argocd_redis(layout, network))
    start_component(cluster, components.argocd_repo_server(layout, network, bins, path))
    start_component(cluster, components.argocd_application_controller(layout, network, bins, path))
    start_component(
        cluster, components.argocd_applicationset_controller(layout, network, bins, path)
    )


def publish_source(
    cluster: Cluster, pushed: Mapping[str, images.Pushed]
) -> overlay.OverlaySettings:
    """The overlaid apps and local charts, committed to the local source repository."""
    trace_dir = cluster.layout.volumes / "otelcol"
    trace_dir.mkdir(parents=True, exist_ok=True)
    os.chown(trace_dir, 65532, 65532)
    settings = overlay.OverlaySettings(
        source_url=f"file://{cluster.layout.git / 'source.git'}",
        gitops_url=f"file://{cluster.gitops_path}",
        images={
            name: (f"{p.registry}/{p.spec.repository}", p.digest)
            for name, p in pushed.items()
            if name in ("redis", "otel-collector", "prometheus")
        },
        trace_dir=str(trace_dir),
    )
    files = {
        **source_git.read_documents(cluster.root, "argocd/root", cluster.env),
        **source_git.read_documents(cluster.root, "argocd/platform", cluster.env),
    }
    operator = module_dir(
        versions.PROMETHEUS_OPERATOR_MODULE, versions.PROMETHEUS_OPERATOR_VERSION, cluster.env
    )
    crds = {
        f"cluster/crds/prometheus-operator/{name}.yaml": operator
        / "example/prometheus-operator-crd"
        / f"monitoring.coreos.com_{name}.yaml"
        for name in versions.PROMETHEUS_OPERATOR_CRDS
    }
    commit = source_git.publish_source(
        cluster.root,
        cluster.layout.git / "source.git",
        overlay.overlay(files, settings),
        crds,
        cluster.env,
    )
    cluster.log(f"cluster: local source repository at {commit[:12]} ({settings.source_url})")
    return settings


def apply_observability_config(cluster: Cluster) -> None:
    kubectl = cluster.kubectl
    kubectl.apply(
        [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": prometheus.NAMESPACE}}]
    )
    sync_monitors(cluster, reload=False)


def sync_monitors(cluster: Cluster, reload: bool = True) -> int:
    """Prometheus's scrape config from the ServiceMonitors now in the cluster; returns how many
    jobs it has. With `reload`, Prometheus is asked to re-read it once the kubelet has updated
    the mounted file."""
    kubectl = cluster.kubectl
    found = kubectl.run(
        "get", "servicemonitors.monitoring.coreos.com", "-A", "-o", "json", check=False
    )
    monitors = json.loads(found.stdout).get("items", []) if found.ok else []
    services = kubectl.get("services", "-A")["items"]
    text = prometheus.prometheus_config(monitors, services, cluster.network.cluster_domain)
    kubectl.apply([prometheus.config_map(text)])
    jobs = text.count("job_name:")
    cluster.log(f"cluster: Prometheus scrape config: {jobs} jobs, {len(monitors)} ServiceMonitors")
    if reload:
        reload_prometheus(cluster, jobs)
    return jobs


def reload_prometheus(cluster: Cluster, jobs: int) -> None:
    """POST /-/reload through the API server's service proxy until Prometheus runs `jobs` jobs."""
    kubectl = cluster.kubectl
    service = f"{prometheus.SERVICE}:{prometheus.PORT}"
    base = f"/api/v1/namespaces/{prometheus.NAMESPACE}/services/{service}/proxy"
    empty = cluster.layout.config / "empty.json"
    empty.write_text("{}")

    def reloaded() -> bool:
        kubectl.run("create", "--raw", f"{base}/-/reload", "-f", str(empty), check=False)
        status = kubectl.run("get", "--raw", f"{base}/api/v1/status/config", check=False)
        return status.ok and status.stdout.count("job_name:") == jobs

    kubectl.wait_for("Prometheus to load the new scrape config", reloaded, 180, 5)


def apply_root(cluster: Cluster, settings: overlay.OverlaySettings) -> None:
    kubectl = cluster.kubectl
    kubectl.apply([overlay.root_application(settings)])
    cluster.log("cluster: root Application applied (argocd/root through the local overlay)")


def up(cluster: Cluster) -> Path:
    """Bring the whole cluster up; returns the admin kubeconfig's path."""
    check_host(cluster.env)
    if read_records(cluster.layout.processes) or cluster.layout.state.exists():
        cluster.log("cluster: a previous cluster's state is here; taking it down first")
        down(cluster)
    built = build_all(cluster)
    argocd_module = module_dir(
        versions.ARGOCD_MODULE, versions.ARGOCD_VERSION, cluster.env, versions.ARGOCD_GO
    )
    bins = Binaries(built["kubernetes"].folder, built["argocd"].folder)
    layout = cluster.layout
    host.record_host(layout)
    layout.state.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(layout.logs, ignore_errors=True)
    layout.logs.mkdir(parents=True, exist_ok=True)
    layout.config.mkdir(parents=True, exist_ok=True)
    registry = start_registry(cluster)
    pushed = push_images(cluster, built, registry)
    write_files(cluster, pushed["pause"].reference, registry)
    host.prepare_network(cluster.network)
    start_control_plane(cluster, bins)
    cluster.kubectl.apply(addons.coredns(cluster.network, pushed["coredns"].reference))
    start_argocd(cluster, bins, argocd_module)
    apply_observability_config(cluster)
    settings = publish_source(cluster, pushed)
    apply_root(cluster, settings)
    return layout.admin_kubeconfig


def markers(cluster: Cluster) -> tuple[str, ...]:
    layout = cluster.layout
    return (str(layout.state), str(layout.bin_dir), str(layout.run))


def down(cluster: Cluster) -> None:
    """Stop every process the cluster started and undo every host change; idempotent."""
    layout, log = cluster.layout, cluster.log
    stop_records(layout.processes, log)
    survivors = kill_leftovers(markers(cluster), log)
    host.unmount_all((str(layout.state), str(layout.run)), log)
    host.remove_netns()
    host.remove_cgroups(log)
    proxy = cluster.built_kubernetes().path("kube-proxy")
    if proxy.exists():
        host.run([str(proxy), "--cleanup"], check=False, timeout=60)
    host.remove_chains(log)
    host.remove_bridge(cluster.network)
    host.restore_host(layout, log)
    host.remove_tree(layout.state)
    host.remove_tree(layout.run)
    survivors = leftovers(markers(cluster))
    if survivors:
        listed = "; ".join(f"{pid} {command}" for pid, command in survivors)
        raise ClusterError(f"processes of the cluster are still running: {listed}")


def status(cluster: Cluster) -> list[str]:
    lines = []
    for record in read_records(cluster.layout.processes):
        state = "running" if alive(record) else "NOT running"
        lines.append(f"{record.name:<34} pid {record.pid:<8} {state}")
    if not lines:
        return ["no cluster is up"]
    pids = [pid for pid, _ in leftovers(markers(cluster))]
    lines.append(f"memory: {resident_mb(pids):.0f} MB resident in {len(pids)} processes")
    try:
        apps = cluster.kubectl.get("applications.argoproj.io", "-n", "argocd")["items"]
    except ClusterError as error:
        return [*lines, f"applications: {error}"]
    for app in sorted(apps, key=lambda a: a["metadata"]["name"]):
        sync = app.get("status", {}).get("sync", {}).get("status", "-")
        health = app.get("status", {}).get("health", {}).get("status", "-")
        lines.append(f"app {app['metadata']['name']:<30} {sync:<10} {health}")
    lines.append("local overlay (pipelines/cluster/overlay.py):")
    lines += [f"  {what}: {why}" for what, why in overlay.CHANGES]
    return lines


def wait_time(started: float) -> str:
    return f"{time.monotonic() - started:.0f}s"
