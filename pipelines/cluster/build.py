"""Building the pinned binaries from their Go modules, once per pin.

Each build goes to a temporary folder beside its final one and is renamed into place when it
succeeded, so an interrupted build leaves nothing that looks finished. A cold build of everything
takes about a quarter of an hour on two cores: the build says what it is doing every 30 seconds.
"""

from __future__ import annotations

import fcntl
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import yaml

from pipelines import processes
from pipelines.cluster.errors import ClusterError
from pipelines.cluster.modules import GO_HINT
from pipelines.cluster.versions import COLLECTOR, COLLECTOR_BUILDER, GoBuild
from pipelines.errors import ToolMissingError
from pipelines.shop.processes import tail

Log = Callable[[str], None]
PROGRESS_EVERY_S = 30.0
BUILD_TIMEOUT_S = 3600.0


@dataclass(frozen=True)
class Built:
    build: GoBuild
    folder: Path

    def path(self, binary: str) -> Path:
        return self.folder / binary


def go_env(env: Mapping[str, str], build: GoBuild) -> dict[str, str]:
    """Static binaries (no cgo), the pinned toolchain, and a build that does not stamp VCS data
    (our module is inside a git work tree, which `go build` would otherwise try to read)."""
    result = dict(env)
    result.update(
        {"CGO_ENABLED": "0", "GOTOOLCHAIN": build.toolchain, "GOFLAGS": "-buildvcs=false"}
    )
    return result


def go_command(build: GoBuild, out_dir: Path) -> list[str]:
    """`go build -o DIR/ pkgs` for a module of ours; `go install pkg@v` (GOBIN=DIR) otherwise."""
    flags = ["-trimpath", f"-ldflags={' '.join(build.ldflags)}"]
    if build.module:
        return ["go", "build", *flags, "-o", f"{out_dir}/", *build.packages]
    return ["go", "install", *flags, *build.packages]


def ensure_built(
    build: GoBuild, root: Path, bin_dir: Path, env: Mapping[str, str], log: Log
) -> Built:
    """The build's folder, built first when this pin has not been built on this machine.

    One build of a pin at a time, under a file lock: `cluster up` started while `cluster build`
    (CI starts it in the background, beside the test suite) is building waits for that build
    and uses it instead of building the same pin again."""
    folder = build.folder(bin_dir, root)
    if _complete(build, folder):
        return Built(build, folder)
    bin_dir.mkdir(parents=True, exist_ok=True)
    with open(bin_dir / f".{build.name}.lock", "w") as lock:
        if not _try_lock(lock):
            log(f"cluster: waiting for another build of {build.name} {build.version}")
            fcntl.flock(lock, fcntl.LOCK_EX)
        if not _complete(build, folder):
            _build(build, root, bin_dir, env, log)
    return Built(build, folder)


def _complete(build: GoBuild, folder: Path) -> bool:
    return all((folder / name).is_file() for name in build.binaries)


def _try_lock(lock: IO[str]) -> bool:
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _build(build: GoBuild, root: Path, bin_dir: Path, env: Mapping[str, str], log: Log) -> None:
    folder = build.folder(bin_dir, root)
    if shutil.which("go", path=env.get("PATH")) is None:
        raise ToolMissingError("go", GO_HINT)
    staging = Path(tempfile.mkdtemp(prefix=f".{build.name}-", dir=bin_dir))
    try:
        if build is COLLECTOR:
            _build_collector(root, bin_dir, staging, env, log)
        else:
            _run_go(build, root, staging, env, log)
        for alias in build.aliases:
            (staging / alias).symlink_to(build.binaries[0])
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _run_go(build: GoBuild, root: Path, out_dir: Path, env: Mapping[str, str], log: Log) -> None:
    argv = go_command(build, out_dir)
    run_env = go_env(env, build)
    cwd = root / build.module if build.module else out_dir
    if not build.module:
        run_env["GOBIN"] = str(out_dir)
    _run_logged(f"{build.name} {build.version}", argv, cwd, run_env, out_dir / "build.log", log)


