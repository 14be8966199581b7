"""The host changes a single-node cluster needs, recorded before they are made and undone by
`cluster down`.

What `up` changes: the pod bridge (with `route_localnet` on it, so the DNAT below may reach
loopback), `net.ipv4.ip_forward`, the sysctls the kubelet sets (kernel.panic, panic_on_oops,
vm.overcommit_memory, ...), iptables chains (kube-proxy's KUBE-*, and ours: COMMERCE-CI-APISERVER,
which sends the `kubernetes` Service's address to the API server on 127.0.0.1, and
COMMERCE-CI-INPUT, which keeps the one listener upstream binds to 0.0.0.0 off every interface but
loopback), mounts (volumes, container root file systems, network namespaces) and cgroups
(kubepods). `down` puts each back, whatever state a failed `up` left.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from pipelines import processes
from pipelines.cluster.errors import ClusterError
from pipelines.cluster.layout import Layout, Network

Log = Callable[[str], None]

#: Sysctls the kubelet (protectKernelDefaults: false) and the bridge plugin set.
SYSCTLS = (
    "kernel/panic",
    "kernel/panic_on_oops",
    "kernel/keys/root_maxkeys",
    "kernel/keys/root_maxbytes",
    "vm/overcommit_memory",
    "vm/panic_on_oom",
    "net/ipv4/ip_forward",
    "net/bridge/bridge-nf-call-iptables",
    "net/bridge/bridge-nf-call-ip6tables",
)
#: Folders some component writes by default; removed by `down` only if `up` found them absent.
DEFAULT_DIRS = (
    "/var/lib/kubelet",
    "/var/lib/cni",
    "/var/log/pods",
    "/var/log/containers",
    "/etc/cni",
    "/opt/cni",
    "/opt/containerd",
    "/etc/kubernetes",
)
#: ip, iptables, umount and the rest come with the cluster's Debian packages.
INSTALL_HINT = "scripts/tools.d/80-cluster.sh installs it"
CHAIN_PREFIXES = ("KUBE-", "COMMERCE-CI-", "CNI-")
TABLES = ("filter", "nat", "mangle")
APISERVER_CHAIN = "COMMERCE-CI-APISERVER"
INPUT_CHAIN = "COMMERCE-CI-INPUT"


def run(argv: Sequence[str], *, check: bool = True, timeout: float = 30.0) -> str:
    result = processes.run(argv, timeout_s=timeout, hint=INSTALL_HINT)
    if result.timed_out:
        raise ClusterError(f"{' '.join(argv)} timed out after {timeout:g}s")
    if check and result.exit_code != 0:
        raise ClusterError(f"{' '.join(argv)} failed: {result.stderr.strip()[-400:]}")
    return result.stdout


def read_sysctl(name: str) -> str | None:
    try:
        return Path("/proc/sys", name).read_text().strip()
    except OSError:
        return None


def write_sysctl(name: str, value: str) -> None:
    with contextlib.suppress(OSError):
        Path("/proc/sys", name).write_text(value + "\n")


def record_host(layout: Layout) -> None:
    """What `down` restores; kept from the first `up` if a previous one was never taken down."""
    if layout.host_record.exists():
        return
    record = {
        "sysctls": {name: read_sysctl(name) for name in SYSCTLS if read_sysctl(name) is not None},
        "absent_dirs": [path for path in DEFAULT_DIRS if not Path(path).exists()],
    }
    layout.host_record.parent.mkdir(parents=True, exist_ok=True)
    temporary = layout.host_record.with_suffix(".tmp")
    temporary.write_text(json.dumps(record, indent=2))
    temporary.replace(layout.host_record)


def prepare_network(network: Network) -> None:
    """The bridge before any pod (the bridge plugin reuses it), its loopback routing, forwarding,
    and our two iptables chains."""
    bridge = network.bridge
    if run(["ip", "-o", "link", "show", bridge], check=False).strip() == "":
        run(["ip", "link", "add", bridge, "type", "bridge"])
    prefix = network.node_subnet.split("/")[1]
    run(["ip", "addr", "replace", f"{network.gateway}/{prefix}", "dev", bridge])
    run(["ip", "link", "set", bridge, "up"])
    write_sysctl(f"net/ipv4/conf/{bridge}/route_localnet", "1")
    write_sysctl("net/ipv4/ip_forward", "1")
    write_sysctl("net/bridge/bridge-nf-call-iptables", "1")
    _ensure_chain("nat", APISERVER_CHAIN, "PREROUTING", apiserver_rules(network))
    _ensure_chain("filter", INPUT_CHAIN, "INPUT", input_rules(network))


def apiserver_rules(network: Network) -> list[list[str]]:
    """Pods reach `kubernetes.default` (the Service's first address, port 443) as the API server
    on 127.0.0.1: it binds loopback only, and Endpoints may not name a loopback address."""
    return [
        [
            "-i",
            network.bridge,
            "-d",
            f"{network.api_service_ip}/32",
            "-p",
            "tcp",
            "--dport",
            "443",
            "-j",
            "DNAT",
            "--to-destination",
            f"127.0.0.1:{network.api_port}",
        ]
    ]


def input_rules(network: Network) -> list[list[str]]:
    """The application controller's metrics port, which upstream binds to 0.0.0.0."""
    port = str(network.controller_metrics_port)
    return [["!", "-i", "lo", "-p", "tcp", "--dport", port, "-j", "DROP"]]


def _ensure_chain(table: str, chain: str, hook: str, rules: list[list[str]]) -> None:
    run(["iptables", "-t", table, "-N", chain], check=False)
    run(["iptables", "-t", table, "-F", chain])
    for rule in rules:
        run(["iptables", "-t", table, "-A", chain, *rule])
    jump = ["-t", table, "-C", hook, "-j", chain]
    if not processes.run(["iptables", *jump], timeout_s=30, hint=INSTALL_HINT).ok:
        run(["iptables", "-t", table, "-I", hook, "1", "-j", chain])


def our_chains(rules: str) -> list[str]:
    """The chains of `iptables -S` output that belong to the cluster (KUBE-*, ours, CNI-*)."""
    chains = []
    for line in rules.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] == "-N" and parts[1].startswith(CHAIN_PREFIXES):
            chains.append(parts[1])
    return chains


