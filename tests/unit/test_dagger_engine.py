"""The Dagger engine: the container chain each Step builds, and how a run's answers are recorded.

The SDK builds queries lazily, so a chain is inspected field by field without an engine. Running
is tested through `DaggerEngine.build`, the one seam between the two: a test engine hands back a
small stand-in for the container, and `run_step` is checked on what it does with the answers.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from dagger import dag
from dagger_query import calls, chain, fields, raw_args

from pipelines.catalog import Catalog, load_catalog
from pipelines.engines.base import RunContext
from pipelines.engines.dagger import (
    SOURCE_IGNORE,
    DaggerEngine,
    container_for,
)
from pipelines.errors import ConfigError
from pipelines.reports.files import report_files
from pipelines.results import StageResult, Status
from pipelines.steps import CacheMount, ReportFile, Stage, Step

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(FIXTURES)


@pytest.fixture
def source() -> Any:
    return dag.directory().with_new_file("README.md", "repo")


def cache(key: str) -> list[tuple[str, dict[str, Any]]]:
    return [("cacheVolume", {"key": key})]


def _toolchain_steps(catalog: Catalog, name: str, stage: Stage) -> tuple[Step, ...]:
    from pipelines.toolchains import toolchain_for
    from pipelines.toolchains.base import ToolchainOptions

    return toolchain_for(catalog.get(name)).steps(catalog.get(name), stage, ToolchainOptions())


GO_TEST = Step(
    stage=Stage.TEST,
    name="go test",
    image="golang:1.26.0-bookworm",
    argv=("go", "test", "-json", "./..."),
    caches=(
        CacheMount("go-mod", "/go/pkg/mod", env="GOMODCACHE"),
        CacheMount("go-build", "/root/.cache/go-build", env="GOCACHE"),
    ),
    env={"CGO_ENABLED": "0"},
    stdout_to=".commerce-ci/go-test.json",
    reports=(ReportFile("go-test-json", ".commerce-ci/go-test.json"),),
)

NODE_LINT = Step(
    stage=Stage.LINT,
    name="eslint",
    image="node:20.19-bookworm-slim",
    argv=("npx", "eslint", "."),
    workdir="web",
    caches=(CacheMount("npm", "/root/.npm", env="npm_config_cache"),),
    setup=(("npm", "ci", "--no-audit"),),
)


def test_a_go_test_step_is_image_source_workdir_caches_env_then_its_command(catalog, source):
    go = catalog.get("go-svc")
    (step,) = _toolchain_steps(catalog, "go-svc", Stage.TEST)

    ctr = container_for(step, go, source)

    report_dir = (
        "withNewDirectory",
        {"path": "services/go-svc/.commerce-ci", "permissions": 0o755},
    )
    assert chain(ctr) == [
        ("container", {}),
        ("from", {"address": "golang:1.26.8-bookworm"}),
        ("withMountedDirectory", {"path": "/src", "source": [*chain(source), report_dir]}),
        ("withWorkdir", {"path": "/src/services/go-svc"}),
        ("withMountedCache", {"path": "/go/pkg/mod", "cache": cache("commerce-ci-go-mod")}),
        (
            "withMountedCache",
            {"path": "/root/.cache/go-build", "cache": cache("commerce-ci-go-build")},
        ),
        ("withEnvVariable", {"name": "CGO_ENABLED", "value": "0"}),
        ("withEnvVariable", {"name": "GOFLAGS", "value": "-mod=readonly -trimpath"}),
        ("withEnvVariable", {"name": "GOTOOLCHAIN", "value": "local"}),
        (
            "withExec",
            {
                "args": ["go", "test", "-vet=off", "-json", "./..."],
                "redirectStdout": "/src/services/go-svc/.commerce-ci/go-test.json",
                "expect": "ANY",
            },
        ),
    ]


def test_a_maven_step_mounts_its_repository_cache_where_maven_looks_by_default(catalog, source):
    java = catalog.get("java-svc")
    (step,) = _toolchain_steps(catalog, "java-svc", Stage.TEST)

    ctr = container_for(step, java, source)

    assert fields(ctr) == [
        "container",
        "from",
        "withMountedDirectory",
        "withWorkdir",
        "withMountedCache",
        "withExec",
    ]
    assert calls(ctr, "from") == [{"address": step.image}]
    assert calls(ctr, "withMountedCache") == [
        {"path": "/root/.m2/repository", "cache": cache("commerce-ci-maven-repository")}
    ]
    assert calls(ctr, "withExec") == [
        {
            "args": ["mvn", "-Dmaven.repo.local=/root/.m2/repository", *step.argv[2:]],
            "expect": "ANY",
        }
    ]


def test_cache_variables_meant_for_host_tools_do_not_change_the_builder_image(catalog, source):
    cargo, _ = _toolchain_steps(catalog, "rust-svc", Stage.BUILD)
    assert [c.env for c in cargo.caches] == ["CARGO_HOME", "CARGO_TARGET_DIR"]

    ctr = container_for(cargo, catalog.get("rust-svc"), source)

    assert calls(ctr, "withMountedCache") == [
        {"path": "/usr/local/cargo/registry", "cache": cache("commerce-ci-cargo-registry")},
        {"path": "/cargo-target", "cache": cache("commerce-ci-cargo-target-rust-svc")},
    ]
    # CARGO_HOME also locates cargo's config and tools: the image's own value must stand.
    assert "CARGO_HOME" not in [c["name"] for c in calls(ctr, "withEnvVariable")]
    assert {c["name"]: c["value"] for c in calls(ctr, "withEnvVariable")} == dict(cargo.env)


def test_a_rust_services_stages_share_one_target_volume_keyed_by_the_service(catalog, source):
    rust = catalog.get("rust-svc")
    mounts = []
    for stage in (Stage.BUILD, Stage.TEST, Stage.LINT):
        for step in _toolchain_steps(catalog, "rust-svc", stage):
            ctr = container_for(step, rust, source)
            env = {c["name"]: c["value"] for c in calls(ctr, "withEnvVariable")}
            for mount in calls(ctr, "withMountedCache"):
                if mount["path"] == "/cargo-target":
                    assert env["CARGO_TARGET_DIR"] == "/cargo-target", step.name
                    mounts.append((step.name, mount["cache"]))
    assert [name for name, _ in mounts] == [
        "cargo build",
        "copy binary",
        "cargo test",
        "cargo clippy",
    ]
    assert {str(volume) for _, volume in mounts} == {
        str(cache("commerce-ci-cargo-target-rust-svc"))
    }


def test_the_rust_binary_is_copied_from_the_shared_volume_into_the_service_folder(catalog, source):
    _, copy = _toolchain_steps(catalog, "rust-svc", Stage.BUILD)
    ctr = container_for(copy, catalog.get("rust-svc"), source)
    assert calls(ctr, "withExec")[-1]["args"] == [
        "install", "-D", "-m", "0755", "/cargo-target/release/rust-svc",
        "target/release/rust-svc",
    ]  # fmt: skip


def test_a_node_step_runs_its_setup_first_in_its_workdir_and_setup_must_succeed(catalog, source):
    node_like = catalog.get("python-svc")  # any service: only its path matters to the chain

    ctr = container_for(NODE_LINT, node_like, source)

    assert calls(ctr, "withWorkdir") == [{"path": "/src/services/python-svc/web"}]
    assert calls(ctr, "withExec") == [
        # No `expect`: the default (SUCCESS) fails the step when its setup fails.
        {"args": ["npm", "ci", "--no-audit"]},
        {"args": ["npx", "eslint", "."], "expect": "ANY"},
    ]
    assert fields(ctr)[-2:] == ["withExec", "withExec"]


def test_placeholders_become_the_container_paths_and_the_vulndb_is_mounted_read_only(
    catalog, source
):
    rust = catalog.get("rust-svc")
    vulndb = dag.directory().with_new_file("osv/PyPI/all.zip", "")
    step = Step(
        stage=Stage.SCA,
        name="osv-scanner",
        image="ghcr.io/google/osv-scanner:v2.3.5",
        argv=("osv-scanner", "--config", "{root}/sca/osv.toml", "--offline-vulnerabilities"),
        env={"OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY": "{vulndb}"},
    )

    ctr = container_for(step, rust, source, vulndb=vulndb)

    assert calls(ctr, "withExec")[-1]["args"] == [
        "osv-scanner",
        "--config",
        "/src/sca/osv.toml",
        "--offline-vulnerabilities",
    ]
    assert calls(ctr, "withEnvVariable") == [
        {"name": "OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY", "value": "/vulndb"}
    ]
    assert calls(ctr, "withMountedDirectory")[-1] == {
        "path": "/vulndb",
        "source": chain(vulndb),
        "readOnly": True,
    }


def test_a_step_that_does_not_read_the_vulndb_does_not_mount_it(catalog, source):
    vulndb = dag.directory()

    ctr = container_for(GO_TEST, catalog.get("go-svc"), source, vulndb=vulndb)

    assert [m["path"] for m in calls(ctr, "withMountedDirectory")] == ["/src"]


def test_a_step_that_needs_the_vulndb_fails_to_build_when_the_run_has_none(catalog, source):
    step = Step(Stage.SCA, "osv-scanner", "osv:2", ("osv-scanner", "--db", "{vulndb}"))

    with pytest.raises(ConfigError, match=r"osv-scanner.*offline OSV database"):
        container_for(step, catalog.get("go-svc"), source)


def test_secrets_are_secret_variables_and_their_values_never_reach_the_query(catalog, source):
    token = dag.set_secret("npm-token", "s3cr3t-value")

    ctr = container_for(NODE_LINT, catalog.get("go-svc"), source, secrets={"NPM_TOKEN": token})

    assert [c["name"] for c in calls(ctr, "withSecretVariable")] == ["NPM_TOKEN"]
    assert "NPM_TOKEN" not in [c["name"] for c in calls(ctr, "withEnvVariable")]
    # The secret is set before any command runs, so setup (npm ci) can use it too.
    names = fields(ctr)
    assert names.index("withSecretVariable") < names.index("withExec")
    # The value travels inside the Secret object, never as a plain argument of the container.
    assert "s3cr3t-value" not in raw_args(ctr, without="withSecretVariable")


def test_report_folders_exist_before_the_step_so_tools_can_write_into_them(catalog, source):
    step = Step(
        Stage.SCA,
        "semgrep",
        "semgrep/semgrep:1.100.0",
        ("semgrep", "scan", "--sarif-output=out/sca/semgrep.sarif"),
        reports=(
            ReportFile("sarif", "out/sca/semgrep.sarif"),
            ReportFile("junit", "target/surefire-reports/TEST-*.xml"),
        ),
    )

    ctr = container_for(step, catalog.get("go-svc"), source)

    (src_mount,) = calls(ctr, "withMountedDirectory")
    created = [args["path"] for name, args in src_mount["source"] if name == "withNewDirectory"]
    # Globbed paths are left to the tool that writes them; the report dir always exists.
    assert created == ["services/go-svc/.commerce-ci", "services/go-svc/out/sca"]


def test_the_source_left_out_of_steps_excludes_local_state_and_earlier_reports():
    for pattern in ("**/.venv", "**/node_modules", "**/target", "**/.commerce-ci", ".tools"):
        assert pattern in SOURCE_IGNORE


# --- running ---------------------------------------------------------------------------------


def test_all_tools_come_from_images_so_none_is_missing():
    assert DaggerEngine().missing_tools(GO_TEST) == ()


def test_without_the_sdk_the_engine_names_the_missing_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "dagger", None)  # makes `import dagger` fail

    assert DaggerEngine().missing_tools(GO_TEST) == ("dagger-io",)


def _ctx(tmp_path: Path, timeout_s: float = 30.0) -> RunContext:
    return RunContext(
        root=tmp_path / "repo",
        cache_dir=tmp_path / "cache",
        report_dir=tmp_path / "reports",
        step_timeout_s=timeout_s,
    )


def test_without_the_sdk_a_step_ends_with_an_error_saying_how_to_install_it(
    monkeypatch, tmp_path, catalog
):
    monkeypatch.setitem(sys.modules, "dagger", None)
    log = tmp_path / "test.log"

    outcome = anyio.run(
        DaggerEngine().run_step, GO_TEST, catalog.get("go-svc"), _ctx(tmp_path), log
    )

    assert not outcome.succeeded
    assert "dagger-io" in (outcome.error or "") and "pip install" in (outcome.error or "")
    assert "dagger-io" in log.read_text()


def test_a_step_needing_a_missing_vulndb_fails_without_reaching_an_engine(tmp_path, catalog):
    step = Step(Stage.SCA, "osv-scanner", "osv:2", ("osv-scanner", "--db", "{vulndb}"))
    log = tmp_path / "sca.log"

    outcome = anyio.run(DaggerEngine().run_step, step, catalog.get("go-svc"), _ctx(tmp_path), log)

    assert outcome.exit_code is None
    assert "offline OSV database" in (outcome.error or "")
    assert "offline OSV database" in log.read_text()


class _File:
    def __init__(self, content: str) -> None:
        self._content = content

    async def export(self, path: str) -> str:
        Path(path).write_text(self._content)
        return path


class _Folder:
    """Stands in for `Container.directory(...)`: glob and file, over a dict of paths."""

    def __init__(self, files: dict[str, str]) -> None:
        self._files = files

    async def glob(self, pattern: str) -> list[str]:
        return [p for p in self._files if Path(p).match(pattern)]

    def file(self, path: str) -> _File:
        return _File(self._files[path])


class _Ran:
    """Stands in for a built container: the answers a Dagger engine would give."""

    def __init__(
        self,
        exit_code: int,
        stdout: str = "",
        stderr: str = "",
        files: dict[str, str] | None = None,
    ):
        self._answers = (exit_code, stdout, stderr)
        self._files = files or {}
        self.folders: list[str] = []

    async def sync(self) -> _Ran:
        return self

    async def exit_code(self) -> int:
        return self._answers[0]

    async def stdout(self) -> str:
        return self._answers[1]

    async def stderr(self) -> str:
        return self._answers[2]

    def directory(self, path: str) -> _Folder:
        self.folders.append(path)
        return _Folder(self._files)


class _Hangs(_Ran):
    async def sync(self) -> _Ran:
        await anyio.sleep(60)
        return self


class _Answering(DaggerEngine):
    """Builds the real chains, then lets a stand-in answer for the engine."""

    def __init__(self, *answers: _Ran) -> None:
        super().__init__()
        self.answers = list(answers)
        self.built: list[Any] = []

    async def execute(self, ctr, step, service, ctx):  # type: ignore[override]
        self.built.append(ctr)
        return await super().execute(self.answers.pop(0), step, service, ctx)


def test_a_step_records_exit_code_output_and_the_command_in_its_log(tmp_path, catalog):
    engine = _Answering(_Ran(1, stdout="--- FAIL: TestTotal\n", stderr="exit status 1\n"))
    log = tmp_path / "logs" / "test.log"

    outcome = anyio.run(engine.run_step, NODE_LINT, catalog.get("go-svc"), _ctx(tmp_path), log)

    assert (outcome.exit_code, outcome.succeeded, outcome.timed_out) == (1, False, False)
    text = log.read_text()
    assert "$ npx eslint .  (in node:20.19-bookworm-slim, /src/services/go-svc/web)" in text
    assert "--- FAIL: TestTotal" in text and "exit status 1" in text
    assert text.rstrip().endswith("# exit code 1")
    # The real chain was still built from the run's inputs: the repository from the host.
    assert calls(engine.built[0], "from") == [{"address": NODE_LINT.image}]


def test_a_step_over_its_timeout_is_stopped_and_marked_timed_out(tmp_path, catalog):
    engine = _Answering(_Hangs(0))
    log = tmp_path / "test.log"

    outcome = anyio.run(
        engine.run_step, GO_TEST, catalog.get("go-svc"), _ctx(tmp_path, timeout_s=0.2), log
    )

    assert outcome.timed_out and not outcome.succeeded
    assert outcome.duration_s < 5
    assert "timed out after 0.2s" in log.read_text()


def test_report_files_are_exported_under_the_stage_keeping_their_declared_paths(tmp_path, catalog):
    step = Step(
        Stage.TEST,
        "mvn test",
        "maven:3.9.11-eclipse-temurin-17",
        ("mvn", "test"),
        reports=(ReportFile("junit", "target/surefire-reports/TEST-*.xml"),),
    )
    files = {
        "target/surefire-reports/TEST-shop.CartTest.xml": "<testsuite/>",
        "target/surefire-reports/TEST-shop.PriceTest.xml": "<testsuite/>",
        "target/classes/shop/Cart.class": "",
    }
    container = _Ran(0, files=files)
    java = catalog.get("java-svc")
    ctx = _ctx(tmp_path)

    outcome = anyio.run(_Answering(container).run_step, step, java, ctx, tmp_path / "t.log")

    base = ctx.report_dir / "artifacts" / "java-svc" / "test" / "target" / "surefire-reports"
    assert outcome.reports == (base / "TEST-shop.CartTest.xml", base / "TEST-shop.PriceTest.xml")
    assert outcome.reports[0].read_text() == "<testsuite/>"
    assert container.folders == ["/src/services/java-svc"]
    # The reports reader recognises each exported file as the kind its Step declared.
    stage = StageResult("java-svc", Stage.TEST, Status.PASSED, steps=(outcome,))
    assert [kind for kind, _ in report_files(stage)] == ["junit", "junit"]


def _mounted_source(ctr: Any) -> list[tuple[str, dict[str, Any]]]:
    (mount,) = [m for m in calls(ctr, "withMountedDirectory") if m["path"] == "/src"]
    return mount["source"]


def test_after_node_build_succeeds_lint_mounts_the_folder_build_left_behind(tmp_path, catalog):
    node = catalog.get("node-svc")
    (build,) = _toolchain_steps(catalog, "node-svc", Stage.BUILD)
    (lint,) = _toolchain_steps(catalog, "node-svc", Stage.LINT)
    engine = _Answering(_Ran(0), _Ran(0))
    ctx = _ctx(tmp_path)

    anyio.run(engine.run_step, build, node, ctx, tmp_path / "build.log")
    anyio.run(engine.run_step, lint, node, ctx, tmp_path / "lint.log")

    built, linted = engine.built
    carried = [args for name, args in _mounted_source(linted) if name == "withDirectory"]
    assert [c["path"] for c in carried] == ["services/node-svc"]
    # The build container's own folder (with node_modules), less the reports already copied out.
    assert carried[0]["source"] == [
        *chain(built),
        ("directory", {"path": "/src/services/node-svc"}),
        ("withoutDirectory", {"path": ".commerce-ci"}),
    ]
    assert calls(built, "withExec")[-1]["args"] == ["npm", "ci", "--no-audit", "--no-fund"]
    assert calls(linted, "withExec")[-1]["args"][:4] == ["npx", "--no", "--", "eslint"]


def test_after_a_failed_step_the_next_one_starts_from_the_repository_again(tmp_path, catalog):
    node = catalog.get("node-svc")
    (build,) = _toolchain_steps(catalog, "node-svc", Stage.BUILD)
    engine = _Answering(_Ran(1), _Ran(0))
    ctx = _ctx(tmp_path)

    anyio.run(engine.run_step, build, node, ctx, tmp_path / "1.log")
    anyio.run(engine.run_step, build, node, ctx, tmp_path / "2.log")

    first, second = engine.built
    assert _mounted_source(second) == _mounted_source(first)
    assert "withDirectory" not in [name for name, _ in _mounted_source(second)]


def test_what_one_service_builds_is_not_seen_by_another(tmp_path, catalog):
    (build,) = _toolchain_steps(catalog, "node-svc", Stage.BUILD)
    (ts_build, *_) = _toolchain_steps(catalog, "ts-svc", Stage.BUILD)
    engine = _Answering(_Ran(0), _Ran(0))
    ctx = _ctx(tmp_path)

    anyio.run(engine.run_step, build, catalog.get("node-svc"), ctx, tmp_path / "1.log")
    anyio.run(engine.run_step, ts_build, catalog.get("ts-svc"), ctx, tmp_path / "2.log")

    assert "withDirectory" not in [name for name, _ in _mounted_source(engine.built[1])]
    assert calls(engine.built[1], "withWorkdir") == [{"path": "/src/services/ts-svc"}]


def test_a_node_test_step_from_the_toolchain_writes_junit_into_the_report_dir(catalog, source):
    node = catalog.get("node-svc")
    (step,) = _toolchain_steps(catalog, "node-svc", Stage.TEST)

    ctr = container_for(step, node, source)

    assert calls(ctr, "from") == [{"address": step.image}]
    assert calls(ctr, "withMountedCache") == [
        {"path": "/root/.npm", "cache": cache("commerce-ci-npm")}
    ]
    env = {c["name"]: c["value"] for c in calls(ctr, "withEnvVariable")}
    assert env == dict(step.env)
    assert (
        "withNewDirectory",
        {"path": "services/node-svc/.commerce-ci", "permissions": 0o755},
    ) in (_mounted_source(ctr))
    assert calls(ctr, "withExec") == [{"args": list(step.argv), "expect": "ANY"}]


@pytest.mark.processes
def test_a_run_without_a_reachable_engine_says_what_to_install(monkeypatch, tmp_path):
    from pipelines.engines.dagger_kit import DaggerKit
    from pipelines.errors import ToolMissingError

    # The SDK starts the CLI named here instead of downloading one; it does not exist.
    monkeypatch.setenv("_EXPERIMENTAL_DAGGER_CLI_BIN", str(tmp_path / "no-dagger"))

    async def connect() -> None:
        async with DaggerKit().session(_ctx(tmp_path)):
            pass

    with pytest.raises(ToolMissingError, match=r"'dagger' is not installed.*--engine local"):
        anyio.run(connect)
