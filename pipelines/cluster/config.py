"""The configuration files of the cluster's components, rendered from the layout and network.

Pure functions of plain values: the unit tests read what each file says (every address on
127.0.0.1, the workarounds this machine needs) without starting anything.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import yaml

from pipelines.cluster.layout import Layout, Network
from pipelines.cluster.pki import Pair


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def kubeconfig(server: str, ca: bytes, client: Pair, user: str, namespace: str = "default") -> str:
    """A kubeconfig with the certificates inline, so it is one file to hand to any client."""
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "commerce-ci",
                "cluster": {"server": server, "certificate-authority-data": _b64(ca)},
            }
        ],
        "users": [
            {
                "name": user,
                "user": {
                    "client-certificate-data": _b64(client.cert),
                    "client-key-data": _b64(client.key),
                },
            }
        ],
        "contexts": [
            {
                "name": "commerce-ci",
                "context": {"cluster": "commerce-ci", "user": user, "namespace": namespace},
            }
        ],
        "current-context": "commerce-ci",
    }
    return yaml.safe_dump(document, sort_keys=False)


def kubelet_config(layout: Layout, network: Network) -> dict[str, Any]:
    """KubeletConfiguration. `failCgroupV1: false`: this machine mounts only cgroup v1, which
    kubelet 1.37 refuses by default. Eviction thresholds are low: the machine's disk and memory
    are shared, and evicting the shop because another job filled the disk proves nothing."""
    return {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "address": "127.0.0.1",
        "port": network.kubelet_port,
        "healthzBindAddress": "127.0.0.1",
        "healthzPort": network.kubelet_healthz_port,
        "readOnlyPort": 0,
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"enabled": False},
            "x509": {"clientCAFile": str(layout.pki / "ca.crt")},
        },
        "authorization": {"mode": "AlwaysAllow"},
        "tlsCertFile": str(layout.pki / "kubelet-serving.crt"),
        "tlsPrivateKeyFile": str(layout.pki / "kubelet-serving.key"),
        "containerRuntimeEndpoint": f"unix://{layout.containerd_socket}",
        "cgroupDriver": "cgroupfs",
        "failCgroupV1": False,
        "failSwapOn": False,
        "clusterDNS": [network.dns_ip],
        "clusterDomain": network.cluster_domain,
        "podLogsDir": str(layout.pod_logs),
        "resolvConf": str(layout.config / "resolv.conf"),
        "serializeImagePulls": False,
        "maxPods": 110,
        "evictionHard": {
            "memory.available": "100Mi",
            "nodefs.available": "1%",
            "imagefs.available": "1%",
            "nodefs.inodesFree": "1%",
        },
        "imageGCHighThresholdPercent": 100,
        "imageGCLowThresholdPercent": 99,
        "protectKernelDefaults": False,
        "makeIPTablesUtilChains": False,
        "registerNode": True,
        "staticPodPath": "",
    }


def kube_proxy_config(layout: Layout, network: Network) -> dict[str, Any]:
    """KubeProxyConfiguration: iptables mode, NodePorts only on loopback and without
    `route_localnet` (no NodePort is needed: the tests use port-forward), and no conntrack
    sysctl touched (maxPerCore 0 and zero timeouts leave the kernel's values alone)."""
    return {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "kind": "KubeProxyConfiguration",
        "clientConnection": {"kubeconfig": str(layout.kubeconfigs / "proxy.yaml")},
        "mode": "iptables",
        "bindAddress": "127.0.0.1",
        "healthzBindAddress": f"127.0.0.1:{network.proxy_healthz_port}",
        "metricsBindAddress": f"127.0.0.1:{network.proxy_metrics_port}",
        "clusterCIDR": network.pod_cidr,
        "hostnameOverride": network.node_name,
        "nodePortAddresses": ["127.0.0.1/32"],
        "iptables": {"localhostNodePorts": False, "masqueradeAll": False},
        "conntrack": {
            "maxPerCore": 0,
            "min": 0,
            "tcpEstablishedTimeout": "0s",
            "tcpCloseWaitTimeout": "0s",
        },
    }


def cni_conflist(layout: Layout, network: Network) -> dict[str, Any]:
    """One bridge for the node. No ipMasq: pods reach each other and the host, never the
    outside; host-local keeps its leases under the state folder, not /var/lib/cni."""
    return {
        "cniVersion": "1.0.0",
        "name": "commerce-ci",
        "plugins": [
            {
                "type": "bridge",
                "bridge": network.bridge,
                "isGateway": True,
                "ipMasq": False,
                "hairpinMode": True,
                "ipam": {
                    "type": "host-local",
                    "ranges": [[{"subnet": network.node_subnet, "gateway": network.gateway}]],
                    "routes": [{"dst": "0.0.0.0/0"}],
                    "dataDir": str(layout.cni_data),
                },
            },
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return json.dumps(str(value))


def _toml(tables: dict[str, dict[str, Any]], top: dict[str, Any]) -> str:
    lines = [f"{key} = {_toml_value(value)}" for key, value in top.items()]
    for table, values in tables.items():
        lines += ["", f"[{table}]"]
        lines += [f"  {key} = {_toml_value(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def containerd_config(layout: Layout, network: Network, pause_image: str, registry: str) -> str:
    """containerd 1.6's config (version 2). Its own root, state and socket (never the system's
    /run/containerd); the CRI streaming server on loopback; `restrict_oom_score_adj`: this
    machine lacks CAP_SYS_RESOURCE, so runc may only raise a score; the sandbox image from our
    registry (kubelet 1.37 has no flag for it); and that registry over plain http."""
    cri = 'plugins."io.containerd.grpc.v1.cri"'
    return _toml(
        {
            "grpc": {"address": str(layout.containerd_socket)},
            "ttrpc": {"address": str(layout.containerd_state / "containerd.sock.ttrpc")},
            "debug": {"address": ""},
            "metrics": {"address": ""},
            'plugins."io.containerd.internal.v1.opt"': {
                "path": str(layout.containerd_root / "opt")
            },
            cri: {
                "sandbox_image": pause_image,
                "stream_server_address": "127.0.0.1",
                "stream_server_port": "0",
                "restrict_oom_score_adj": True,
                "disable_apparmor": True,
                "enable_selinux": False,
            },
            f"{cri}.containerd": {"snapshotter": "overlayfs", "default_runtime_name": "runc"},
            f"{cri}.containerd.runtimes.runc": {"runtime_type": "io.containerd.runc.v2"},
            f"{cri}.containerd.runtimes.runc.options": {"SystemdCgroup": False},
            f"{cri}.cni": {"bin_dir": "/usr/lib/cni", "conf_dir": str(layout.cni_conf)},
            f'{cri}.registry.mirrors."{registry}"': {"endpoint": [f"http://{registry}"]},
        },
        {
            "version": 2,
            "root": str(layout.containerd_root / "root"),
            "state": str(layout.containerd_state),
            "disabled_plugins": [
                "io.containerd.snapshotter.v1.aufs",
                "io.containerd.snapshotter.v1.btrfs",
                "io.containerd.snapshotter.v1.devmapper",
                "io.containerd.snapshotter.v1.zfs",
                "io.containerd.tracing.processor.v1.otlp",
            ],
        },
    )


def resolv_conf() -> str:
    """The resolv.conf CoreDNS gets (dnsPolicy: Default): nothing outside the cluster is asked."""
    return "nameserver 127.0.0.1\noptions ndots:1\n"
