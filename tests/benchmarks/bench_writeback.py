"""Benchmark: N write-backs of different services started at once against one bare remote.

Each writer is its own runner (own process by default, own work dir, own clone), as on N CI
machines releasing at the same moment; they race at the remote, where rejected pushes fetch,
rebase and retry with jittered backoff. The run fails unless every write-back landed: N new
commits, every writer's digest in its file at the end, no lost update. It reports the time to
land (start signal to pushed) as p50/p95/max and the push attempts.

    .venv/bin/python tests/benchmarks/bench_writeback.py                  # 20 writers, processes
    .venv/bin/python tests/benchmarks/bench_writeback.py --writers 8 --mode threads
    .venv/bin/pytest tests/benchmarks/bench_writeback.py                  # as a test
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pipelines.gitops.commands import GitOpsOptions, ImageUpdate, write_back  # noqa: E402
from pipelines.gitops.git import seed_local_remote  # noqa: E402
from pipelines.gitops.values import read_image  # noqa: E402

SERVICES = sorted(p.stem for p in (ROOT / "argocd" / "envs" / "dev").glob("*.yaml"))
TARGETS = [(service, env) for env in ("dev", "prod") for service in SERVICES]


def digest_for(index: int) -> str:
    return "sha256:" + hashlib.sha256(f"writer-{index}".encode()).hexdigest()


def one_writer(index: int, remote: str, workdir: str, start_at: float) -> dict[str, Any]:
    """Waits for the common start, then writes back one image; returns its timing."""
    service, env = TARGETS[index]
    update = ImageUpdate(
        service,
        env,
        f"registry.local/commerce/{service}",
        f"v1.0.{index}",
        digest_for(index),
        f"{index:040x}",
    )
    options = GitOpsOptions(workdir=Path(workdir) / f"runner-{index}", environ=dict(os.environ))
    time.sleep(max(0.0, start_at - time.time()))
    started = time.time()
    result = write_back(remote, [update], options=options)
    return {
        "index": index,
        "file": result.files[0],
        "land_s": round(time.time() - started, 4),
        "attempts": result.attempts,
    }


def _process_main(index: int, remote: str, workdir: str, start_at: float, queue: Any) -> None:
    try:
        queue.put(one_writer(index, remote, workdir, start_at))
    except Exception as exc:  # reported by the parent as a lost write-back
        queue.put({"index": index, "error": f"{type(exc).__name__}: {exc}"})


def run_writers(writers: int, mode: str, remote: Path, workdir: Path) -> list[dict[str, Any]]:
    start_at = time.time() + (1.5 if mode == "processes" else 0.3)
    results: list[dict[str, Any]] = []
    if mode == "processes":
        context = multiprocessing.get_context("fork")
        queue = context.Queue()
        procs = [
            context.Process(
                target=_process_main, args=(i, str(remote), str(workdir), start_at, queue)
            )
            for i in range(writers)
        ]
        for proc in procs:
            proc.start()
        results = [queue.get(timeout=600) for _ in procs]
        for proc in procs:
            proc.join(60)
    else:
        lock = threading.Lock()

        def thread_main(index: int) -> None:
            try:
                outcome = one_writer(index, str(remote), str(workdir), start_at)
            except Exception as exc:
                outcome = {"index": index, "error": f"{type(exc).__name__}: {exc}"}
            with lock:
                results.append(outcome)

        threads = [threading.Thread(target=thread_main, args=(i,)) for i in range(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(600)
    return sorted(results, key=lambda r: r["index"])


def _git(remote: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(remote), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout


def verify(remote: Path, writers: int, commits_before: int, results: list[dict[str, Any]]) -> None:
    """Every write-back landed, each as its own commit, and no one overwrote another."""
    errors = [r for r in results if "error" in r]
    if errors or len(results) != writers:
        raise SystemExit(f"lost write-backs: {errors or len(results)}")
    commits = int(_git(remote, "rev-list", "--count", "main"))
    if commits != commits_before + writers:
        raise SystemExit(f"expected {writers} new commits, found {commits - commits_before}")
    for index in range(writers):
        service, env = TARGETS[index]
        text = _git(remote, "show", f"main:argocd/envs/{env}/{service}.yaml")
        if read_image(text).digest != digest_for(index):
            raise SystemExit(f"lost update: {env}/{service} lacks writer {index}'s digest")


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench(writers: int, mode: str, scratch: Path) -> dict[str, Any]:
    if not 1 <= writers <= len(TARGETS):
        raise SystemExit(f"--writers must be 1..{len(TARGETS)} (one values file each)")
    remote = seed_local_remote(ROOT, scratch / "remote.git", os.environ)
    before = int(_git(remote, "rev-list", "--count", "main"))
    started = time.monotonic()
    results = run_writers(writers, mode, remote, scratch / "work")
    wall = time.monotonic() - started
    verify(remote, writers, before, results)
    lands = [r["land_s"] for r in results]
    attempts = [r["attempts"] for r in results]
    return {
        "writers": writers,
        "mode": mode,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "commits_landed": writers,
        "land_p50_s": round(statistics.median(lands), 3),
        "land_p95_s": round(percentile(lands, 0.95), 3),
        "land_max_s": round(max(lands), 3),
        "attempts_mean": round(statistics.mean(attempts), 2),
        "attempts_max": max(attempts),
        "wall_s": round(wall, 3),
        "results": results,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--mode", choices=("processes", "threads"), default="processes")
    parser.add_argument(
        "--output", type=Path, default=ROOT / "reports" / "benchmarks" / "bench_writeback.json"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-writeback-") as scratch:
        data = bench(args.writers, args.mode, Path(scratch))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(data, indent=2) + "\n")
    print(
        f"{data['writers']} write-backs ({data['mode']}) all landed: "
        f"p50 {data['land_p50_s']}s, p95 {data['land_p95_s']}s, max {data['land_max_s']}s, "
        f"pushes per write-back mean {data['attempts_mean']} max {data['attempts_max']}"
    )
    return 0


def test_twenty_concurrent_write_backs_all_land(tmp_path: Path) -> None:
    data = bench(20, "processes", tmp_path)
    assert data["commits_landed"] == 20
    assert data["land_p50_s"] <= data["land_p95_s"] <= data["land_max_s"]


if __name__ == "__main__":
    sys.exit(main())
