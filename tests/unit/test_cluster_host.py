"""What `cluster down` finds to undo, read from real command output shapes."""

from __future__ import annotations

from pipelines.cluster import host
from pipelines.cluster.layout import Network

IPTABLES_NAT = """\
-P PREROUTING ACCEPT
-P OUTPUT ACCEPT
-N DOCKER
-N KUBE-SERVICES
-N KUBE-SVC-NPX46M4PTMTKRN6Y
-N COMMERCE-CI-APISERVER
-A PREROUTING -j COMMERCE-CI-APISERVER
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A KUBE-SERVICES -d 10.96.0.1/32 -j KUBE-SVC-NPX46M4PTMTKRN6Y
"""

MOUNTINFO = """\
22 1 254:0 / / rw - ext4 /dev/vda rw
40 22 0:50 / /state/kubelet/pods/x/volumes/kubernetes.io~projected/token rw - tmpfs tmpfs rw
41 22 0:51 / /run/commerce-ci/containerd/k8s.io/a/rootfs rw - overlay o rw
42 22 0:52 / /run/other/thing rw - tmpfs tmpfs rw
43 22 0:53 / /state/kubelet/pods/x/volumes/kubernetes.io~empty-dir/tmp rw - tmpfs tmpfs rw
"""


def test_only_the_clusters_chains_are_removed_never_dockers() -> None:
    assert host.our_chains(IPTABLES_NAT) == [
        "KUBE-SERVICES",
        "KUBE-SVC-NPX46M4PTMTKRN6Y",
        "COMMERCE-CI-APISERVER",
    ]


def test_jumps_from_builtin_chains_to_ours_are_found_for_deletion() -> None:
    assert host.jumps_to_ours(IPTABLES_NAT) == [
        ["PREROUTING", "-j", "COMMERCE-CI-APISERVER"],
        [
            "PREROUTING", "-m", "comment", "--comment", '"kubernetes', "service", 'portals"',
            "-j", "KUBE-SERVICES",
        ],
    ]  # fmt: skip


def test_mounts_under_the_cluster_folders_come_deepest_first() -> None:
    points = host.mounts_under(("/state", "/run/commerce-ci"), MOUNTINFO)
    assert "/run/other/thing" not in points and "/" not in points
    assert len(points) == 3
    assert points[0].count("/") >= points[-1].count("/")


def test_pods_reach_the_api_server_through_a_dnat_of_the_kubernetes_service() -> None:
    (rule,) = host.apiserver_rules(Network())
    assert rule[rule.index("-d") + 1] == "10.96.0.1/32"
    assert rule[-1] == "127.0.0.1:6443"
    assert rule[rule.index("-i") + 1] == Network().bridge


def test_the_listener_upstream_binds_to_every_interface_is_dropped_off_loopback() -> None:
    (rule,) = host.input_rules(Network())
    assert rule[:3] == ["!", "-i", "lo"]
    assert rule[rule.index("--dport") + 1] == str(Network().controller_metrics_port)
