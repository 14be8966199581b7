#!/usr/bin/env python3
"""Benchmark: `commerce-ci plan` against `git diff --name-only` on a generated monorepo.

`plan` runs at the start of every CI run, so its cost is measured against the floor it cannot
beat: git listing the same change. The script generates (with `git fast-import`, in seconds) a
repository of N services and M commits with merges, renames between services, deletes, shared
protos and the odd engine change; then, for several revision pairs, times both commands as
fresh processes and reports the ratio of their medians. Every plan is checked against git's own
path count, so a fast but wrong plan fails the benchmark.

    python tests/benchmarks/bench_plan.py                 # 500 services, 5,000 commits
    python tests/benchmarks/bench_plan.py --quick         # a few seconds: smoke size
    pytest tests/benchmarks/bench_plan.py                 # the same, as a test (BENCH_PLAN_QUICK=1)

The plan command is the installed console script when it has a `plan` subcommand
(`--runner cli`), otherwise a Python one-liner calling `pipelines.plan.plan_changes` directly
(`--runner python`); `--runner auto` picks the first that works.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
DEFAULT_OUTPUT = PROJECT / "reports" / "benchmarks" / "bench_plan.json"
TIMEOUT_S = 300.0
#: Revision pairs, as first-parent distances of base behind head (clamped to the history).
DISTANCES = (1, 10, 100, 1000, None)  # None: the whole history, from the root commit

PYTHON_PLAN = """\
import json, sys
from pathlib import Path
from pipelines.catalog import load_catalog
from pipelines.plan import plan_changes
root = Path(sys.argv[1])
print(json.dumps(plan_changes(load_catalog(root), root, sys.argv[2], sys.argv[3]).to_json()))
"""

SERVICE_YAML = """\
name: {name}
language: go
description: Generated service {name}
port: 8080
inputs: [{inputs}]
image:
  repository: commerce/{name}
"""


@dataclass(frozen=True)
class Size:
    services: int
    commits: int


FULL = Size(services=500, commits=5000)
QUICK = Size(services=12, commits=80)


# --- generating the repository ---------------------------------------------------------------


class _Stream:
    """Builds a `git fast-import` stream while tracking the tree, so each op stays valid."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.parts: list[bytes] = []
        self.mark = 0
        self.clock = 1_700_000_000
        self.commits = 0

    def _data(self, text: str) -> bytes:
        raw = text.encode()
        return b"data %d\n%s\n" % (len(raw), raw)

    def commit(self, ref: str, message: str, ops: list[bytes], parents: Sequence[int]) -> int:
        self.mark += 1
        self.clock += 60
        self.commits += 1
        who = b"Bench <bench@example.invalid> %d +0000" % self.clock
        head = b"commit %s\nmark :%d\nauthor %s\ncommitter %s\n" % (
            ref.encode(),
            self.mark,
            who,
            who,
        )
        links = b"".join(
            b"%s :%d\n" % (b"from" if i == 0 else b"merge", p) for i, p in enumerate(parents)
        )
        self.parts.append(head + self._data(message) + links + b"".join(ops) + b"\n")
        return self.mark

    def put(self, path: str, text: str) -> bytes:
        return b"M 100644 inline %s\n%s" % (path.encode(), self._data(text))

    @staticmethod
    def delete(path: str) -> bytes:
        return b"D %s\n" % path.encode()

    @staticmethod
    def rename(old: str, new: str) -> bytes:
        return b"R %s %s\n" % (old.encode(), new.encode())


class _Tree:
    """The source files the generator may edit, move or delete (never service.yaml or go.mod)."""

    def __init__(self, services: list[str]):
        self.services = services
        self.sources: dict[str, list[str]] = {s: [] for s in services}
        self.counter = 0

    def new_name(self, service: str) -> str:
        self.counter += 1
        return f"services/{service}/pkg/p{self.counter % 7}/f{self.counter}.go"


