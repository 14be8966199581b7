#!/usr/bin/env python3
"""Benchmark: daemonless build + push of one service image against `docker build` + `docker push`.

The image stage builds and pushes without a daemon (pipelines.registry: a reproducible layer,
the base pulled from the registry, assembled and pushed blob by blob). Its yardstick is what CI
would otherwise run: a Dockerfile FROM the same base in the same registry, COPYing the same
build output, with the same USER, ENTRYPOINT and EXPOSE, built by a real dockerd and pushed to
the same registry in the same run. Both images are checked to be equivalent (same runtime
config, same files with the same owner and mode) before any time counts.

Three cases, each the median of --runs:
- cold: a new repository, and a Docker with no images and no build cache;
- warm: the same inputs rebuilt and pushed again to the same repository and tag (the layer cache
  the cold build filled spares the compression, as Docker's build cache spares its work);
- unchanged: what a pipeline run really does for inputs it already shipped: the daemonless side
  resolves the base, hashes the service's inputs (pipelines.images.inputs) and finds their
  `inputs-<hex>` tag in the registry, building nothing; Docker's side is its warm build + push.
Ratios are Docker's median over the daemonless median (above 1: daemonless is faster).

    python tests/benchmarks/bench_image.py                 # product-catalog's Go binary, 3 runs
    python tests/benchmarks/bench_image.py --quick         # a tiny static server, 1 run
    pytest tests/benchmarks/bench_image.py                 # as a test (BENCH_IMAGE_QUICK=1)

Needs root, dockerd (scripts/tools.d/45-docker.sh), docker-registry (40-registry.sh) and Go.
The payload build (`go build`, CGO_ENABLED=0) is done once, before timing: both sides ship it.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

PROJECT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "tests"))

from docker_fixtures import (  # noqa: E402
    DockerDaemon,
    build_health_server,
    go_env,
    require_docker,
    start_docker_daemon,
)
from registry_fixtures import (  # noqa: E402
    RegistryServer,
    push_static_base,
    require_binary,
    start_registry,
    stop,
)

from pipelines.catalog import load_catalog  # noqa: E402
from pipelines.images.inputs import input_digest, input_tag  # noqa: E402
from pipelines.registry import (  # noqa: E402
    ImageConfig,
    LayerFile,
    Owner,
    Reference,
    assemble,
    build_layer,
    pull_base,
    push_image,
)
from pipelines.registry.client import RegistryClient  # noqa: E402
from pipelines.stages import image_inputs  # noqa: E402
from pipelines.toolchains import toolchain_for  # noqa: E402
from pipelines.toolchains.base import ToolchainOptions  # noqa: E402

DEFAULT_OUTPUT = PROJECT / "reports" / "benchmarks" / "bench_image.json"
COMMIT_TIME = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
NONROOT = 65532
USERS = {"pusher": "bench-s3cret-Pa55"}
BASE_REPOSITORY, BASE_TAG = "base/static", "1"
PUSHED_DIGEST = re.compile(r"digest: (sha256:[0-9a-f]{64})")


@dataclass(frozen=True)
class Payload:
    """One service's build output: a static binary, its port and where it goes in the image."""

    name: str
    binary: Path
    port: int

    @property
    def image_path(self) -> str:
        return f"app/{self.name}"


@dataclass(frozen=True)
class Case:
    daemonless_s: tuple[float, ...]
    docker_s: tuple[float, ...]
    #: the part of daemonless_s spent building (tar + gzip) the service layer
    layer_s: tuple[float, ...]

    @property
    def daemonless_median_s(self) -> float:
        return round(statistics.median(self.daemonless_s), 4)

    @property
    def docker_median_s(self) -> float:
        return round(statistics.median(self.docker_s), 4)

    @property
    def ratio(self) -> float:
        return round(self.docker_median_s / self.daemonless_median_s, 2)

    def report(self) -> dict[str, Any]:
        return {
            "daemonless_s": list(self.daemonless_s),
            "docker_s": list(self.docker_s),
            "daemonless_median_s": self.daemonless_median_s,
            "daemonless_layer_median_s": round(statistics.median(self.layer_s), 4),
            "docker_median_s": self.docker_median_s,
            "ratio": self.ratio,
        }


