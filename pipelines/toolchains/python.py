"""Python: a venv-free artifact folder, pytest with JUnit, ruff check + ruff format for lint.

A service pins its whole runtime closure in requirements.txt and its test tools in
requirements-dev.txt, and builds as a package (pyproject.toml with a build backend). The
build installs the pins with `--no-deps` (the lockfile is the truth: nothing is resolved
again) and the service itself into `dist/app`, a folder that runs as
`PYTHONPATH=dist/app python -m <package>` and that the image copies as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pipelines.steps import REPORT_DIR, CacheMount, ReportFile, Stage, Step
from pipelines.toolchains.base import Runtime, ToolchainBase, command_name
from pipelines.toolchains.python_normalise import NORMALISE

if TYPE_CHECKING:
    from pipelines.catalog import Service

#: Debian 12's python3.11 (3.11.2), the interpreter the python runtime base ships
#: (`pipelines/images/bases.py`). Services are built, tested and run on it, by path, never on
#: another Python a host puts first on PATH (pyenv's 3.11.7 on these machines): pins resolved
#: and tested on 3.11.7 left out async-timeout, which redis-py needs below 3.11.3, and
#: accounting crashed in its image on 3.11.2.
INTERPRETER = "/usr/bin/python3.11"
#: The Dagger engine's builder: Debian 12 with that same package and Debian's pip.
PYTHON_IMAGE = "debian:12.12-slim"
PYTHON_SETUP = (
    ("apt-get", "update"),
    ("apt-get", "install", "-y", "--no-install-recommends", "python3.11", "python3-pip"),
)
#: ruff is one static binary: lint needs no particular interpreter, only pip to install it.
LINT_IMAGE = "python:3.11.7-slim-bookworm"
RUFF_VERSION = "0.17.6"
ARTIFACT_DIR = "dist/app"
#: Test tools live beside the build output, never in the artifact the image ships.
TEST_DEPS_DIR = "build/test-deps"
JUNIT_REPORT = f"{REPORT_DIR}/junit.xml"
RUNTIME_REQUIREMENTS = "requirements.txt"
DEV_REQUIREMENTS = "requirements-dev.txt"

CACHES = (CacheMount("pip", "/root/.cache/pip", env="PIP_CACHE_DIR"),)
ENV: Mapping[str, str] = {
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    "PIP_NO_INPUT": "1",
    "PIP_ROOT_USER_ACTION": "ignore",
    "PYTHONDONTWRITEBYTECODE": "1",
}
#: `--no-compile`: bytecode written at install time holds the clock and pip's temporary folder
#: (and goes stale against the .py files' commit-time mtimes); the image ships sources only.
_PIP_TARGET = (
    INTERPRETER,
    "-m",
    "pip",
    "install",
    "--no-deps",
    "--no-compile",
    "--upgrade",
    "--target",
)
#: Console scripts pip writes carry the build host's interpreter path; the image runs `-m`.
_SCRIPTS_DIR = f"{ARTIFACT_DIR}/bin"
LINT_SETUP = (("python", "-m", "pip", "install", f"ruff=={RUFF_VERSION}"),)


def python_package(service_name: str) -> str:
    """The importable package a Python service runs as (see `PythonToolchain.runtime`)."""
    return "commerce_" + service_name.replace("-", "_")


@dataclass(frozen=True)
class PythonToolchain(ToolchainBase):
    language: str = "python"
    image: str = PYTHON_IMAGE
    env: ClassVar[Mapping[str, str]] = ENV
    caches: ClassVar[tuple[CacheMount, ...]] = CACHES
    tools: ClassVar[Mapping[str, str]] = {
        INTERPRETER: "apt-get install python3.11 python3-pip (Debian 12's, as the runtime "
        "base ships it; scripts/tools.d/14-python-runtime.sh)",
        "ruff": "run scripts/tools.d/13-python-lint.sh (installs ruff into .tools/ruff)",
    }

    def defaults(self, service: Service, stage: Stage) -> tuple[Step, ...]:
        if stage is Stage.BUILD:
            locked = (*_PIP_TARGET, ARTIFACT_DIR, "-r", RUNTIME_REQUIREMENTS)
            own = (*_PIP_TARGET, ARTIFACT_DIR, ".")
            return (
                self.step(stage, "pip install (locked dependencies)", locked),
                self.step(stage, "pip install (service)", own, outputs=(ARTIFACT_DIR,)),
                self._normalise(),
            )
        if stage is Stage.TEST:
            return self._tests()
        if stage is Stage.LINT:
            return (
                self._lint("ruff check", ("ruff", "check", "--no-cache", ".")),
                self._lint("ruff format", ("ruff", "format", "--check", "--no-cache", ".")),
            )
        return ()

    def command(self, service: Service, stage: Stage, argv: tuple[str, ...]) -> tuple[Step, ...]:
        """The service's command; after a build, the artifact is normalised all the same (the
        image is reproducible whoever built it)."""
        if stage is Stage.BUILD:
            command = self.step(stage, command_name(stage), argv, outputs=(ARTIFACT_DIR,))
            return (command, self._normalise())
        return super().command(service, stage, argv)

    def _tests(self) -> tuple[Step, ...]:
        """Test tools into their own folder, then pytest with them on the path and JUnit out."""
        requirements = ("-r", RUNTIME_REQUIREMENTS, "-r", DEV_REQUIREMENTS)
        pytest = (
            INTERPRETER,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            f"--junitxml={JUNIT_REPORT}",
        )
        return (
            self.step(
                Stage.TEST,
                "pip install (test dependencies)",
                (*_PIP_TARGET, TEST_DEPS_DIR, *requirements),
            ),
            self.step(
                Stage.TEST,
                "pytest",
                pytest,
                env={**ENV, "PYTHONPATH": TEST_DEPS_DIR},
                caches=(),
                reports=(ReportFile("junit", JUNIT_REPORT),),
            ),
        )

    def _normalise(self) -> Step:
        argv = (INTERPRETER, "-c", NORMALISE, ARTIFACT_DIR)
        name = "normalise (no machine paths, no bytecode)"
        return self.step(Stage.BUILD, name, argv, outputs=(ARTIFACT_DIR,))

    def _lint(self, name: str, argv: tuple[str, ...]) -> Step:
        return self.step(Stage.LINT, name, argv, image=LINT_IMAGE, caches=(), setup=LINT_SETUP)

    def step(self, stage: Stage, name: str, argv: tuple[str, ...], **fields: Any) -> Step:
        """Every Step but lint's installs Debian's python3.11 first in the Dagger builder."""
        if stage is not Stage.LINT:
            fields.setdefault("setup", PYTHON_SETUP)
        return super().step(stage, name, argv, **fields)

    def runtime(self, service: Service) -> Runtime:
        """The artifact folder on PYTHONPATH, running the service's package as `-m`.

        The package is `commerce_<name>` (dashes as underscores), not the bare service name: a
        service called `email` would otherwise shadow the standard library's `email` package.
        Output is unbuffered so that JSON log lines reach a pipe as they are written.
        """
        return Runtime(
            base="python",
            files=(f"{ARTIFACT_DIR}/**",),
            exclude=(_SCRIPTS_DIR,),
            command=(INTERPRETER, "-m", python_package(service.name)),
            env=(("PYTHONPATH", ARTIFACT_DIR), ("PYTHONUNBUFFERED", "1")),
        )


PYTHON = PythonToolchain()