def _initial_ops(stream: _Stream, tree: _Tree) -> list[bytes]:
    ops = [
        stream.put("pyproject.toml", '[project]\nname = "shop"\n'),
        stream.put("pipelines/engine.py", "VERSION = 1\n"),
        stream.put("README.md", "# generated shop\n"),
    ]
    ops += [stream.put(f"proto/api{i}.proto", f'syntax = "proto3"; // {i}\n') for i in range(8)]
    ops += [stream.put(f"libs/lib-{i:02}/src/util.go", f"package lib{i}\n") for i in range(20)]
    for index, name in enumerate(tree.services):
        inputs = []
        if index % 5 == 0:
            inputs.append("proto/**")
        if index % 3 == 0:
            inputs.append(f"libs/lib-{index % 20:02}/**/*.go")
        ops.append(
            stream.put(
                f"services/{name}/service.yaml",
                SERVICE_YAML.format(name=name, inputs=", ".join(inputs)),
            )
        )
        ops.append(stream.put(f"services/{name}/go.mod", f"module {name}\n\ngo 1.22\n"))
        for _ in range(2):
            path = tree.new_name(name)
            tree.sources[name].append(path)
            ops.append(stream.put(path, f"package {name.replace('-', '')}\n// {path}\n"))
    return ops


def _random_ops(stream: _Stream, tree: _Tree) -> list[bytes]:
    """One commit's worth of edits, weighted like a busy monorepo's history."""
    rng = stream.rng
    ops: list[bytes] = []
    for _ in range(rng.randint(1, 3)):
        roll = rng.random()
        service = rng.choice(tree.services)
        files = tree.sources[service]
        if roll < 0.03:
            ops.append(stream.put(f"proto/api{rng.randrange(8)}.proto", f"// rev {rng.random()}\n"))
        elif roll < 0.05:
            path = f"libs/lib-{rng.randrange(20):02}/src/util.go"
            ops.append(stream.put(path, f"package lib // {rng.random()}\n"))
        elif roll < 0.052:
            ops.append(stream.put("pipelines/engine.py", f"VERSION = {rng.random()}\n"))
        elif roll < 0.10 and len(files) > 1:
            ops.append(stream.delete(files.pop(rng.randrange(len(files)))))
        elif roll < 0.15 and files:
            old = files.pop(rng.randrange(len(files)))
            target = rng.choice(tree.services)
            new = tree.new_name(target)
            tree.sources[target].append(new)
            ops.append(stream.rename(old, new))
        elif roll < 0.30 or not files:
            path = tree.new_name(service)
            files.append(path)
            ops.append(stream.put(path, f"package x\n// added {rng.random()}\n"))
        else:
            path = rng.choice(files)
            ops.append(stream.put(path, f"package x\n// edit {rng.random()}\n"))
    return ops


def generate(root: Path, size: Size, env: dict[str, str], seed: int = 7) -> float:
    """Create the repository at `root` (checked out at main); returns seconds taken."""
    started = time.perf_counter()
    root.mkdir(parents=True)
    _git(root, env, "init", "-q", "-b", "main")
    services = [f"svc-{i:03}" for i in range(size.services)]
    stream, tree = _Stream(seed), _Tree(services)
    main = stream.commit("refs/heads/main", "initial", _initial_ops(stream, tree), [])
    while stream.commits < size.commits:
        if stream.commits % 50 == 0 and size.commits - stream.commits > 4:
            # A short topic branch merged back with --no-ff, as pull requests land. Main does
            # not move meanwhile, so replaying the topic's ops on main gives the merged tree.
            side, replay = main, []
            for n in range(3):
                ops = _random_ops(stream, tree)
                replay += ops
                side = stream.commit("refs/heads/topic", f"topic {n}", ops, [side])
            main = stream.commit("refs/heads/main", "merge topic", replay, [main, side])
            continue
        ops = _random_ops(stream, tree)
        main = stream.commit("refs/heads/main", f"change {stream.commits}", ops, [main])
    data = b"".join(stream.parts)
    subprocess.run(
        ["git", "fast-import", "--quiet"],
        cwd=root,
        env=env,
        input=data,
        check=True,
        timeout=TIMEOUT_S,
    )
    _git(root, env, "reset", "-q", "--hard", "main")
    return time.perf_counter() - started


