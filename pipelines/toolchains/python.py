"""Python: a venv-free artifact folder, pytest with JUnit, ruff check + ruff format for lint.

A service pins its whole runtime closure in requirements.txt and its test tools in
requirements-dev.txt, and builds as a package (pyproject.toml with a build backend). The
build installs the pins with `--no-deps` (the lockfile is the truth: nothing is resolved
again) and the service itself into `dist/app`, a folder that runs as
`PYTHONPATH=dist/app python -m <package>` and that the image copies as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipelines.errors import ConfigError
from pipelines.sca.steps import sca_steps
from pipelines.steps import REPORT_DIR, CacheMount, ReportFile, Stage, Step
from pipelines.toolchains.base import Runtime
from pipelines.toolchains.python_normalise import NORMALISE

if TYPE_CHECKING:
    from pipelines.catalog import Service
    from pipelines.toolchains.base import ToolchainOptions

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
class PythonToolchain:
    language: str = "python"
    image: str = PYTHON_IMAGE
    install_hints: dict[str, str] = field(
        default_factory=lambda: {
            INTERPRETER: "apt-get install python3.11 python3-pip (Debian 12's, as the runtime "
            "base ships it; scripts/tools.d/14-python-runtime.sh)",
            "ruff": "run scripts/tools.d/13-python-lint.sh (installs ruff into .tools/ruff)",
        }
    )

    def steps(self, service: Service, stage: Stage, options: ToolchainOptions) -> tuple[Step, ...]:
        if stage is Stage.SCA:
            return sca_steps(service, options)
        if service.lockfile != RUNTIME_REQUIREMENTS:
            raise ConfigError(
                f"{service.path}/service.yaml",
                "language",
                f"the python toolchain builds from {RUNTIME_REQUIREMENTS}, found only "
                f"{service.lockfile}; export it with `uv export --frozen --no-hashes "
                f"--no-dev -o {RUNTIME_REQUIREMENTS}`",
            )
        override = service.spec.commands.get(stage.value)
        if stage is Stage.BUILD:
            normalise = self._step(
                stage,
                "normalise (no machine paths, no bytecode)",
                (INTERPRETER, "-c", NORMALISE, ARTIFACT_DIR),
                ARTIFACT_DIR,
            )
            if override:
                return (
                    self._step(stage, "build (service command)", override, ARTIFACT_DIR),
                    normalise,
                )
            return (
                self._step(
                    stage,
                    "pip install (locked dependencies)",
                    (*_PIP_TARGET, ARTIFACT_DIR, "-r", RUNTIME_REQUIREMENTS),
                ),
                self._step(
                    stage, "pip install (service)", (*_PIP_TARGET, ARTIFACT_DIR, "."), ARTIFACT_DIR
                ),
                normalise,
            )
        if stage is Stage.TEST:
            if override:
                return (self._step(stage, "test (service command)", override),)
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
                self._step(
                    stage,
                    "pip install (test dependencies)",
                    (*_PIP_TARGET, TEST_DEPS_DIR, *requirements),
                ),
                Step(
                    stage=stage,
                    name="pytest",
                    image=self.image,
                    argv=pytest,
                    env={**ENV, "PYTHONPATH": TEST_DEPS_DIR},
                    setup=PYTHON_SETUP,
                    reports=(ReportFile("junit", JUNIT_REPORT),),
                ),
            )
        if stage is Stage.LINT:
            if override:
                return (self._step(stage, "lint (service command)", override),)
            return (
                self._lint("ruff check", ("ruff", "check", "--no-cache", ".")),
                self._lint("ruff format", ("ruff", "format", "--check", "--no-cache", ".")),
            )
        return ()

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

    def _step(
        self, stage: Stage, name: str, argv: tuple[str, ...], output: str | None = None
    ) -> Step:
        return Step(
            stage=stage,
            name=name,
            image=self.image,
            argv=tuple(argv),
            env=dict(ENV),
            caches=CACHES,
            outputs=(output,) if output else (),
            setup=PYTHON_SETUP,
        )

    def _lint(self, name: str, argv: tuple[str, ...]) -> Step:
        return Step(
            stage=Stage.LINT,
            name=name,
            image=LINT_IMAGE,
            argv=argv,
            env=dict(ENV),
            setup=LINT_SETUP,
        )


PYTHON = PythonToolchain()
