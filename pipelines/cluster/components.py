"""The host processes of the cluster: what each runs (argv, env) and how it is seen ready.

Pure data from the layout, the network and the binaries' paths; `processes.py` starts them.
Every listener is on 127.0.0.1, except the one upstream hard-codes (see ARGOCD_CONTROLLER).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.cluster.layout import Layout, Network


@dataclass(frozen=True)
class Component:
    name: str
    argv: tuple[str, ...]
    #: The port that answers once it is up (plain TCP connect on 127.0.0.1).
    port: int | None = None
    #: Or a unix socket that exists once it is up.
    socket: Path | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    ready_timeout_s: float = 120.0


@dataclass(frozen=True)
class Binaries:
    kubernetes: Path
    argocd: Path

    def kube(self, name: str) -> str:
        return str(self.kubernetes / name)

    def argo(self, name: str) -> str:
        return str(self.argocd / name)


def etcd(layout: Layout, network: Network) -> Component:
    client = f"http://127.0.0.1:{network.etcd_port}"
    peer = f"http://127.0.0.1:{network.etcd_peer_port}"
    return Component(
        "etcd",
        (
            "etcd",
            "--name=commerce-ci",
            f"--data-dir={layout.etcd_data}",
            f"--listen-client-urls={client}",
            f"--advertise-client-urls={client}",
            f"--listen-peer-urls={peer}",
            f"--initial-advertise-peer-urls={peer}",
            f"--initial-cluster=commerce-ci={peer}",
            "--log-level=warn",
        ),
        port=network.etcd_port,
    )


def kube_apiserver(layout: Layout, network: Network, bins: Binaries) -> Component:
    """`--endpoint-reconciler-type=none`: the API server refuses to advertise a loopback
    address, and pods reach it through a DNAT of the `kubernetes` Service instead (host.py).
    `--kubelet-preferred-address-types=Hostname`: the kubelet is `localhost`, on loopback."""
    pki = layout.pki
    return Component(
        "kube-apiserver",
        (
            bins.kube("kube-apiserver"),
            f"--etcd-servers=http://127.0.0.1:{network.etcd_port}",
            "--bind-address=127.0.0.1",
            f"--secure-port={network.api_port}",
            "--endpoint-reconciler-type=none",
            f"--service-cluster-ip-range={network.service_cidr}",
            f"--tls-cert-file={pki / 'apiserver.crt'}",
            f"--tls-private-key-file={pki / 'apiserver.key'}",
            f"--client-ca-file={pki / 'ca.crt'}",
            f"--kubelet-client-certificate={pki / 'apiserver-kubelet-client.crt'}",
            f"--kubelet-client-key={pki / 'apiserver-kubelet-client.key'}",
            f"--kubelet-certificate-authority={pki / 'ca.crt'}",
            "--kubelet-preferred-address-types=Hostname",
            f"--service-account-issuer=https://kubernetes.default.svc.{network.cluster_domain}",
            f"--service-account-key-file={pki / 'sa.pub'}",
            f"--service-account-signing-key-file={pki / 'sa.key'}",
            "--authorization-mode=Node,RBAC",
            "--enable-admission-plugins=NodeRestriction",
            "--allow-privileged=true",
            "--profiling=false",
        ),
        port=network.api_port,
    )


def kube_controller_manager(layout: Layout, network: Network, bins: Binaries) -> Component:
    kubeconfig = str(layout.kubeconfigs / "controller-manager.yaml")
    return Component(
        "kube-controller-manager",
        (
            bins.kube("kube-controller-manager"),
            f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}",
            f"--authorization-kubeconfig={kubeconfig}",
            "--bind-address=127.0.0.1",
            f"--secure-port={network.controller_manager_port}",
            "--leader-elect=false",
            "--use-service-account-credentials=true",
            f"--service-account-private-key-file={layout.pki / 'sa.key'}",
            f"--root-ca-file={layout.pki / 'ca.crt'}",
            f"--cluster-signing-cert-file={layout.pki / 'ca.crt'}",
            f"--cluster-signing-key-file={layout.pki / 'ca.key'}",
            f"--service-cluster-ip-range={network.service_cidr}",
            "--profiling=false",
        ),
        port=network.controller_manager_port,
    )


def kube_scheduler(layout: Layout, network: Network, bins: Binaries) -> Component:
    kubeconfig = str(layout.kubeconfigs / "scheduler.yaml")
    return Component(
        "kube-scheduler",
        (
            bins.kube("kube-scheduler"),
            f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}",
            f"--authorization-kubeconfig={kubeconfig}",
            "--bind-address=127.0.0.1",
            f"--secure-port={network.scheduler_port}",
            "--leader-elect=false",
            "--profiling=false",
        ),
        port=network.scheduler_port,
    )


def containerd(layout: Layout) -> Component:
    return Component(
        "containerd",
        ("containerd", f"--config={layout.config / 'containerd.toml'}"),
        socket=layout.containerd_socket,
    )


def kubelet(layout: Layout, network: Network, bins: Binaries) -> Component:
    return Component(
        "kubelet",
        (
            bins.kube("kubelet"),
            f"--config={layout.config / 'kubelet.yaml'}",
            f"--kubeconfig={layout.kubeconfigs / 'kubelet.yaml'}",
            f"--root-dir={layout.kubelet_root}",
            f"--hostname-override={network.node_name}",
        ),
        port=network.kubelet_healthz_port,
    )


def kube_proxy(layout: Layout, network: Network, bins: Binaries) -> Component:
    return Component(
        "kube-proxy",
        (bins.kube("kube-proxy"), f"--config={layout.config / 'kube-proxy.yaml'}"),
        port=network.proxy_healthz_port,
    )


def argocd_redis(layout: Layout, network: Network) -> Component:
    return Component(
        "argocd-redis",
        (
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(network.redis_port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(layout.argocd_home),
        ),
        port=network.redis_port,
    )


def argocd_env(layout: Layout, path: str) -> dict[str, str]:
    """`ARGOCD_FAKE_IN_CLUSTER` with KUBECONFIG: upstream's own way to run its components
    outside a cluster (its Procfile); `https://kubernetes.default.svc` then means this one."""
    home = layout.argocd_home
    return {
        "ARGOCD_FAKE_IN_CLUSTER": "true",
        "KUBECONFIG": str(layout.kubeconfigs / "argocd.yaml"),
        "ARGOCD_TLS_DATA_PATH": str(home / "tls"),
        "ARGOCD_SSH_DATA_PATH": str(home / "ssh"),
        "ARGOCD_GNUPGHOME": str(home / "gpg" / "keys"),
        "ARGOCD_GPG_DATA_PATH": str(home / "gpg" / "source"),
        "ARGOCD_GPG_ENABLED": "false",
        "HOME": str(home),
        "PATH": path,
    }


def argocd_repo_server(layout: Layout, network: Network, bins: Binaries, path: str) -> Component:
    """`--disable-tls` also needs `--client-ca-path ""`; PATH holds git-verify-wrapper.sh (which
    the repo-server always runs) and helm."""
    return Component(
        "argocd-repo-server",
        (
            bins.argo("argocd-repo-server"),
            "--address=127.0.0.1",
            f"--port={network.repo_server_port}",
            "--metrics-address=127.0.0.1",
            f"--metrics-port={network.repo_server_metrics_port}",
            f"--redis=127.0.0.1:{network.redis_port}",
            "--disable-tls",
            "--client-ca-path=",
            "--loglevel=info",
        ),
        port=network.repo_server_port,
        env=argocd_env(layout, path),
    )


def argocd_application_controller(
    layout: Layout, network: Network, bins: Binaries, path: str
) -> Component:
    """Upstream binds this controller's metrics server to 0.0.0.0 (controller/appcontroller.go
    has no address flag); host.py drops that port on every interface but loopback."""
    return Component(
        "argocd-application-controller",
        (
            bins.argo("argocd-application-controller"),
            f"--repo-server=127.0.0.1:{network.repo_server_port}",
            "--repo-server-plaintext",
            f"--redis=127.0.0.1:{network.redis_port}",
            f"--metrics-port={network.controller_metrics_port}",
            "--app-resync=60",
            "--self-heal-timeout-seconds=5",
            "--loglevel=info",
        ),
        port=network.controller_metrics_port,
        env=argocd_env(layout, path),
    )


def argocd_applicationset_controller(
    layout: Layout, network: Network, bins: Binaries, path: str
) -> Component:
    return Component(
        "argocd-applicationset-controller",
        (
            bins.argo("argocd-applicationset-controller"),
            f"--argocd-repo-server=127.0.0.1:{network.repo_server_port}",
            "--repo-server-plaintext",
            f"--metrics-addr=127.0.0.1:{network.appset_metrics_port}",
            f"--probe-addr=127.0.0.1:{network.appset_probe_port}",
            f"--webhook-addr=127.0.0.1:{network.appset_webhook_port}",
            "--enable-leader-election=false",
            "--loglevel=info",
        ),
        port=network.appset_probe_port,
        env={
            **argocd_env(layout, path),
            "ARGOCD_APPLICATIONSET_CONTROLLER_REFRESH_GRACE_PERIOD_SECONDS": "0",
        },
    )
