#!/usr/bin/env python3
"""Benchmark: build + test + lint of a Rust and a Go service from an empty build cache, the way
the toolchains ran them before (each stage compiling the dependencies again) and the way they
run now (once per profile), in the same run.

For each service (currency, Rust; cart, Go, by default) and each way, in alternating order:
a fresh copy of the repository (`git archive HEAD`), a fresh cache dir, and the build, test and
lint stages' Steps run one after another through the real local engine, each timed. Module
downloads are not what changed, so they are taken out of the measurement: crates and Go modules
are fetched once into a seed folder that every cache dir links to; compiled artifacts (cargo's
target dir, GOCACHE) start empty each time, as on a fresh CI runner. Every step must pass in
both ways, or the run fails. The result is each way's wall time per stage and in total, and the
ratio of the new total to the old one (target: <= 0.6).

    python tests/benchmarks/bench_compile_once.py                       # currency and cart
    python tests/benchmarks/bench_compile_once.py --services cart       # one service
    python tests/benchmarks/bench_compile_once.py --quick               # the small fixtures
    python tests/benchmarks/bench_compile_once.py --check               # exit 1 above 0.6

"Before" is the Steps of commit 94f62cd (`BEFORE` below, written out since the toolchains no
longer make them); "now" is whatever `pipelines.toolchains` derives today.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import anyio

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT))

from pipelines.catalog import Service, load_service  # noqa: E402
from pipelines.engines.base import RunContext  # noqa: E402
from pipelines.engines.local import LocalEngine, host_env  # noqa: E402
from pipelines.steps import ReportFile, Stage, Step  # noqa: E402
from pipelines.toolchains import get_toolchain  # noqa: E402
from pipelines.toolchains import go as go_toolchain  # noqa: E402
from pipelines.toolchains import rust as rust_toolchain  # noqa: E402
from pipelines.toolchains.base import ToolchainOptions  # noqa: E402

DEFAULT_OUTPUT = PROJECT / "reports" / "benchmarks" / "bench_compile_once.json"
STAGES = (Stage.BUILD, Stage.TEST, Stage.LINT)
TARGET_RATIO = 0.6
STEP_TIMEOUT_S = 3600.0
#: (service folder, repository-relative) of the small fixtures --quick uses.
QUICK = ("tests/fixtures/services/rust-svc", "tests/fixtures/services/go-svc")


def _before_rust(service: Service, stage: Stage) -> tuple[Step, ...]:
    """The Rust Steps before: release build, debug test, check-mode clippy, each in target/."""
    tc = rust_toolchain
    name = service.name

    def step(stage: Stage, label: str, argv: tuple[str, ...], **extra: object) -> Step:
        return Step(
            stage=stage,
            name=label,
            image=tc.RUST_IMAGE,
            argv=argv,
            env=dict(tc.ENV),
            caches=tc.CACHES,
            **extra,  # type: ignore[arg-type]
        )

    if stage is Stage.BUILD:
        argv = ("cargo", "build", "--release", "--locked", "--bin", name)
        return (step(stage, "cargo build", argv, outputs=(f"target/release/{name}",)),)
    if stage is Stage.TEST:
        report = tc.CARGO_TEST_REPORT
        return (
            step(
                stage,
                "cargo test",
                ("cargo", "test", "--locked"),
                stdout_to=report,
                reports=(ReportFile("cargo-test-text", report),),
            ),
        )
    clippy = ("cargo", "clippy", "--locked", "--all-targets", "--", "-D", "warnings")
    return (
        step(stage, "cargo clippy", clippy, tools=("cargo-clippy",)),
        step(stage, "cargo fmt", ("cargo", "fmt", "--check"), tools=("cargo-fmt", "rustfmt")),
    )


def _before_go(service: Service, stage: Stage) -> tuple[Step, ...]:
    """The Go Steps before: a static build, then test and vet with cgo on and full paths."""
    tc = go_toolchain
    name = service.name
    env = dict(tc.ENV)

    def step(label: str, argv: tuple[str, ...], **extra: object) -> Step:
        return Step(stage=stage, name=label, image=tc.GO_IMAGE, argv=argv, env=env,
                    caches=tc.CACHES, **extra)  # type: ignore[arg-type]  # fmt: skip

    if stage is Stage.BUILD:
        argv = ("go", "build", "-trimpath", "-ldflags=-s -w", "-o", f"bin/{name}", ".")
        built = step("go build", argv, outputs=(f"bin/{name}",))
        return (replace(built, env={**env, "CGO_ENABLED": "0"}),)
    if stage is Stage.TEST:
        report = tc.GO_TEST_REPORT
        return (
            step(
                "go test",
                ("go", "test", "-json", "./..."),
                stdout_to=report,
                reports=(ReportFile("go-test-json", report),),
            ),
        )
    return (step("go vet", ("go", "vet", "./...")), step("gofmt", ("gofmt", "-d", "-e", ".")))


BEFORE = {"rust": _before_rust, "go": _before_go}


def steps_of(way: str, service: Service, stage: Stage) -> tuple[Step, ...]:
    if way == "before":
        return BEFORE[service.language](service, stage)
    return get_toolchain(service.language).steps(service, stage, ToolchainOptions())


@dataclass(frozen=True)
class StepTime:
    stage: str
    name: str
    seconds: float


@dataclass(frozen=True)
class WayResult:
    way: str
    seconds: float
    stages: dict[str, float]
    steps: tuple[StepTime, ...]


def _checkout(scratch: Path) -> Path:
    """The committed repository in a fresh folder (no target/, bin/ or caches of a run)."""
    root = scratch / "repo"
    root.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", "--format=tar", "HEAD"],
        cwd=PROJECT,
        capture_output=True,
        timeout=300,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(root, filter="data")
    return root


def _seed(root: Path, service: Service, seed: Path, env: dict[str, str]) -> None:
    """Download the service's crates or Go modules into `seed` (once; reused after)."""
    folder = service.folder(root)
    if service.language == "rust":
        home = seed / "cargo-registry"
        argv, extra = ["cargo", "fetch", "--locked"], {"CARGO_HOME": str(home)}
    else:
        argv = ["go", "mod", "download"]
        extra = {"GOMODCACHE": str(seed / "go-mod"), "GOCACHE": str(seed / "go-build-seed")}
        extra["GOFLAGS"] = "-mod=readonly"
    subprocess.run(argv, cwd=folder, env={**env, **extra}, check=True, timeout=1800,
                   capture_output=True)  # fmt: skip


