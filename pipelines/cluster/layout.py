"""Where the local cluster keeps its files, and the addresses it uses: one frozen value each.

Everything the cluster writes is under two folders: `<cache>/cluster/` (binaries, kept across
runs; `run/`, the state of the running cluster, removed by `cluster down`) and `/run/commerce-ci`
(containerd's state: its sockets must have short paths). Every server binds to 127.0.0.1; the pod
and service ranges exist only on the bridge and in the pods' network namespaces.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: containerd's state and sockets (unix socket paths are limited to 108 bytes).
RUN_DIR = Path("/run/commerce-ci")


@dataclass(frozen=True)
class Network:
    api_port: int = 6443
    etcd_port: int = 22379
    etcd_peer_port: int = 22380
    kubelet_port: int = 10250
    kubelet_healthz_port: int = 10248
    scheduler_port: int = 10259
    controller_manager_port: int = 10257
    proxy_metrics_port: int = 10249
    proxy_healthz_port: int = 10256
    redis_port: int = 16379
    repo_server_port: int = 18081
    repo_server_metrics_port: int = 18084
    controller_metrics_port: int = 18082
    appset_metrics_port: int = 18090
    appset_probe_port: int = 18091
    appset_webhook_port: int = 18092
    bridge: str = "commerce0"
    pod_cidr: str = "10.244.0.0/16"
    node_subnet: str = "10.244.0.0/24"
    gateway: str = "10.244.0.1"
    service_cidr: str = "10.96.0.0/16"
    #: The `kubernetes` Service's ClusterIP (first of the range): pods reach the API server there.
    api_service_ip: str = "10.96.0.1"
    dns_ip: str = "10.96.0.10"
    node_name: str = "localhost"
    cluster_domain: str = "cluster.local"

    @property
    def api_url(self) -> str:
        return f"https://127.0.0.1:{self.api_port}"


@dataclass(frozen=True)
class Layout:
    """Paths of one cluster; `cache` is the engine's cache dir (.cache/commerce-ci)."""

    cache: Path
    run: Path = RUN_DIR

    @property
    def home(self) -> Path:
        return self.cache / "cluster"

    @property
    def bin_dir(self) -> Path:
        return self.home / "bin"

    @property
    def state(self) -> Path:
        return self.home / "run"

    @property
    def pki(self) -> Path:
        return self.state / "pki"

    @property
    def kubeconfigs(self) -> Path:
        return self.state / "kubeconfig"

    @property
    def admin_kubeconfig(self) -> Path:
        return self.kubeconfigs / "admin.yaml"

    @property
    def logs(self) -> Path:
        """Each process's log; kept by `down` (a failed `up` is read from here), cleared by `up`."""
        return self.home / "logs"

    @property
    def config(self) -> Path:
        return self.state / "config"

    @property
    def etcd_data(self) -> Path:
        return self.state / "etcd"

    @property
    def kubelet_root(self) -> Path:
        return self.state / "kubelet"

    @property
    def pod_logs(self) -> Path:
        return self.state / "pods"

    @property
    def cni_conf(self) -> Path:
        return self.state / "cni" / "net.d"

    @property
    def cni_data(self) -> Path:
        return self.state / "cni" / "ipam"

    @property
    def containerd_root(self) -> Path:
        return self.state / "containerd"

    @property
    def containerd_state(self) -> Path:
        return self.run / "containerd"

    @property
    def containerd_socket(self) -> Path:
        return self.containerd_state / "containerd.sock"

    @property
    def git(self) -> Path:
        """The local source repository Argo CD reads charts and the overlaid apps from."""
        return self.state / "git"

    @property
    def argocd_home(self) -> Path:
        return self.state / "argocd"

    @property
    def volumes(self) -> Path:
        """hostPath volumes: the collector's trace file, read by the tests."""
        return self.state / "volumes"

    @property
    def processes(self) -> Path:
        """The processes `cluster up` started (pid, start time, argv): what `down` stops."""
        return self.state / "processes.json"

    @property
    def host_record(self) -> Path:
        """Host settings before `up` changed them: what `down` puts back."""
        return self.home / "host.json"
