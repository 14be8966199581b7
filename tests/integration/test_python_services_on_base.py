"""Every Python service's built artifact, on the interpreter its image really runs.

The python runtime base ships Debian 12's python3.11 (3.11.2). A dependency closure resolved or
installed on another Python (pyenv's 3.11.7 on these machines) can lack what only 3.11.2 needs:
redis-py requires async-timeout below 3.11.3, and accounting crash-looped on the cluster with
`ModuleNotFoundError: async_timeout` while every test on the host passed. So each service is
built by its toolchain's real build stage, its `dist/app` is put into the base's root file
system (built from Debian's packages, as `release` pushes it), and there, as uid 65532 in a
chroot with the base's Env, `pip check` finds every requirement of every installed distribution
(markers evaluated by that interpreter) and every module of the service's package imports.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pip
import pytest
from _runsteps import run_stage
from testenv import PROJECT_ROOT, require_tool

from pipelines.catalog import load_service
from pipelines.images.bases import build_base
from pipelines.steps import Stage
from pipelines.toolchains.python import ARTIFACT_DIR, INTERPRETER, python_package

pytestmark = [pytest.mark.slow, pytest.mark.toolchain("python")]

CACHE = PROJECT_ROOT / ".cache" / "commerce-ci"
HOST_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
SERVICES = ("accounting", "email", "recommendation", "load-generator")

PROBE = """\
import importlib, pkgutil, sys
package = importlib.import_module(sys.argv[1])
names = [sys.argv[1]] + [
    m.name for m in pkgutil.walk_packages(package.__path__, sys.argv[1] + ".")
]
for name in names:
    importlib.import_module(name)
print(sys.version.split()[0], len(names))
"""


@dataclass(frozen=True)
class Rootfs:
    path: Path
    env: dict[str, str]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Rootfs:
    """The python base's one layer unpacked, as a container would see it."""
    for tool in ("apt-get", "apt-cache", "dpkg-deb"):
        require_tool(tool, "Debian's apt and dpkg (build runtime bases on a Debian 12 host)")
    built = build_base("python", CACHE, env=HOST_ENV)
    root = tmp_path_factory.mktemp("python-base") / "rootfs"
    root.mkdir()
    with tarfile.open(fileobj=io.BytesIO(built.layer.data), mode="r:gz") as tar:
        tar.extractall(root, filter="fully_trusted")  # our own layer; keeps /tmp's 1777
    (root / "proc").mkdir(exist_ok=True)
    # pip is pure Python: the engine's own copy checks the artifact, and the image stays as built.
    shutil.copytree(Path(pip.__file__).parent, root / "opt" / "check" / "pip")
    env = json.loads(built.config)["config"]["Env"]
    return Rootfs(root, dict(item.split("=", 1) for item in env))


def in_base(base: Rootfs, app: str, *argv: str) -> subprocess.CompletedProcess[str]:
    """`argv` in the base as uid 65532 with a fresh /proc and the base's Env, the artifact on
    PYTHONPATH as the image's config puts it."""
    unshare = require_tool("unshare", "apt-get install util-linux")
    chroot = require_tool("chroot", "apt-get install coreutils")
    return subprocess.run(
        [
            unshare,
            "--mount",
            "--pid",
            "--fork",
            f"--mount-proc={base.path / 'proc'}",
            chroot,
            "--userspec=65532:65532",
            str(base.path),
            *argv,
        ],
        env={**base.env, "PYTHONPATH": f"/app/{app}:/opt/check", "HOME": "/home/nonroot"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def built_artifact(name: str, tmp_path: Path) -> Path:
    """The service's `dist/app` from its toolchain's real build stage, on a private copy of the
    service and the Python libraries its requirements name by relative path."""
    require_tool(INTERPRETER, "scripts/tools.d/14-python-runtime.sh")
    root = tmp_path / "repo"
    ignore = shutil.ignore_patterns("dist", "build", ".commerce-ci", "__pycache__")
    shutil.copytree(PROJECT_ROOT / "services" / name, root / "services" / name, ignore=ignore)
    shutil.copytree(PROJECT_ROOT / "libs" / "python", root / "libs" / "python", ignore=ignore)
    folder = root / "services" / name
    service = load_service(folder / "service.yaml", root)
    result = run_stage(service, folder, Stage.BUILD, CACHE)
    assert result.passed, result.output
    return folder / ARTIFACT_DIR


@pytest.mark.parametrize("name", SERVICES)
def test_the_artifact_has_its_whole_closure_and_imports_on_the_base_interpreter(
    name: str, base: Rootfs, tmp_path: Path
) -> None:
    artifact = built_artifact(name, tmp_path)
    shutil.copytree(artifact, base.path / "app" / name, dirs_exist_ok=True)
    interpreter = INTERPRETER

    check = in_base(base, name, interpreter, "-m", "pip", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No broken requirements found." in check.stdout

    probe = in_base(base, name, interpreter, "-c", PROBE, python_package(name))
    assert probe.returncode == 0, probe.stderr
    version, modules = probe.stdout.split()
    assert version == "3.11.2"
    assert int(modules) >= 3