def _git(root: Path, env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        ["git", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


# --- timing ----------------------------------------------------------------------------------


def _venv_bin(name: str) -> Path:
    return PROJECT / ".venv" / "bin" / name


def plan_command(runner: str, python: str, env: dict[str, str]) -> tuple[str, list[str]]:
    """(runner used, argv prefix) of the plan command; base, head (and root) are appended."""
    cli = _venv_bin("commerce-ci")
    if runner in ("auto", "cli") and cli.exists():
        probe = subprocess.run(
            [str(cli), "plan", "--help"], env=env, capture_output=True, timeout=60, check=False
        )
        if probe.returncode == 0:
            return "cli", [str(cli), "plan", "--json"]
        if runner == "cli":
            raise SystemExit(f"{cli} has no working `plan` subcommand: {probe.stderr[-300:]!r}")
    elif runner == "cli":
        raise SystemExit(f"{cli} is not installed: pip install -e . in {PROJECT}")
    return "python", [python, "-c", PYTHON_PLAN]


def _argv(runner: str, prefix: list[str], root: Path, base: str, head: str) -> list[str]:
    if runner == "cli":
        return [*prefix, "--base", base, "--head", head]
    return [*prefix, str(root), base, head]


def _timed(argv: list[str], root: Path, env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(
        argv, cwd=root, env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{argv[0]} exited {result.returncode}: {result.stderr.strip()[-600:]}")
    return elapsed, result.stdout


@dataclass(frozen=True)
class PairResult:
    label: str
    base: str
    head: str
    changed_paths: int
    services: int
    plan_median_s: float
    git_median_s: float
    ratio: float


def measure_pair(
    root: Path,
    env: dict[str, str],
    runner: str,
    prefix: list[str],
    label: str,
    base: str,
    head: str,
    runs: int,
) -> PairResult:
    """Median of `runs` alternating runs of each command, after one warm-up of each."""
    plan_argv = _argv(runner, prefix, root, base, head)
    git_argv = ["git", "diff", "--name-only", base, head]
    _, out = _timed(plan_argv, root, env)
    _timed(git_argv, root, env)
    plan = json.loads(out)
    # Both sides of every rename: the path count git gives with rename detection off.
    expected = (
        len(_git(root, env, "diff", "--no-renames", "--name-only", "-z", base, head).split("\0"))
        - 1
    )
    if plan["changed_paths"] != expected:
        raise SystemExit(
            f"{label}: plan counted {plan['changed_paths']} changed paths, git {expected}"
        )
    if expected and not plan["services"]:
        raise SystemExit(f"{label}: {expected} paths changed but the plan affects no service")
    plan_times, git_times = [], []
    for _ in range(runs):
        plan_times.append(_timed(plan_argv, root, env)[0])
        git_times.append(_timed(git_argv, root, env)[0])
    plan_s, git_s = statistics.median(plan_times), statistics.median(git_times)
    return PairResult(
        label=label,
        base=base,
        head=head,
        changed_paths=expected,
        services=len(plan["services"]),
        plan_median_s=round(plan_s, 5),
        git_median_s=round(git_s, 5),
        ratio=round(plan_s / git_s, 2),
    )


def revision_pairs(root: Path, env: dict[str, str]) -> list[tuple[str, str, str]]:
    """(label, base, head): first-parent ancestors of main at several distances, as shas."""
    chain = _git(root, env, "rev-list", "--first-parent", "main").split()
    head, pairs, seen = chain[0], [], set()
    for distance in DISTANCES:
        steps = len(chain) - 1 if distance is None else min(distance, len(chain) - 1)
        if steps in seen or steps == 0:
            continue
        seen.add(steps)
        pairs.append((f"main~{steps}..main", chain[steps], head))
    return pairs


# --- entry points ----------------------------------------------------------------------------


def _clean_env() -> dict[str, str]:
    """The caller's environment minus anything that would make git read personal config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"})
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT), env.get("PYTHONPATH")]))
    return env


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"smoke size: {QUICK}")
    parser.add_argument("--services", type=int, help=f"services to generate ({FULL.services})")
    parser.add_argument("--commits", type=int, help=f"commits to generate ({FULL.commits})")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per pair (median)")
    parser.add_argument("--runner", choices=("auto", "cli", "python"), default="auto")
    parser.add_argument("--python", default=None, help="interpreter for --runner python")
    parser.add_argument("--repo", type=Path, help="reuse (or create) the generated repo here")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="result JSON")
    parser.add_argument("--max-ratio", type=float, help="fail when the median ratio exceeds it")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> dict[str, object]:
    base_size = QUICK if args.quick else FULL
    size = Size(args.services or base_size.services, args.commits or base_size.commits)
    env = _clean_env()
    python = args.python or str(
        _venv_bin("python") if _venv_bin("python").exists() else sys.executable
    )
    runner, prefix = plan_command(args.runner, python, env)
    scratch = None
    if args.repo is None:
        scratch = Path(tempfile.mkdtemp(prefix="bench-plan-"))
        root = scratch / "repo"
    else:
        root = args.repo.resolve()
    try:
        marker = root / ".git" / "bench-plan-size.json"
        if marker.exists() and json.loads(marker.read_text()) == asdict(size):
            generated_s = None
        else:
            if root.exists():
                shutil.rmtree(root)
            generated_s = round(generate(root, size, env), 2)
            marker.write_text(json.dumps(asdict(size)))
        commits = int(_git(root, env, "rev-list", "--count", "--all").strip())
        pairs = [
            measure_pair(root, env, runner, prefix, label, base, head, args.runs)
            for label, base, head in revision_pairs(root, env)
        ]
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    ratios = [p.ratio for p in pairs]
    return {
        "benchmark": "plan vs git diff --name-only",
        "size": asdict(size),
        "commits_in_repo": commits,
        "generated_s": generated_s,
        "runner": runner,
        "runs": args.runs,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "pairs": [asdict(p) for p in pairs],
        "ratio_median": statistics.median(ratios),
        "ratio_max": max(ratios),
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    result = run(args)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{'pair':<22} {'paths':>6} {'svcs':>5} {'plan ms':>9} {'git ms':>8} {'ratio':>6}")
    for pair in result["pairs"]:  # type: ignore[union-attr]
        print(
            f"{pair['label']:<22} {pair['changed_paths']:>6} {pair['services']:>5} "
            f"{pair['plan_median_s'] * 1000:>9.1f} {pair['git_median_s'] * 1000:>8.1f} "
            f"{pair['ratio']:>6.1f}"
        )
    print(f"runner={result['runner']} median ratio {result['ratio_median']}x -> {args.output}")
    if args.max_ratio is not None and result["ratio_median"] > args.max_ratio:  # type: ignore[operator]
        print(f"median ratio exceeds --max-ratio {args.max_ratio}", file=sys.stderr)
        return 1
    return 0


def test_plan_benchmark(tmp_path: Path) -> None:
    """Collected only when named: `pytest tests/benchmarks/bench_plan.py` (quick with
    BENCH_PLAN_QUICK=1). Fails on a wrong plan or on BENCH_PLAN_MAX_RATIO being exceeded."""
    argv = ["--output", str(tmp_path / "bench_plan.json")]
    if os.environ.get("BENCH_PLAN_QUICK") == "1":
        argv.append("--quick")
    if limit := os.environ.get("BENCH_PLAN_MAX_RATIO"):
        argv += ["--max-ratio", limit]
    assert main(argv) == 0
    result = json.loads((tmp_path / "bench_plan.json").read_text())
    assert result["pairs"] and all(p["ratio"] > 0 for p in result["pairs"])


if __name__ == "__main__":
    sys.exit(main())
