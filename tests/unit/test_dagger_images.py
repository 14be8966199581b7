"""The Dagger engine's image and push stages.

Image chains are read from the SDK's lazy queries, as the step chains are. The publisher runs
against real registries (Debian's docker-registry: an upstream and a proxy-mode mirror) for
everything that is registry HTTP (bases, input-digest lookups); only the three engine calls
(glob, sync, publish) are answered by a stand-in.
"""

from __future__ import annotations

import dataclasses
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import pytest
from dagger import dag
from dagger_query import calls, chain, fields, raw_args, selections
from registry_fixtures import FAST_RETRY, RegistryServer, push_static_base

from pipelines.catalog import Catalog, Service, load_catalog
from pipelines.catalog.loader import load_service
from pipelines.engines.base import RunContext
from pipelines.engines.dagger import DaggerEngine
from pipelines.engines.dagger_images import (
    PLATFORM,
    DaggerPublisher,
    RegistryLogin,
    authenticated,
    copy_filters,
    image_container,
    published_digest,
)
from pipelines.images.config import ImageSettings, RegistryTarget
from pipelines.images.inputs import input_tag
from pipelines.images.local import LocalPublisher
from pipelines.images.publisher import ImageInputs
from pipelines.images.recipe import ImageError, ImageMeta, image_config
from pipelines.registry.auth import Credentials, StaticCredentials
from pipelines.stages import image_inputs
from pipelines.toolchains import toolchain_for
from pipelines.toolchains.base import ToolchainOptions

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
META = ImageMeta(
    source="https://github.com/example/shop",
    revision="a" * 40,
    version="1.2.3",
    created=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
)
ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(FIXTURES)


# --- the image chain --------------------------------------------------------------------------


def _workspace() -> Any:
    return dag.directory().with_new_file("README.md", "repo")


def _chain_for(catalog: Catalog, name: str, files: tuple[str, ...], **kw: Any) -> Any:
    service = catalog.get(name)
    runtime = toolchain_for(service).runtime(service)
    return image_container(
        service,
        runtime,
        _workspace(),
        base_ref="mirror.example/commerce-ci/base/static:bookworm@sha256:" + "b" * 64,
        config=image_config(service, runtime, META, dict.fromkeys(files)),
        **kw,
    )


def test_a_go_image_is_the_base_then_the_binary_under_app_run_as_nonroot(catalog):
    ctr = _chain_for(catalog, "go-svc", ("bin/go-svc",))

    assert fields(ctr)[:4] == ["container", "from", "withDirectory", "withWorkdir"]
    assert chain(ctr)[0] == ("container", {"platform": PLATFORM})
    assert calls(ctr, "from") == [
        {"address": "mirror.example/commerce-ci/base/static:bookworm@sha256:" + "b" * 64}
    ]
    assert calls(ctr, "withDirectory") == [
        {
            "path": "/app",
            "source": [
                *chain(_workspace()),
                ("directory", {"path": "services/go-svc"}),
                # every file's mtime is the commit time (2024-05-01T12:00:00Z)
                ("withTimestamps", {"timestamp": 1714564800}),
            ],
            "include": ["bin/go-svc"],
        }
    ]
    assert calls(ctr, "withWorkdir") == [{"path": "/app"}]
    assert calls(ctr, "withUser") == [{"name": "65532:65532"}]
    assert calls(ctr, "withExposedPort") == [{"port": 8080}]
    # The binary the image carries is named absolutely; the entrypoint comes last.
    assert chain(ctr)[-1] == ("withEntrypoint", {"args": ["/app/bin/go-svc"]})


def test_the_image_carries_the_commit_labels_and_the_port_variable(catalog):
    ctr = _chain_for(catalog, "go-svc", ("bin/go-svc",))

    labels = {c["name"]: c["value"] for c in calls(ctr, "withLabel")}
    assert labels == {
        "org.opencontainers.image.source": "https://github.com/example/shop",
        "org.opencontainers.image.revision": "a" * 40,
        "org.opencontainers.image.version": "1.2.3",
        "org.opencontainers.image.created": "2024-05-01T12:00:00Z",
    }
    assert calls(ctr, "withEnvVariable") == [{"name": "PORT", "value": "8080"}]


