"""The Kubernetes version the project's charts are rendered and validated for.

Terraform pins the EKS version (terraform/envs/<env>/terraform.tfvars); helm, left alone, renders
for the Kubernetes of its own client libraries (1.37 for helm 3.22) and would check `kubeVersion`
constraints and `.Capabilities` against a cluster nobody runs. Every chart test renders with
`--kube-version` taken from that pin, read here once.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TFVARS = sorted((ROOT / "terraform" / "envs").glob("*/terraform.tfvars"))


def pinned_eks_versions() -> dict[str, str]:
    """environment -> the `kubernetes_version` its tfvars pin (major.minor)."""
    found: dict[str, str] = {}
    for path in TFVARS:
        match = re.search(r'^kubernetes_version\s*=\s*"(\d+\.\d+)"', path.read_text(), re.M)
        if match is None:
            raise AssertionError(f"{path}: kubernetes_version is not pinned")
        found[path.parent.name] = match.group(1)
    return found


def eks_kube_version() -> str:
    """The one version every environment pins, as helm and kubernetes-validate want it."""
    versions = set(pinned_eks_versions().values())
    if len(versions) != 1:
        raise AssertionError(f"environments pin different EKS versions: {pinned_eks_versions()}")
    return f"{versions.pop()}.0"


KUBE_VERSION = eks_kube_version()
