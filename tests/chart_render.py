"""`helm template` of charts/microservice with a service's values file, as Argo CD renders it.

Shared by the chart tests that hold the rendered objects against what the services themselves
need (OTLP exporter, metrics port, backend addresses): the rendering, not the values file, is what
reaches the cluster.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from kube_version import KUBE_VERSION

ROOT = Path(__file__).resolve().parents[1]
CHART = ROOT / "charts" / "microservice"
ENVS = ROOT / "argocd" / "envs"
ENVIRONMENTS = ("dev", "prod")


def helm() -> str:
    extra = os.pathsep.join([str(ROOT / ".tools" / "bin"), os.environ.get("PATH", "")])
    found = shutil.which("helm", path=extra)
    if found is None:
        raise AssertionError("helm is not installed: bash scripts/tools.d/50-helm.sh")
    return found


CODE_SUFFIXES = {".go", ".py", ".rs", ".js", ".ts", ".java", ".kt"}
#: Test code is not what a service runs.
TEST_PARTS = {"test", "tests"}


def code_files(folder: Path) -> list[Path]:
    """The source files git tracks (or would) under `folder`, tests left out.

    Built artifacts (a Python build's installed dependencies, node_modules, target/) are
    ignored by git, so they never count as the service's own code, whatever ran before.
    """
    argv = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."]
    listed = subprocess.run(
        argv, cwd=folder, capture_output=True, timeout=60, check=True
    ).stdout.decode()
    paths = [folder / name for name in sorted(set(listed.split("\0"))) if name]
    return [
        p
        for p in paths
        if p.suffix in CODE_SUFFIXES
        and not TEST_PARTS & set(p.relative_to(folder).parts)
        and p.is_file()
    ]


def service_names() -> list[str]:
    return sorted(p.parent.name for p in (ROOT / "services").glob("*/service.yaml"))


def code_folders(name: str) -> list[Path]:
    """The service's folder and the library folders its service.yaml lists as inputs."""
    spec = yaml.safe_load((ROOT / "services" / name / "service.yaml").read_text())
    folders = [ROOT / "services" / name]
    for pattern in spec.get("inputs", []):
        if pattern.startswith("libs/"):
            folders.append(ROOT / pattern.split("*", 1)[0].rstrip("/"))
    return folders


@cache
def render_service(environment: str, name: str) -> tuple[dict[str, Any], ...]:
    """Every object the chart renders for argocd/envs/<environment>/<name>.yaml."""
    values = ENVS / environment / f"{name}.yaml"
    argv = [helm(), "template", name, str(CHART), "--kube-version", KUBE_VERSION, "-f", str(values)]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


def rendered(environment: str, name: str, kind: str) -> dict[str, Any]:
    (found,) = [o for o in render_service(environment, name) if o["kind"] == kind]
    return found


def container_env(environment: str, name: str) -> dict[str, str]:
    """The service container's literal env vars (valueFrom entries map to '')."""
    deployment = rendered(environment, name, "Deployment")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return {e["name"]: e.get("value", "") for e in container["env"]}