def test_a_node_image_leaves_out_dev_packages_and_carries_the_protos(catalog):
    service = catalog.get("node-svc")
    dev = {"node_modules/eslint", "node_modules/@eslint/js"}

    ctr = _chain_for(catalog, "node-svc", ("package.json", "src/server.js"), dev_packages=dev)

    app, protos = calls(ctr, "withDirectory")
    assert app["include"] == ["package.json", "src/**", "node_modules/**"]
    assert app["exclude"] == [
        "node_modules/.bin",
        "node_modules/.bin/**",
        "node_modules/@eslint/js",
        "node_modules/@eslint/js/**",
        "node_modules/eslint",
        "node_modules/eslint/**",
    ]
    assert protos == {
        "path": "/app/proto",
        "source": [
            *chain(_workspace()),
            ("directory", {"path": "proto"}),
            ("withTimestamps", {"timestamp": 1714564800}),
        ],
    }
    env = [(c["name"], c["value"]) for c in calls(ctr, "withEnvVariable")]
    assert env == [("NODE_ENV", "production"), ("PROTO_DIR", "/app/proto"), ("PORT", "8080")]
    # An interpreter is left to the base's PATH.
    assert calls(ctr, "withEntrypoint") == [{"args": ["node", "src/server.js"]}]
    assert service.spec.port == 8080


def test_the_copy_filters_are_the_recipes_globs_and_its_excludes():
    from pipelines.toolchains.base import Runtime

    runtime = Runtime("jre", ("target/app.jar", "target/lib/*.jar"), ("java", "-jar", "x"))

    assert copy_filters(runtime) == (["target/app.jar", "target/lib/*.jar"], [])


def test_a_base_login_is_attached_before_the_pull_and_passes_the_secret_by_reference(catalog):
    secret = dag.set_secret("mirror-password", "m1rror-Pa55")

    ctr = _chain_for(
        catalog,
        "go-svc",
        ("bin/go-svc",),
        base_login=("mirror.example", RegistryLogin("puller", secret)),
    )

    names = fields(ctr)
    assert names.index("withRegistryAuth") < names.index("from")
    (auth,) = calls(ctr, "withRegistryAuth")
    assert auth["address"] == "mirror.example" and auth["username"] == "puller"
    assert auth["secret"] == chain(secret)
    assert "m1rror-Pa55" not in raw_args(ctr, without="withRegistryAuth")


def test_a_push_login_wraps_the_image_without_the_password_in_the_query(catalog):
    secret = dag.secret("env://ECR_PASSWORD")
    image = _chain_for(catalog, "go-svc", ("bin/go-svc",))

    ctr = authenticated(image, ECR, RegistryLogin("AWS", secret))

    assert chain(ctr)[-1] == (
        "withRegistryAuth",
        {"address": ECR, "username": "AWS", "secret": chain(secret)},
    )
    assert authenticated(image, ECR, None) is image


def test_the_digest_comes_from_the_reference_publish_answers_with():
    digest = "sha256:" + "c" * 64

    assert published_digest(f"{ECR}/commerce/cart:abc@{digest}") == digest
    with pytest.raises(ImageError, match="names no sha256 digest"):
        published_digest(f"{ECR}/commerce/cart:abc")


# --- the publisher, against real registries ---------------------------------------------------


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@e", *args],
        cwd=root,
        check=True,
        capture_output=True,
        timeout=60,
    )