def jumps_to_ours(rules: str) -> list[list[str]]:
    """Rules in any chain not ours that jump to one of ours: removed before the chains are."""
    found = []
    for line in rules.splitlines():
        parts = line.split()
        if len(parts) < 2 or parts[0] != "-A" or parts[1].startswith(CHAIN_PREFIXES):
            continue
        if "-j" in parts and parts[parts.index("-j") + 1].startswith(CHAIN_PREFIXES):
            found.append(parts[1:])
    return found


def remove_chains(log: Log) -> None:
    """Every KUBE-*, CNI-* and COMMERCE-CI-* chain in iptables and ip6tables, and the jumps to
    them; the chains of other programs (Docker's) are left alone."""
    for program in ("iptables", "ip6tables"):
        if shutil.which(program) is None:
            continue
        for table in TABLES:
            rules = run([program, "-t", table, "-S"], check=False)
            for rule in jumps_to_ours(rules):
                run([program, "-t", table, "-D", *rule], check=False)
            chains = our_chains(rules)
            for chain in chains:
                run([program, "-t", table, "-F", chain], check=False)
            for chain in chains:
                run([program, "-t", table, "-X", chain], check=False)
            if chains:
                log(f"cluster: removed {len(chains)} {program} chains from {table}")


def mounts_under(prefixes: Iterable[str], mountinfo: str) -> list[str]:
    """Mount points under any prefix, deepest first (the order they can be unmounted in)."""
    marks = tuple(prefix.rstrip("/") + "/" for prefix in prefixes)
    points = []
    for line in mountinfo.splitlines():
        fields = line.split()
        if len(fields) > 4:
            point = fields[4].replace("\\040", " ")
            if (point + "/").startswith(marks) or any(point == m.rstrip("/") for m in marks):
                points.append(point)
    return sorted(set(points), key=lambda p: (-p.count("/"), p))


def unmount_all(prefixes: Iterable[str], log: Log) -> None:
    prefixes = tuple(prefixes)
    for _ in range(3):
        points = mounts_under(prefixes, Path("/proc/self/mountinfo").read_text())
        if not points:
            return
        for point in points:
            run(["umount", point], check=False, timeout=20)
            if point in mounts_under((point,), Path("/proc/self/mountinfo").read_text()):
                run(["umount", "-l", point], check=False, timeout=20)
        log(f"cluster: unmounted {len(points)} mounts")


def remove_netns(folder: Path = Path("/run/netns")) -> None:
    """The pods' network namespaces (containerd names them cni-<uuid>)."""
    if not folder.is_dir():
        return
    for entry in folder.glob("cni-*"):
        run(["umount", str(entry)], check=False)
        with contextlib.suppress(OSError):
            entry.unlink()


def remove_cgroups(log: Log, root: Path = Path("/sys/fs/cgroup")) -> None:
    """The kubepods cgroups the kubelet made in every hierarchy, innermost first."""
    removed = 0
    for top in root.glob("*/kubepods*"):
        for folder in sorted(
            (p for p in top.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)
        ):
            with contextlib.suppress(OSError):
                folder.rmdir()
        with contextlib.suppress(OSError):
            top.rmdir()
            removed += 1
    if removed:
        log(f"cluster: removed the kubepods cgroups of {removed} hierarchies")


def remove_bridge(network: Network) -> None:
    if run(["ip", "-o", "link", "show", network.bridge], check=False).strip():
        run(["ip", "link", "delete", network.bridge], check=False)


def restore_host(layout: Layout, log: Log) -> None:
    """Sysctls back to their recorded values; default folders `up` created removed."""
    try:
        record = json.loads(layout.host_record.read_text())
    except (OSError, ValueError):
        return
    for name, value in record.get("sysctls", {}).items():
        if value is not None and read_sysctl(name) != value:
            write_sysctl(name, value)
            log(f"cluster: restored {name.replace('/', '.')} = {value}")
    for path in record.get("absent_dirs", []):
        if Path(path).exists():
            shutil.rmtree(path, ignore_errors=True)
            log(f"cluster: removed {path}")
    layout.host_record.unlink(missing_ok=True)


def remove_tree(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path, ignore_errors=True)
    if path.exists():
        raise ClusterError(f"could not remove {path} (still mounted?)")


def is_root() -> bool:
    return os.geteuid() == 0
