"""Runtime bases through the pull-through cache, and reproducible pushes, with LocalPublisher on
real registries: the bases live upstream (token logins), a proxy-mode registry with logins of its
own mirrors them, and the images go to a third registry."""

from __future__ import annotations

import subprocess
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from registry_fixtures import RegistryServer
from testenv import PROJECT_ROOT

from pipelines.catalog import load_catalog
from pipelines.images.bases import publish_base
from pipelines.images.config import ImageSettings, RegistryTarget
from pipelines.images.local import LocalPublisher
from pipelines.images.recipe import ImageError, ImageMeta
from pipelines.stages import image_inputs
from pipelines.toolchains import toolchain_for
from pipelines.toolchains.base import ToolchainOptions

OPTIONS = ToolchainOptions()

NAMES = ("go-a", "go-b", "go-c")
META = ImageMeta(
    "https://example.com/shop.git", "f" * 40, "1.0.0", datetime(2026, 3, 1, tzinfo=UTC)
)
BASES_CACHE = PROJECT_ROOT / ".cache" / "commerce-ci"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for name in NAMES:
        folder = tmp_path / "services" / name
        (folder / "bin").mkdir(parents=True)
        (folder / "service.yaml").write_text(
            f"name: {name}\nlanguage: go\ndescription: d\nport: 8080\n"
            f"image:\n  repository: commerce/{name}\n"
        )
        (folder / "go.mod").write_text(f"module example.com/{name}\n\ngo 1.22\n")
        (folder / "bin" / name).write_bytes(b"\x7fELF pretend binary of " + name.encode())
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True, timeout=30)
    return tmp_path


def _settings(target: RegistryServer, upstream: RegistryServer, mirror: RegistryServer | None):
    return ImageSettings(
        target=RegistryTarget(target.address),
        meta=META,
        commit_tag="fffffffffff0",
        bases=RegistryTarget(upstream.address, "commerce-ci/base"),
        mirror=mirror.address if mirror else None,
        credentials=target.credentials,
        base_credentials=upstream.credentials,
        mirror_credentials=mirror.credentials if mirror else None,
    )


def _publish_all(publisher: LocalPublisher, root: Path, log: Path) -> dict[str, str]:
    catalog = load_catalog(root)

    def one(name: str) -> str:
        service = catalog.get(name)
        assert service is not None
        publisher.build_sync(image_inputs(service, toolchain_for(service), OPTIONS), log)
        return publisher.push_sync(service, log).digest

    with ThreadPoolExecutor(max_workers=len(NAMES)) as pool:
        return dict(zip(NAMES, pool.map(one, NAMES), strict=True))


@pytest.fixture
def static_in_upstream(upstream_registry: RegistryServer) -> str:
    with upstream_registry.client() as client:
        return publish_base(client, "static", BASES_CACHE).digest


def _base_requests(server: RegistryServer, since: int, method: str) -> Counter[str]:
    return Counter(
        entry.path
        for entry in server.access_log()[since:]
        if entry.method == method and entry.status == 200 and "/base/static/" in entry.path
    )


def test_n_services_on_one_base_fetch_it_from_upstream_once(
    repo, tmp_path, basic_registry, upstream_registry, mirror_registry, static_in_upstream
):
    upstream_before = len(upstream_registry.access_log())
    settings = _settings(basic_registry, upstream_registry, mirror_registry)
    with LocalPublisher(settings, repo) as publisher:
        digests = _publish_all(publisher, repo, tmp_path / "log.txt")
    assert len(set(digests.values())) == len(NAMES)
    # The run asks the mirror once for the base's manifest, config and layer...
    asked = _base_requests(mirror_registry, 0, "GET")
    assert sorted(asked.values()) == [1, 1, 1], asked
    # ...and the mirror goes upstream once for each: one existence check per blob (the proxy
    # then streams the blob down, twice over in distribution 2.8: to serve and to store).
    checked = _base_requests(upstream_registry, upstream_before, "HEAD")
    blob_checks = {path: n for path, n in checked.items() if "/blobs/" in path}
    assert len(blob_checks) == 2 and set(blob_checks.values()) == {1}, checked
    fetched = _base_requests(upstream_registry, upstream_before, "GET")
    assert sum(n for path, n in fetched.items() if "/manifests/" in path) == 1, fetched


def test_a_rebuild_of_unchanged_inputs_gives_the_same_digests_and_uploads_nothing(
    repo, tmp_path, basic_registry, upstream_registry, static_in_upstream
):
    settings = _settings(basic_registry, upstream_registry, None)
    with LocalPublisher(settings, repo) as first:
        digests = _publish_all(first, repo, tmp_path / "log.txt")
    with LocalPublisher(settings, repo) as second:
        again = _publish_all(second, repo, tmp_path / "log.txt")
        assert second.target().bytes_uploaded == 0
    assert again == digests


def test_a_missing_runtime_base_says_how_to_publish_it(repo, tmp_path, basic_registry):
    settings = _settings(basic_registry, basic_registry, None)
    catalog = load_catalog(repo)
    service = catalog.get("go-a")
    assert service is not None
    with LocalPublisher(settings, repo) as publisher, pytest.raises(ImageError) as error:
        inputs = image_inputs(service, toolchain_for(service), OPTIONS)
        publisher.build_sync(inputs, tmp_path / "log.txt")
    assert "commerce-ci bases static --base-registry" in str(error.value)