@pytest.fixture
def repo(tmp_path: Path, make_service) -> Path:
    """A git repository with one Go service whose build already left its binary."""
    folder = make_service("cart", "go")
    (folder / "main.go").write_text("package main\n")
    (folder / ".gitignore").write_text("bin/\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "init")
    (folder / "bin").mkdir()
    (folder / "bin" / "cart").write_bytes(b"\x7fELF not really")
    (folder / "bin" / "cart").chmod(0o755)
    return tmp_path


MIRROR_LOGIN = Credentials("puller", "mirror-s3cret-Pa55")


def _settings(upstream: RegistryServer, mirror: RegistryServer | None) -> ImageSettings:
    return ImageSettings(
        target=RegistryTarget(upstream.address),
        meta=META,
        commit_tag="abc123def456",
        version="1.2.3",
        mirror=mirror.address if mirror else None,
        credentials=upstream.credentials,
        base_credentials=upstream.credentials,
        mirror_credentials=StaticCredentials(MIRROR_LOGIN) if mirror else None,
        retry=FAST_RETRY,
    )


@pytest.fixture
def bases(upstream_registry: RegistryServer) -> str:
    with upstream_registry.client() as client:
        return push_static_base(client, "commerce-ci/base/static", "bookworm").amd64_digest


class _Answering(DaggerPublisher):
    """Builds the real chains; a stand-in answers the engine's glob, sync and publish."""

    def __init__(self, *args: Any, files: dict[str, list[str]] | None = None, **kw: Any):
        super().__init__(*args, **kw)
        self.files = files if files is not None else {"bin/cart": ["bin/cart"]}
        self.synced: list[Any] = []
        self.published: list[tuple[Any, str]] = []

    async def _glob(self, folder, pattern):
        return self.files.get(pattern, [])

    async def _sync(self, ctr):
        self.synced.append(ctr)

    async def _publish(self, ctr, ref):
        self.published.append((ctr, ref))
        return f"{ref}@sha256:{'f' * 64}"


def _publisher(repo: Path, settings: ImageSettings, **kw: Any) -> _Answering:
    source = dag.directory().with_new_file("marker", "workspace")
    ctx = RunContext(root=repo, cache_dir=repo / ".cache", report_dir=repo / "reports")
    return _Answering(settings, repo, DaggerEngine(source=source), ctx, **kw)


def _cart(repo: Path, options: ToolchainOptions | None = None) -> tuple[Service, ImageInputs]:
    """The service and its image inputs as a run derives them (with these run options)."""
    service = load_service(repo / "services" / "cart" / "service.yaml", repo)
    return service, image_inputs(service, toolchain_for(service), options or ToolchainOptions())


@pytest.mark.processes
def test_the_base_is_read_through_the_mirror_pinned_to_its_amd64_digest(
    repo, upstream_registry, mirror_registry, bases
):
    publisher = _publisher(repo, _settings(upstream_registry, mirror_registry))
    service, inputs = _cart(repo)

    with publisher:
        ref = publisher.base_ref("static")
        ctr = publisher.container(service, inputs.runtime, ("bin/cart",), ref)

    assert ref == f"{mirror_registry.address}/commerce-ci/base/static:bookworm@{bases}"
    assert calls(ctr, "from") == [{"address": ref}]
    # The mirror's own login, handed over as a Secret before the pull.
    (auth,) = calls(ctr, "withRegistryAuth")
    assert (auth["address"], auth["username"]) == (mirror_registry.address, "puller")


@pytest.mark.processes
def test_without_a_mirror_the_base_comes_from_the_base_registry(repo, upstream_registry, bases):
    publisher = _publisher(repo, _settings(upstream_registry, None))

    with publisher:
        ref = publisher.base_ref("static")

    assert ref == f"{upstream_registry.address}/commerce-ci/base/static:bookworm@{bases}"


@pytest.mark.processes
def test_build_then_push_publishes_sha_version_and_input_tag_last(
    repo, upstream_registry, bases, tmp_path
):
    settings = _settings(upstream_registry, None)
    password = dag.set_secret("registry-password", upstream_registry.password)
    login = RegistryLogin(upstream_registry.username, password)
    publisher = _publisher(repo, settings, logins={upstream_registry.address: login})
    service, inputs = _cart(repo)
    log = tmp_path / "image.log"

    with publisher:
        found = anyio.run(publisher.lookup, inputs, log)
        built = anyio.run(publisher.build, inputs, log)
        pushed = anyio.run(publisher.push, service, log)

    assert found is None
    assert built.ref is None and built.input_digest.startswith("sha256:")
    (synced,) = publisher.synced
    repository = f"{upstream_registry.address}/commerce/cart"
    assert [ref for _, ref in publisher.published] == [
        f"{repository}:abc123def456",
        f"{repository}:v1.2.3",
        f"{repository}:{input_tag(built.input_digest)}",
    ]
    assert pushed.tags == ("abc123def456", "v1.2.3", input_tag(built.input_digest))
    assert pushed.digest == "sha256:" + "f" * 64
    assert pushed.ref == f"{repository}:abc123def456@{pushed.digest}"
    # What is published is the built image, logged in with the Secret itself.
    published, _ = publisher.published[0]
    assert chain(published)[: len(chain(synced))] == chain(synced)
    assert chain(published)[-1] == (
        "withRegistryAuth",
        {"address": upstream_registry.address, "username": "pusher", "secret": chain(password)},
    )
    unsecret = [(f.name, f.args) for f in selections(published)]
    assert upstream_registry.password not in repr(unsecret[: len(chain(synced))])


@pytest.mark.processes
def test_a_runtime_file_the_build_did_not_leave_fails_the_image_stage_naming_it(
    repo, upstream_registry, bases, tmp_path
):
    publisher = _publisher(repo, _settings(upstream_registry, None), files={})
    _, inputs = _cart(repo)

    with publisher, pytest.raises(ImageError, match=r"runtime file 'bin/cart' not found"):
        anyio.run(publisher.build, inputs, tmp_path / "image.log")
    assert publisher.synced == []


@pytest.mark.processes
def test_push_before_build_is_an_image_error(repo, upstream_registry, tmp_path):
    publisher = _publisher(repo, _settings(upstream_registry, None))
    service, _ = _cart(repo)

    with publisher, pytest.raises(ImageError, match="push needs the image stage first"):
        anyio.run(publisher.push, service, tmp_path / "push.log")


@pytest.mark.processes
def test_lookup_finds_what_an_earlier_run_shipped_and_tags_it_for_this_commit(
    repo, upstream_registry, bases, tmp_path
):
    settings = _settings(upstream_registry, None)
    service, inputs = _cart(repo)
    with LocalPublisher(settings, repo) as local:
        local.build_sync(inputs, tmp_path / "first.log")
        shipped = local.push_sync(service, tmp_path / "first.log")
    later = dataclasses.replace(settings, commit_tag="0123456789ab", version=None)
    publisher = _publisher(repo, later)

    with publisher:
        found = anyio.run(publisher.lookup, inputs, tmp_path / "image.log")

    assert found is not None and found.reused
    assert found.digest == shipped.digest
    with upstream_registry.client() as client:
        assert client.head_manifest("commerce/cart", "0123456789ab") == shipped.digest


@pytest.mark.processes
def test_the_dagger_engine_finds_what_the_local_engine_shipped_with_an_offline_database(
    repo, upstream_registry, bases, tmp_path
):
    # One registry cache for every runner: the database changes how SCA scans, not the image.
    settings = _settings(upstream_registry, None)
    service, offline = _cart(repo, ToolchainOptions(offline_vulndb=True))
    with LocalPublisher(settings, repo) as local:
        local.build_sync(offline, tmp_path / "first.log")
        shipped = local.push_sync(service, tmp_path / "first.log")
    _, online = _cart(repo, ToolchainOptions(offline_vulndb=False))
    publisher = _publisher(repo, settings)

    with publisher:
        found = anyio.run(publisher.lookup, online, tmp_path / "image.log")

    assert found is not None and found.digest == shipped.digest