def build_product_catalog(workdir: Path) -> Payload:
    """The real Go service, built as its toolchain builds it (static, stripped, trimpath)."""
    go = require_binary("go", "install Go 1.26 (https://go.dev/dl/) or Debian's golang-go")
    binary = workdir / "product-catalog"
    subprocess.run(
        [go, "build", "-trimpath", "-ldflags=-s -w", "-o", str(binary), "."],
        cwd=PROJECT / "services" / "product-catalog",
        env=go_env(os.environ),
        capture_output=True,
        check=True,
        timeout=900,
    )
    return Payload("product-catalog", binary, 3550)


def settings(payload: Payload) -> ImageConfig:
    return ImageConfig(
        entrypoint=(f"/{payload.image_path}",),
        user=str(NONROOT),
        exposed_ports=(str(payload.port),),
        created=COMMIT_TIME,
    )


def dockerfile(registry: RegistryServer, payload: Payload) -> str:
    """The Dockerfile a team would write for the same image."""
    return (
        f"FROM {registry.address}/{BASE_REPOSITORY}:{BASE_TAG}\n"
        f"COPY --chown={NONROOT}:{NONROOT} {payload.name} /{payload.image_path}\n"
        f"USER {NONROOT}\n"
        f"EXPOSE {payload.port}\n"
        f'ENTRYPOINT ["/{payload.image_path}"]\n'
    )


def daemonless_build_and_push(
    registry: RegistryServer,
    payload: Payload,
    repository: str,
    layer_s: list[float],
    tags: tuple[str, ...] = ("v1",),
    layer_cache: Path | None = None,
) -> str:
    """Layer, base, assemble, push: what the image stage does, from a fresh client and login.

    The layer's share of the time goes to `layer_s`: compression is most of a warm rebuild.
    """
    started = time.perf_counter()
    layer = build_layer(
        {payload.image_path: LayerFile(payload.binary, mode=0o755)},
        epoch=int(COMMIT_TIME.timestamp()),
        owner=Owner(NONROOT, NONROOT),
        cache_dir=layer_cache,
    )
    layer_s.append(round(time.perf_counter() - started, 4))
    with registry.client() as client:
        base = pull_base(client, Reference(client.registry, BASE_REPOSITORY, BASE_TAG))
        image = assemble(base, layer, settings(payload))
        return push_image(image, client, repository, tags, base_client=client).digest


def inputs_tag(client: RegistryClient) -> str:
    """The input-digest tag of product-catalog as it is in this checkout, on the bench's base."""
    catalog = load_catalog(PROJECT)
    service = catalog.get("product-catalog")
    assert service is not None
    base = pull_base(client, Reference(client.registry, BASE_REPOSITORY, BASE_TAG))
    inputs = image_inputs(service, toolchain_for(service), ToolchainOptions())
    digest = input_digest(PROJECT, inputs, base_digest=base.manifest.digest)
    return input_tag(digest)


def pipeline_unchanged(registry: RegistryServer, repository: str) -> str:
    """A run's check for shipped inputs: base resolved, inputs hashed, their tag looked up."""
    with registry.client() as client:
        found = client.head_manifest(repository, inputs_tag(client))
    if found is None:
        raise SystemExit("the input-digest tag pushed by the cold case is missing")
    return found


def docker_build_and_push(docker: DockerDaemon, context: Path, reference: str) -> str:
    docker.run("build", "--tag", reference, str(context), timeout=600)
    pushed = docker.run("push", reference, timeout=600).stdout
    match = PUSHED_DIGEST.search(pushed)
    if match is None:
        raise SystemExit(f"docker push printed no digest:\n{pushed}")
    return match.group(1)


def forget_everything(docker: DockerDaemon) -> None:
    """A cold Docker: no images (the base included) and no build cache."""
    images = docker.run("image", "ls", "--all", "--quiet").stdout.split()
    if images:
        docker.run("image", "rm", "--force", *sorted(set(images)), timeout=300)
    docker.run("builder", "prune", "--all", "--force", timeout=300)


def timed(action: Callable[[], str]) -> tuple[float, str]:
    started = time.perf_counter()
    digest = action()
    return round(time.perf_counter() - started, 4), digest


# -- equivalence: the two images must be the same image but for build metadata ------------------


