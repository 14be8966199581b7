"""The local cluster's component configuration, read as each component reads it."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

from pipelines.cluster import components, config
from pipelines.cluster.components import Binaries
from pipelines.cluster.layout import Layout, Network
from pipelines.cluster.pki import Pair

LAYOUT = Layout(Path("/cache"), run=Path("/run/commerce-ci"))
NET = Network()
BINS = Binaries(Path("/bin/k8s"), Path("/bin/argocd"))


def _all_components() -> list[components.Component]:
    return [
        components.etcd(LAYOUT, NET),
        components.kube_apiserver(LAYOUT, NET, BINS),
        components.kube_controller_manager(LAYOUT, NET, BINS),
        components.kube_scheduler(LAYOUT, NET, BINS),
        components.kubelet(LAYOUT, NET, BINS),
        components.kube_proxy(LAYOUT, NET, BINS),
        components.argocd_redis(LAYOUT, NET),
        components.argocd_repo_server(LAYOUT, NET, BINS, "/x"),
        components.argocd_applicationset_controller(LAYOUT, NET, BINS, "/x"),
    ]


def test_every_listener_flag_names_loopback() -> None:
    for component in _all_components():
        for arg in component.argv:
            if any(key in arg for key in ("bind-address", "listen", "-addr=", "--address")):
                assert "127.0.0.1" in arg, (component.name, arg)


def test_kubelet_accepts_cgroup_v1_and_listens_on_loopback_only() -> None:
    kubelet = config.kubelet_config(LAYOUT, NET)
    assert kubelet["failCgroupV1"] is False
    assert kubelet["address"] == "127.0.0.1"
    assert kubelet["healthzBindAddress"] == "127.0.0.1"
    assert kubelet["readOnlyPort"] == 0
    assert kubelet["authentication"]["anonymous"]["enabled"] is False


def test_kubelet_writes_pod_logs_under_the_state_folder_not_var_log() -> None:
    kubelet = config.kubelet_config(LAYOUT, NET)
    assert kubelet["podLogsDir"].startswith(str(LAYOUT.state))
    assert kubelet["containerRuntimeEndpoint"] == f"unix://{LAYOUT.containerd_socket}"


def test_containerd_restricts_oom_scores_and_pulls_the_registry_over_http() -> None:
    parsed = tomllib.loads(
        config.containerd_config(LAYOUT, NET, "127.0.0.1:5055/pause@sha256:ab", "127.0.0.1:5055")
    )
    cri = parsed["plugins"]["io.containerd.grpc.v1.cri"]
    assert cri["restrict_oom_score_adj"] is True
    assert cri["sandbox_image"] == "127.0.0.1:5055/pause@sha256:ab"
    assert cri["stream_server_address"] == "127.0.0.1"
    assert cri["registry"]["mirrors"]["127.0.0.1:5055"]["endpoint"] == ["http://127.0.0.1:5055"]
    assert parsed["grpc"]["address"].startswith("/run/commerce-ci/")
    assert parsed["root"].startswith(str(LAYOUT.state))


def test_cni_keeps_pods_off_the_outside_network() -> None:
    bridge = config.cni_conflist(LAYOUT, NET)["plugins"][0]
    assert bridge["ipMasq"] is False
    assert bridge["bridge"] == NET.bridge
    assert bridge["ipam"]["dataDir"].startswith(str(LAYOUT.state))


def test_kube_proxy_leaves_conntrack_sysctls_and_route_localnet_alone() -> None:
    proxy = config.kube_proxy_config(LAYOUT, NET)
    assert proxy["conntrack"]["maxPerCore"] == 0
    assert proxy["iptables"]["localhostNodePorts"] is False
    assert proxy["nodePortAddresses"] == ["127.0.0.1/32"]


def test_kubeconfig_embeds_the_certificates_and_namespace() -> None:
    text = config.kubeconfig("https://127.0.0.1:6443", b"CA", Pair(b"C", b"K"), "me", "argocd")
    document = yaml.safe_load(text)
    assert document["clusters"][0]["cluster"]["server"] == "https://127.0.0.1:6443"
    assert document["contexts"][0]["context"]["namespace"] == "argocd"
    assert document["users"][0]["user"]["client-key-data"] == "Sw=="


def test_argocd_components_run_outside_the_cluster_the_upstream_way() -> None:
    repo = components.argocd_repo_server(LAYOUT, NET, BINS, "/wrapper:/usr/bin")
    assert repo.env["ARGOCD_FAKE_IN_CLUSTER"] == "true"
    assert repo.env["KUBECONFIG"].endswith("argocd.yaml")
    assert "--disable-tls" in repo.argv and "--client-ca-path=" in repo.argv
    assert repo.env["PATH"] == "/wrapper:/usr/bin"
