"""The cluster's kubectl client, on a stand-in kubectl: what callers read of a run (exit, output)
and how a failure is worded. `cluster up` polls readiness through `ok`, so a renamed attribute
here broke the whole loop once; these tests hold the client's contract."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipelines.cluster.errors import ClusterError
from pipelines.cluster.kube import Kubectl

pytestmark = pytest.mark.processes

#: Prints its arguments and stdin, exits with the code in KUBECTL_EXIT.
FAKE = """#!/bin/sh
echo "args: $*"
cat
echo "from kubectl" >&2
exit "${KUBECTL_EXIT:-0}"
"""


def _kubectl(tmp_path: Path, exit_code: int = 0) -> Kubectl:
    binary = tmp_path / "kubectl"
    binary.write_text(FAKE)
    binary.chmod(0o755)
    env = {"PATH": os.defpath, "KUBECTL_EXIT": str(exit_code)}
    return Kubectl(binary, tmp_path / "admin.yaml", env, timeout_s=30)


def test_a_run_gives_its_output_and_the_admin_kubeconfig(tmp_path: Path) -> None:
    done = _kubectl(tmp_path).run("get", "--raw=/readyz", stdin="doc")
    assert done.ok
    assert f"--kubeconfig={tmp_path / 'admin.yaml'} get --raw=/readyz" in done.stdout
    assert done.stdout.endswith("doc")


def test_an_unchecked_failure_is_a_result_not_an_error(tmp_path: Path) -> None:
    done = _kubectl(tmp_path, exit_code=3).run("get", "pods", check=False)
    assert not done.ok
    assert done.exit_code == 3


def test_a_checked_failure_names_the_command_and_kubectls_reason(tmp_path: Path) -> None:
    with pytest.raises(ClusterError, match=r"kubectl get pods failed: from kubectl"):
        _kubectl(tmp_path, exit_code=1).run("get", "pods")