def _image(registry: RegistryServer, repository: str, digest: str) -> tuple[dict[str, Any], bytes]:
    manifest = registry.read(
        f"/v2/{repository}/manifests/{digest}",
        accept="application/vnd.oci.image.manifest.v1+json,"
        "application/vnd.docker.distribution.manifest.v2+json",
    ).json()
    config = registry.read(f"/v2/{repository}/blobs/{manifest['config']['digest']}").json()
    top = registry.read(f"/v2/{repository}/blobs/{manifest['layers'][-1]['digest']}").content
    return {"manifest": manifest, "config": config}, gzip.decompress(top)


def _files(layer_tar: bytes) -> dict[str, tuple[int, int, int, bytes]]:
    """Regular files of a layer: path -> (uid, gid, mode, content)."""
    files = {}
    with tarfile.open(fileobj=io.BytesIO(layer_tar)) as tar:
        for member in tar.getmembers():
            if member.isfile():
                handle = tar.extractfile(member)
                content = handle.read() if handle is not None else b""
                files[member.name] = (member.uid, member.gid, member.mode & 0o7777, content)
    return files


RUNTIME_KEYS = ("Entrypoint", "User", "ExposedPorts", "Env", "WorkingDir")


def check_equivalent(
    registry: RegistryServer, daemonless: tuple[str, str], docker: tuple[str, str]
) -> None:
    ours, our_layer = _image(registry, *daemonless)
    theirs, their_layer = _image(registry, *docker)
    problems = []
    for key in RUNTIME_KEYS:
        mine, other = ours["config"]["config"].get(key), theirs["config"]["config"].get(key)
        if (mine or None) != (other or None):
            problems.append(f"config {key}: daemonless {mine!r} vs docker {other!r}")
    our_base = [layer["digest"] for layer in ours["manifest"]["layers"][:-1]]
    if our_base != [layer["digest"] for layer in theirs["manifest"]["layers"][:-1]]:
        problems.append("the images do not share the same base layers")
    if _files(our_layer) != _files(their_layer):
        problems.append("the service layers hold different files, owners or modes")
    if problems:
        raise SystemExit("images are not equivalent, nothing timed:\n" + "\n".join(problems))


# -- the run --------------------------------------------------------------------------------------


@contextmanager
def environment(scratch: Path) -> Iterator[tuple[RegistryServer, DockerDaemon]]:
    registry = start_registry(scratch / "registry", USERS)
    docker: DockerDaemon | None = None
    try:
        with registry.client() as client:
            push_static_base(client, BASE_REPOSITORY, BASE_TAG)
        docker = start_docker_daemon(scratch / "docker")
        docker.login(registry)
        yield registry, docker
    finally:
        if docker is not None:
            docker.stop()
        stop(registry.process)