def _fresh_cache(scratch: Path, seed: Path) -> Path:
    """An empty cache dir whose module caches are the seed's (linked, not copied)."""
    cache = scratch / "cache"
    cache.mkdir(parents=True)
    for name in ("cargo-registry", "go-mod"):
        if (seed / name).exists():
            (cache / name).symlink_to(seed / name)
    return cache


def run_way(way: str, service_path: str, seed: Path, env: dict[str, str]) -> WayResult:
    """Build, test and lint one service from an empty build cache, one way."""
    scratch = Path(tempfile.mkdtemp(prefix=f"bench-compile-{way}-"))
    try:
        root = _checkout(scratch)
        service = load_service(root / service_path / "service.yaml", root)
        _seed(root, service, seed, env)
        ctx = RunContext(
            root=root,
            cache_dir=_fresh_cache(scratch, seed),
            report_dir=scratch / "reports",
            env=env,
            step_timeout_s=STEP_TIMEOUT_S,
        )
        engine = LocalEngine(env)
        times: list[StepTime] = []
        for stage in STAGES:
            for step in steps_of(way, service, stage):
                log = ctx.log_dir(service.name) / f"{stage.value}.log"
                started = time.perf_counter()
                outcome = anyio.run(engine.run_step, step, service, ctx, log)
                times.append(StepTime(stage.value, step.name, time.perf_counter() - started))
                print(f"{service.name} {way} {step.name}: {times[-1].seconds:.1f}s", flush=True)
                if not outcome.succeeded:
                    tail = log.read_text(errors="replace")[-1500:]
                    raise SystemExit(f"{way}: {service.name} {step.name} failed:\n{tail}")
        stages = {s.value: round(sum(t.seconds for t in times if t.stage == s.value), 2)
                  for s in STAGES}  # fmt: skip
        return WayResult(way, round(sum(stages.values()), 2), stages, tuple(times))
    finally:
        _remove(scratch)


