"""Every chart renders for the Kubernetes version Terraform pins for EKS, as plain `helm
template` renders it, and refuses a Kubernetes older than its `kubeVersion`.

Without `--kube-version` helm assumes the Kubernetes of the client-go it was built with (1.37
for helm 3.22; `scripts/tools.d/50-helm.sh` stamps it as helm's release build does). Argo CD
passes the target cluster's own version, so its Applications need no pin.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from kube_version import KUBE_VERSION, pinned_eks_versions
from testenv import PROJECT_ROOT, require_tool

CHARTS = sorted(p.parent for p in (PROJECT_ROOT / "charts").glob("*/Chart.yaml"))
#: Values a chart needs to render at all (the microservice chart has no default service).
MINIMAL = {"microservice": ["--set", "name=probe", "--set", "image.repository=commerce/probe"]}


def helm_template(chart: Path, *args: str) -> subprocess.CompletedProcess[str]:
    helm = require_tool("helm", "bash scripts/tools.d/50-helm.sh (go install helm.sh/helm/v3)")
    argv = [helm, "template", chart.name, str(chart), *MINIMAL.get(chart.name, []), *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


def test_every_environment_pins_the_same_eks_version() -> None:
    versions = pinned_eks_versions()
    assert set(versions) == {"dev", "prod"}
    assert len(set(versions.values())) == 1, versions


@pytest.mark.parametrize("chart", CHARTS, ids=lambda p: p.name)
def test_chart_renders_for_the_pinned_eks_version(chart: Path) -> None:
    result = helm_template(chart, "--kube-version", KUBE_VERSION)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("chart", CHARTS, ids=lambda p: p.name)
def test_chart_renders_with_plain_helm_template(chart: Path) -> None:
    result = helm_template(chart)
    assert result.returncode == 0, result.stderr
    assert "kind:" in result.stdout


@pytest.mark.parametrize("chart", CHARTS, ids=lambda p: p.name)
def test_chart_refuses_a_kubernetes_older_than_it_supports(chart: Path) -> None:
    result = helm_template(chart, "--kube-version", "1.26.0")
    assert result.returncode != 0
    assert "kubeVersion" in result.stderr