def run(args: argparse.Namespace) -> dict[str, Any]:
    scratch = Path(tempfile.mkdtemp(prefix="bench-image-"))
    try:
        payload = (
            Payload("healthz", build_health_server(scratch), 8080)
            if args.quick
            else build_product_catalog(scratch)
        )
        payload_bytes = payload.binary.stat().st_size
        with environment(scratch) as (registry, docker):
            docker.env["DOCKER_BUILDKIT"] = "1" if args.builder == "buildkit" else "0"
            context = scratch / "context"
            context.mkdir()
            shutil.copy2(payload.binary, context / payload.name)
            (context / "Dockerfile").write_text(dockerfile(registry, payload))
            cold_ours, cold_docker, warm_ours, warm_docker = [], [], [], []
            unchanged_ours: list[float] = []
            with registry.client() as client:
                shipped = ("v1", inputs_tag(client))
            cold_layer: list[float] = []
            warm_layer: list[float] = []
            for attempt in range(args.runs):
                ours_repo, docker_repo = f"bench/daemonless-{attempt}", f"bench/docker-{attempt}"
                # A fresh layer cache per attempt: cold compresses, warm finds the layer.
                layer_cache = scratch / f"layers-{attempt}"
                docker_ref = f"{registry.address}/{docker_repo}:v1"
                forget_everything(docker)
                seconds, our_digest = timed(
                    lambda repo=ours_repo, cache=layer_cache: daemonless_build_and_push(
                        registry, payload, repo, cold_layer, shipped, cache
                    )
                )
                cold_ours.append(seconds)
                seconds, docker_digest = timed(
                    lambda ref=docker_ref: docker_build_and_push(docker, context, ref)
                )
                cold_docker.append(seconds)
                if attempt == 0:
                    check_equivalent(
                        registry, (ours_repo, our_digest), (docker_repo, docker_digest)
                    )
                seconds, again = timed(
                    lambda repo=ours_repo, cache=layer_cache: daemonless_build_and_push(
                        registry, payload, repo, warm_layer, ("v1",), cache
                    )
                )
                warm_ours.append(seconds)
                if again != our_digest:
                    raise SystemExit(f"daemonless rebuild changed the digest: {again}")
                seconds, found = timed(lambda repo=ours_repo: pipeline_unchanged(registry, repo))
                unchanged_ours.append(seconds)
                if found != our_digest:
                    raise SystemExit(f"the input-digest tag names {found}, not {our_digest}")
                seconds, _ = timed(
                    lambda ref=docker_ref: docker_build_and_push(docker, context, ref)
                )
                warm_docker.append(seconds)
            docker_version = docker.run("version", "--format", "{{.Server.Version}}").stdout
            daemon = {
                "version": docker_version.strip(),
                "storage_driver": docker.storage_driver,
                "flags": list(docker.flags),
                "builder": args.builder,
            }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    cold, warm, unchanged = (
        Case(tuple(cold_ours), tuple(cold_docker), tuple(cold_layer)),
        Case(tuple(warm_ours), tuple(warm_docker), tuple(warm_layer)),
        Case(tuple(unchanged_ours), tuple(warm_docker), (0.0,)),
    )
    return {
        "benchmark": "daemonless build+push vs docker build+push",
        "payload": {"service": payload.name, "bytes": payload_bytes},
        "daemonless": "pipelines.registry: build_layer + pull_base + assemble + push_image",
        "docker": daemon,
        "runs": args.runs,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "cold": cold.report(),
        "warm": warm.report(),
        "unchanged": unchanged.report(),
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tiny static server, 1 run")
    parser.add_argument("--runs", type=int, help="runs per case (median); 3, or 1 with --quick")
    parser.add_argument("--builder", choices=("buildkit", "legacy"), default="buildkit")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="result JSON")
    parser.add_argument(
        "--min-ratio", type=float, help="fail when the cold or warm ratio falls below it"
    )
    args = parser.parse_args(argv)
    if args.runs is None:
        args.runs = 1 if args.quick else 3
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        result = run(args)
    except (pytest.skip.Exception, pytest.fail.Exception) as missing:  # a tool is missing
        print(missing.msg, file=sys.stderr)
        return 2
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    payload = result["payload"]
    print(f"{payload['service']} ({payload['bytes']} bytes), {args.runs} run(s), {args.builder}")
    print(f"{'case':<9} {'daemonless s':>13} {'docker s':>9} {'ratio':>6}")
    for case in ("cold", "warm", "unchanged"):
        row = result[case]
        print(
            f"{case:<9} {row['daemonless_median_s']:>13.3f} {row['docker_median_s']:>9.3f} "
            f"{row['ratio']:>6.1f}"
        )
    print(f"-> {args.output}")
    if args.min_ratio is not None:
        low = [case for case in ("cold", "warm") if result[case]["ratio"] < args.min_ratio]
        if low:
            print(f"ratio below --min-ratio {args.min_ratio}: {', '.join(low)}", file=sys.stderr)
            return 1
    return 0


def test_image_benchmark(tmp_path: Path) -> None:
    """Collected only when named: `pytest tests/benchmarks/bench_image.py` (quick with
    BENCH_IMAGE_QUICK=1). Fails on non-equivalent images or below BENCH_IMAGE_MIN_RATIO."""
    require_docker()
    argv = ["--output", str(tmp_path / "bench_image.json")]
    if os.environ.get("BENCH_IMAGE_QUICK") == "1":
        argv.append("--quick")
    if limit := os.environ.get("BENCH_IMAGE_MIN_RATIO"):
        argv += ["--min-ratio", limit]
    assert main(argv) == 0
    result = json.loads((tmp_path / "bench_image.json").read_text())
    assert result["cold"]["ratio"] > 0 and result["warm"]["ratio"] > 0


if __name__ == "__main__":
    sys.exit(main())