def _remove(folder: Path) -> None:
    """Go's module cache is read-only; the seed is linked, not inside, so this is the build's."""

    def writable(function, path, _info):  # type: ignore[no-untyped-def]
        os.chmod(path, 0o700)
        function(path)

    shutil.rmtree(folder, onerror=writable)


def measure(service_path: str, runs: int, seed: Path, env: dict[str, str]) -> dict[str, object]:
    """`runs` of each way for one service, alternating which goes first."""
    results: dict[str, list[WayResult]] = {"before": [], "now": []}
    for run in range(runs):
        order = ("before", "now") if run % 2 == 0 else ("now", "before")
        for way in order:
            results[way].append(run_way(way, service_path, seed, env))
    totals = {way: sorted(r.seconds for r in rs) for way, rs in results.items()}
    medians = {way: ts[len(ts) // 2] for way, ts in totals.items()}
    return {
        "service": Path(service_path).name,
        "runs": {way: [asdict(r) for r in rs] for way, rs in results.items()},
        "median_s": medians,
        "ratio": round(medians["now"] / medians["before"], 3),
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", default="currency,cart", help="comma-separated names")
    parser.add_argument("--quick", action="store_true", help="the small rust/go fixtures")
    parser.add_argument("--runs", type=int, default=1, help="runs of each way per service")
    parser.add_argument("--seed-dir", type=Path, help="module downloads (default: a temp dir)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="result JSON")
    parser.add_argument("--check", action="store_true", help=f"exit 1 above {TARGET_RATIO}")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    paths = QUICK if args.quick else tuple(f"services/{s}" for s in args.services.split(","))
    env = host_env(os.environ, PROJECT)
    seed = args.seed_dir or Path(tempfile.mkdtemp(prefix="bench-compile-seed-"))
    seed.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        services = [measure(p, args.runs, seed, env) for p in paths]
    finally:
        if args.seed_dir is None:
            _remove(seed)
    result = {
        "benchmark": "build+test+lint from an empty build cache: before vs now",
        "runs": args.runs,
        "wall_s": round(time.perf_counter() - started, 1),
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
        },
        "services": services,
        "target_met": all(s["ratio"] <= TARGET_RATIO for s in services),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    for s in services:
        before = s["runs"]["before"][0]["stages"]  # type: ignore[index]
        now = s["runs"]["now"][0]["stages"]  # type: ignore[index]
        print(f"{s['service']}: before {s['median_s']['before']}s {before}")  # type: ignore[index]
        print(f"{s['service']}: now    {s['median_s']['now']}s {now}")  # type: ignore[index]
        print(f"{s['service']}: ratio  {s['ratio']}")
    print(f"target <= {TARGET_RATIO} met: {result['target_met']} -> {args.output}")
    return 1 if args.check and not result["target_met"] else 0


def test_compile_once_benchmark(tmp_path: Path) -> None:
    """Collected only when named: `pytest tests/benchmarks/bench_compile_once.py` (the fixtures
    with BENCH_COMPILE_QUICK=1). Fails when a step fails either way."""
    argv = ["--output", str(tmp_path / "result.json")]
    if os.environ.get("BENCH_COMPILE_QUICK") == "1":
        argv.append("--quick")
    assert main(argv) == 0
    result = json.loads((tmp_path / "result.json").read_text())
    assert all(s["ratio"] > 0 for s in result["services"])


if __name__ == "__main__":
    sys.exit(main())