def _build_collector(
    root: Path, bin_dir: Path, out_dir: Path, env: Mapping[str, str], log: Log
) -> None:
    """The collector's own builder generates a main module from our config; we resolve and
    compile it. The builder's own resolution (`go mod tidy`) also fetches the tests' imports of
    every component, and the module proxy refuses one of those (the contrib
    otlpencodingextension, a test-only dependency of the file exporter): `go mod tidy -e` gets
    everything the collector imports and goes past that one."""
    builder = ensure_built(COLLECTOR_BUILDER, root, bin_dir, env, log)
    config = root / COLLECTOR.module / "builder-config.yaml"
    run_env = go_env(env, COLLECTOR)
    log_path = out_dir / "build.log"
    with tempfile.TemporaryDirectory(prefix="otelcol-src-", dir=bin_dir) as source:
        # The builder reads dist.output_path from its config only: a copy with that line added.
        text = config.read_text(encoding="utf-8").replace(
            "dist:\n", f"dist:\n  output_path: {source}\n", 1
        )
        local = Path(source) / "builder-config.yaml"
        local.write_text(text, encoding="utf-8")
        generate = [
            str(builder.path("builder")),
            f"--config={local}",
            "--skip-compilation",
            "--skip-get-modules",
        ]
        what = f"otelcol {COLLECTOR.version}"
        _run_logged(f"{what} (sources)", generate, Path(source), run_env, log_path, log)
        (Path(source) / "go.mod").write_text(collector_go_mod(text), encoding="utf-8")
        tidy = ["go", "mod", "tidy", "-e"]
        _run_logged(f"{what} (modules)", tidy, Path(source), run_env, log_path, log)
        binary = out_dir / COLLECTOR.binaries[0]
        flags = f"-ldflags={' '.join(COLLECTOR.ldflags)}"
        compile_ = ["go", "build", "-trimpath", flags, "-o", str(binary), "."]
        _run_logged(what, compile_, Path(source), run_env, log_path, log)


def collector_go_mod(config_text: str) -> str:
    """The go.mod the builder would write (its template: each component's `gomod`, plus otelcol
    at the collector's version); `go mod tidy -e` completes it."""
    config = yaml.safe_load(config_text)
    version = config["dist"]["version"]
    requires = [
        f"\t{component['gomod']}"
        for kind in ("receivers", "processors", "exporters", "extensions", "connectors")
        for component in config.get(kind) or []
    ]
    requires.append(f"\tgo.opentelemetry.io/collector/otelcol v{version}")
    return "module commerce-ci/otelcol\n\ngo 1.25\n\nrequire (\n" + "\n".join(requires) + "\n)\n"


def _run_logged(
    what: str, argv: list[str], cwd: Path, env: dict[str, str], log_path: Path, log: Log
) -> None:
    """Run one build with its output in `log_path`, a progress line every 30 s, a timeout."""
    log(f"cluster: building {what} (once per pin; a cold build takes minutes)")
    started = time.monotonic()
    process = processes.start(argv, output=log_path, cwd=cwd, env=env, hint=GO_HINT)
    try:
        _wait_with_progress(process, what, started, log)
    except BaseException:
        process.stop(grace_s=5.0)
        raise
    if process.returncode != 0:
        raise ClusterError(
            f"building {what} failed (exit {process.returncode}); last lines of {log_path}:\n"
            f"{tail(log_path)}"
        )
    log(f"cluster: built {what} in {time.monotonic() - started:.0f}s")


def _wait_with_progress(process: processes.Background, what: str, started: float, log: Log) -> None:
    next_line = started + PROGRESS_EVERY_S
    while process.poll() is None:
        now = time.monotonic()
        if now - started > BUILD_TIMEOUT_S:
            raise ClusterError(f"building {what} took more than {BUILD_TIMEOUT_S:.0f}s")
        if now >= next_line:
            log(f"cluster: still building {what} ({now - started:.0f}s)")
            next_line = now + PROGRESS_EVERY_S
        time.sleep(1.0)
