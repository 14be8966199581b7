"""An image built and pushed without a daemon is an ordinary image to a real Docker.

The payload is a static Go HTTP server built in the test's tmp dir; the image is the test's
static base plus one layer, pushed with pipelines.registry to a registry with token logins,
then pulled by digest and run by dockerd (Debian's docker.io, a private daemon per session).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from docker_fixtures import build_health_server, serve_health

from pipelines.registry import (
    ImageConfig,
    LayerFile,
    Owner,
    assemble,
    build_layer,
    pull_base,
    push_image,
)

if TYPE_CHECKING:
    from docker_fixtures import DockerDaemon
    from registry_fixtures import RegistryServer, StaticBase

pytestmark = pytest.mark.slow

COMMIT_TIME = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
NONROOT = 65532


def push_health_image(
    registry: RegistryServer, base: StaticBase, binary: Path, repository: str
) -> str:
    """The static base plus /app/healthz, as the image stage would push it; returns the digest."""
    layer = build_layer(
        {"app/healthz": LayerFile(binary, mode=0o755)},
        epoch=int(COMMIT_TIME.timestamp()),
        owner=Owner(NONROOT, NONROOT),
    )
    settings = ImageConfig(
        entrypoint=("/app/healthz",),
        user=str(NONROOT),
        exposed_ports=("8080",),
        env=(("PORT", "8080"),),
        created=COMMIT_TIME,
    )
    with registry.client() as client:
        image = assemble(pull_base(client, base.reference), layer, settings)
        result = push_image(image, client, repository, ("v1",), base_client=client)
    return result.digest


def test_daemonless_image_pulls_by_digest_and_serves_as_nonroot_under_docker(
    docker_daemon: DockerDaemon,
    upstream_registry: RegistryServer,
    static_base: StaticBase,
    tmp_path: Path,
) -> None:
    digest = push_health_image(
        upstream_registry, static_base, build_health_server(tmp_path), "commerce/healthz"
    )
    reference = f"{upstream_registry.address}/commerce/healthz@{digest}"
    docker_daemon.login(upstream_registry)
    docker_daemon.run("pull", reference)

    inspected = docker_daemon.run(
        "image", "inspect", "--format", "{{json .RepoDigests}} {{.Config.User}}", reference
    ).stdout
    assert digest in inspected and inspected.strip().endswith(f" {NONROOT}")

    served = serve_health(docker_daemon, reference)
    assert served.response.status_code == 200
    assert served.response.text == f"ok uid={NONROOT}\n"
    assert served.uid_line.split()[1:] == [str(NONROOT)] * 4  # real, effective, saved, filesystem


def test_docker_pull_from_the_test_registry_needs_the_login(
    docker_daemon: DockerDaemon, upstream_registry: RegistryServer, static_base: StaticBase
) -> None:
    reference = f"{upstream_registry.address}/{static_base.reference.repository}:1"
    refused = docker_daemon.run("pull", reference, check=False)
    assert refused.returncode != 0
    assert "unauthorized" in refused.stderr.lower() or "denied" in refused.stderr.lower()

    docker_daemon.login(upstream_registry)
    docker_daemon.run("pull", reference)
    docker_daemon.run("image", "rm", reference)
