"""The Dagger module: what `dagger functions` would see, and the work `check` does, engine-free.

Registration is read the way the SDK's runtime reads it: through the `dagger.mod` entry point,
then the Module's resolvers and the type definitions it would send to the engine. The function
bodies are tested through `run_check`, the part of `check` that needs no Dagger plumbing, with a
small engine that satisfies the Engine protocol.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.metadata
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import dagger
import pytest
from clean_scans import write_clean_reports
from dagger.mod import Module
from dagger.mod.cli import get_entry_point, load_module
from dagger_query import calls, selections

from pipelines.catalog import load_catalog
from pipelines.engines.dagger import SOURCE_IGNORE
from pipelines.engines.dagger_module import (
    GITOPS_TOKEN_ENV,
    RunArgs,
    check_failure,
    git_environ,
    gitops_remote,
    module_env,
    registry_env,
)
from pipelines.engines.dagger_module import gitops as _gitops
from pipelines.engines.dagger_module import stages_from as _stages
from pipelines.errors import ConfigError, StageFailed
from pipelines.events import ListSink
from pipelines.main import CommerceCi
from pipelines.results import StepOutcome
from pipelines.run.assemble import GitOpsTarget, execute
from pipelines.steps import RELEASE_STAGES, Stage

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"


@pytest.fixture(scope="module")
def module() -> Module:
    return CommerceCi.__dagger_module__


def functions(module: Module) -> dict[str, Any]:
    return module.get_object("CommerceCi").functions


# --- registration ----------------------------------------------------------------------------


def test_the_runtime_finds_the_main_object_through_the_package_entry_point():
    entry = get_entry_point()

    assert entry.value == "pipelines.main:CommerceCi"
    assert load_module().get_object("CommerceCi").cls is CommerceCi


def test_the_module_exposes_its_verbs_with_their_return_types(module):
    fns = functions(module)

    assert set(fns) == {
        "plan",
        "check",
        "check_reports",
        "services",
        "release",
        "write_back",
        "promote",
        "rollback",
    }
    assert {name: fn.return_type for name, fn in fns.items()} == {
        "plan": str,
        "check": str,
        "check_reports": dagger.Directory,
        "services": str,
        "release": dagger.Directory,
        "write_back": str,
        "promote": str,
        "rollback": str,
    }
    assert all(fn.doc for fn in fns.values())


def test_every_argument_is_documented(module):
    undocumented = [
        f"{name}.{param.name}"
        for name, fn in functions(module).items()
        for param in fn.parameters.values()
        if not param.doc
    ]
    assert undocumented == []


def test_check_takes_the_repository_by_default_and_optional_typed_settings(module):
    params = functions(module)["check"].parameters

    assert list(params) == [
        "source",
        "services",
        "stages",
        "keep_going",
        "jobs",
        "fail_on",
        "vulndb",
        "allow_failure",
    ]
    source = params["source"]
    assert source.resolved_type is dagger.Directory
    assert (source.default_path, source.ignore) == (".", list(SOURCE_IGNORE))
    assert params["services"].resolved_type == list[str] | None
    assert params["vulndb"].resolved_type == dagger.Directory | None
    defaults = {name: p.default_value for name, p in params.items() if name != "source"}
    assert defaults == {
        "services": "null",
        "stages": '"build,test,lint,sca"',
        "keep_going": "false",
        "jobs": "2",
        "fail_on": '"low"',
        "vulndb": "null",
        "allow_failure": "false",
    }
    assert all(p.is_optional for p in params.values())


def test_plan_sees_the_git_directory_that_check_leaves_out(module):
    fns = functions(module)
    plan_ignore = fns["plan"].parameters["source"].ignore
    check_ignore = fns["check"].parameters["source"].ignore

    assert ".git" in check_ignore
    assert ".git" not in plan_ignore
    # Dagger leaves .git out of contextual directories unless a pattern brings it back.
    assert plan_ignore[-1] == "!**/.git"
    assert [p for p in plan_ignore if not p.startswith("!")] == [
        p for p in check_ignore if p != ".git"
    ]
    assert [p.name for p in fns["plan"].parameters.values()] == ["source", "base", "head"]


async def _module_id(self: dagger.Module) -> dagger.Module:
    return self


def _type_name(type_def: Any) -> str:
    """A TypeDef query as a short name: STRING, [STRING]?, Directory?..."""
    name, optional = "?", False
    for field in selections(type_def):
        if field.name == "withKind":
            name = field.args["kind"].removesuffix("_KIND")
        elif field.name == "withObject":
            name = field.args["name"]
        elif field.name == "withListOf":
            name = f"[{_type_name(field.args['elementType'])}]"
        elif field.name == "withOptional":
            optional = field.args["optional"]
    return name + ("?" if optional else "")


def _signatures(module_query: Any) -> dict[str, dict[str, str]]:
    """function name -> {argument: type} of every function of every object in the query."""
    out: dict[str, dict[str, str]] = {}
    for field in selections(module_query):
        if field.name != "withObject":
            continue
        for obj_field in selections(field.args["object"]):
            if obj_field.name != "withFunction":
                continue
            function = obj_field.args["function"]
            (head, *rest) = selections(function)
            out[head.args["name"]] = {
                f.args["name"]: _type_name(f.args["typeDef"]) for f in rest if f.name == "withArg"
            }
    return out


def test_the_type_definitions_the_engine_would_receive_build_without_an_engine(module, monkeypatch):
    # `_typedefs` ends by asking the engine for the Module's id; answer with the Module itself.
    monkeypatch.setattr(dagger.Module, "id", _module_id)
    # The runtime names the main object through DAGGER_MAIN_OBJECT before the module is imported.
    monkeypatch.setattr(module, "_main_name", "CommerceCi")
    monkeypatch.setattr(module, "_main", module.get_object("CommerceCi"))

    built = anyio.run(module._typedefs)

    assert _signatures(built) == {
        "services": {"source": "Directory"},
        "plan": {"source": "Directory", "base": "STRING", "head": "STRING"},
        "check": {
            "source": "Directory",
            "services": "[STRING]?",
            "stages": "STRING",
            "keep_going": "BOOLEAN",
            "jobs": "INTEGER",
            "fail_on": "STRING",
            "vulndb": "Directory?",
            "allow_failure": "BOOLEAN",
        },
        "check_reports": {
            "source": "Directory",
            "services": "[STRING]?",
            "stages": "STRING",
            "keep_going": "BOOLEAN",
            "jobs": "INTEGER",
            "fail_on": "STRING",
            "vulndb": "Directory?",
        },
        "release": {
            "source": "Directory",
            "env": "STRING",
            "registry": "STRING",
            "gitops_remote": "STRING",
            "services": "[STRING]?",
            "version": "STRING",
            "registry_username": "STRING",
            "registry_password": "Secret?",
            "base_registry": "STRING",
            "base_mirror": "STRING",
            "gitops_branch": "STRING",
            "gitops_token": "Secret?",
            "keep_going": "BOOLEAN",
            "jobs": "INTEGER",
            "fail_on": "STRING",
            "vulndb": "Directory?",
            "cosign_key": "Secret?",
            "cosign_password": "Secret?",
            "cosign_pub": "File?",
            "oidc_request_url": "Secret?",
            "oidc_request_token": "Secret?",
            "commit": "BOOLEAN",
        },
        "write_back": {
            "reports": "Directory",
            "env": "STRING",
            "gitops_remote": "STRING",
            "source_commit": "STRING",
            "gitops_branch": "STRING",
            "gitops_token": "Secret?",
        },
        "promote": {
            "services": "[STRING]",
            "gitops_remote": "STRING",
            "from_env": "STRING",
            "to_env": "STRING",
            "gitops_branch": "STRING",
            "gitops_token": "Secret?",
        },
        "rollback": {
            "service": "STRING",
            "env": "STRING",
            "gitops_remote": "STRING",
            "to_digest": "STRING",
            "gitops_branch": "STRING",
            "gitops_token": "Secret?",
        },
    }


def test_release_needs_an_environment_a_registry_and_a_gitops_remote_and_nothing_else(module):
    params = functions(module)["release"].parameters

    required = [name for name, p in params.items() if not p.is_optional]
    assert required == ["env", "registry", "gitops_remote"]
    defaults = {name: p.default_value for name, p in params.items() if p.is_optional}
    assert defaults["version"] == '""'
    assert defaults["gitops_branch"] == '"main"'
    assert defaults["registry_password"] == defaults["gitops_token"] == "null"


def test_release_commits_unless_told_to_leave_its_images_for_one_write_back(module):
    commit = functions(module)["release"].parameters["commit"]

    assert commit.is_optional and commit.default_value == "true"
    assert commit.resolved_type is bool


def test_write_back_needs_the_reports_an_environment_and_a_gitops_remote(module):
    params = functions(module)["write_back"].parameters

    required = [name for name, p in params.items() if not p.is_optional]
    assert required == ["reports", "env", "gitops_remote"]
    assert params["reports"].resolved_type is dagger.Directory
    assert params["source_commit"].default_value == '""'


def test_release_sees_git_history_since_images_are_labelled_and_tagged_from_head(module):
    fns = functions(module)

    release = fns["release"].parameters["source"]
    assert release.default_path == "."
    assert release.ignore == fns["plan"].parameters["source"].ignore
    assert ".git" not in release.ignore


def test_credentials_are_secrets_never_plain_strings(module):
    fns = functions(module)

    secrets = {
        f"{name}.{param.name}"
        for name, fn in fns.items()
        for param in fn.parameters.values()
        if param.resolved_type == dagger.Secret | None
    }
    assert secrets == {
        "release.registry_password",
        "release.gitops_token",
        "release.cosign_key",
        "release.cosign_password",
        "release.oidc_request_url",
        "release.oidc_request_token",
        "write_back.gitops_token",
        "promote.gitops_token",
        "rollback.gitops_token",
    }


def test_dagger_json_pins_the_engine_of_the_installed_sdk_and_loads_the_python_module():
    config = json.loads((REPO / "dagger.json").read_text())

    assert config["name"] == "commerce-ci"
    assert config["sdk"] == {"source": "python"}
    assert config["source"] == "."
    assert config["engineVersion"] == "v" + importlib.metadata.version("dagger-io")
    assert set(config) <= {"$schema", "name", "engineVersion", "sdk", "source", "include"}


def test_dagger_json_keeps_local_environments_and_build_outputs_out_of_the_module():
    include = json.loads((REPO / "dagger.json").read_text())["include"]

    assert all(p.startswith("!") for p in include)
    for kept_out in ("!.venv", "!**/node_modules", "!**/target", "!**/.commerce-ci", "!.tools"):
        assert kept_out in include
    assert "!reports" in include
    assert "!pipelines" not in include


# --- the functions' work ---------------------------------------------------------------------


def test_stages_run_in_pipeline_order_whatever_order_they_are_given_in():
    assert _stages("sca, build") == (Stage.BUILD, Stage.SCA)


def test_an_unknown_stage_is_bad_input_naming_the_choices():
    with pytest.raises(ConfigError, match=r"unknown stage deploy; choose from build, test"):
        _stages("build,deploy")


def test_services_are_all_of_them_when_none_are_named_else_the_named_ones_in_order():
    catalog = load_catalog(FIXTURES)

    assert [s.name for s in catalog.select([])] == list(catalog.names())
    assert [s.name for s in catalog.select(["rust-svc", "go-svc"])] == [
        "rust-svc",
        "go-svc",
    ]
    with pytest.raises(ConfigError, match="unknown service 'nope'"):
        catalog.select(["nope"])


def test_services_json_lists_each_service_with_its_language_path_and_image():
    rows = load_catalog(FIXTURES).rows()

    go = next(r for r in rows if r["name"] == "go-svc")
    assert go == {
        "name": "go-svc",
        "language": "go",
        "path": "services/go-svc",
        "port": 8080,
        "image": "commerce/go-svc",
        "description": "Cart totals over HTTP (fixture for the Go toolchain)",
    }


class _ExitCodes:
    """An Engine that runs nothing: each step 'exits' with the code given for its name."""

    name = "dagger"

    def __init__(self, codes: dict[str, int] | None = None) -> None:
        self.codes = codes or {}
        self.ran: list[tuple[str, str]] = []

    def missing_tools(self, step):
        return ()

    def display(self, step, service, ctx):
        return " ".join(step.argv)

    async def run_step(self, step, service, ctx, log_path):
        self.ran.append((service.name, step.name))
        return StepOutcome(step, self.codes.get(step.name, 0), 0.01, log_path)


@dataclass
class _Kit:
    """An EngineKit over stand-ins: the engine given, a publisher and an attestor that record."""

    engine: Any
    images: Any = None
    attested: list[str] = dataclasses.field(default_factory=list)
    name: str = "dagger"

    @contextlib.asynccontextmanager
    async def session(self, ctx):
        yield self.engine

    def publisher(self, image, engine, ctx):
        return self.images

    def attestor(self, image, settings, ctx):
        return _Attestor(self.attested)


@dataclass
class _Attestor:
    calls: list[str]

    async def sbom(self, service, record, root, log):
        self.calls.append(f"sbom {service.name}")

    async def sign(self, service, record, steps, log):
        self.calls.append(f"sign {service.name}")
        return record


def _check(tmp_path: Path, engine: _ExitCodes, names: list[str], stages: str, **kw: Any):
    """`check`'s work on the fixtures: its arguments as the module adapts them, then the run."""
    args = RunArgs(names, **kw)
    env = {"COMMERCE_CI_REPORT_DIR": str(tmp_path / "reports")}
    request = args.request(FIXTURES, module_env(env), _stages(stages))
    return anyio.run(execute, request, _Kit(engine), ListSink(), lambda _line: None)


@pytest.mark.processes  # git names the run's revision
def test_check_runs_the_toolchain_steps_on_the_engine_and_writes_report_json(tmp_path):
    engine = _ExitCodes()

    result = _check(tmp_path, engine, ["java-svc"], "test,build")

    assert engine.ran == [("java-svc", "mvn package"), ("java-svc", "mvn test")]
    assert not result.failed
    report = json.loads((tmp_path / "reports" / "report.json").read_text())
    assert report["engine"] == "dagger"
    stages = report["services"]["java-svc"]["stages"]
    assert {name: stage["status"] for name, stage in stages.items()} == {
        "build": "passed",
        "test": "passed",
    }


@pytest.mark.processes  # git names the run's revision
def test_a_failed_stage_becomes_an_error_naming_the_service_and_stage(tmp_path):
    result = _check(tmp_path, _ExitCodes({"mvn test": 1}), ["java-svc"], "build,test")

    assert result.failed
    error = check_failure(result)
    assert isinstance(error, StageFailed)
    assert "java-svc test: mvn test exited with code 1" in str(error)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"fail_on": "severe"}, "--fail-on: fail_on: must be one of low, medium"),
        ({"jobs": 0}, "--jobs: jobs: must be at least 1"),
    ],
)
def test_bad_settings_are_refused_before_anything_runs(tmp_path, setting, message):
    engine = _ExitCodes()

    with pytest.raises(ConfigError, match=message):
        _check(tmp_path, engine, ["java-svc"], "build", **setting)
    assert engine.ran == []


def test_check_reports_returns_every_report_file_as_a_directory(monkeypatch):
    files = {"report.json": '{"status": "failed"}', "logs/cart/build.log": "boom"}

    async def fake_check(self, *args):
        return None, files

    monkeypatch.setattr(CommerceCi, "_check", fake_check)
    directory = anyio.run(lambda: CommerceCi().check_reports(source=dagger.dag.directory()))

    written = calls(directory, "withNewFile")
    assert written == [
        {"path": "logs/cart/build.log", "contents": "boom"},
        {"path": "report.json", "contents": '{"status": "failed"}'},
    ]


# --- release, promote, rollback --------------------------------------------------------------


def _git(cwd: Path, *args: str) -> str:
    import subprocess

    out = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@e", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return out.stdout


VALUES = """\
# go-svc in dev (a comment the write-back keeps)
name: go-svc
image:
  repository: commerce/go-svc
  tag: unreleased
  digest: ""
port: 8080
"""

PUSHED = "sha256:" + "d" * 64
INPUTS = "sha256:" + "e" * 64


@pytest.fixture
def release_repo(tmp_path: Path) -> tuple[Path, Path]:
    """A repository with go-svc and its dev values file, and a bare GitOps remote of it."""
    import shutil

    from pipelines.gitops.git import seed_local_remote

    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "services" / "go-svc", root / "services" / "go-svc")
    values = root / "argocd" / "envs" / "dev" / "go-svc.yaml"
    values.parent.mkdir(parents=True)
    values.write_text(VALUES)
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "go-svc")
    bare = seed_local_remote(root, tmp_path / "gitops.git", {"PATH": "/usr/bin:/bin"})
    return root, bare


class _CleanScans(_ExitCodes):
    """Like _ExitCodes, and the scanners 'write' clean reports: nothing found, one package
    audited (an audit of nothing fails the gate)."""

    async def run_step(self, step, service, ctx, log_path):
        outcome = await super().run_step(step, service, ctx, log_path)
        written = write_clean_reports(step, service, ctx, "go.mod")
        return StepOutcome(step, outcome.exit_code, 0.01, log_path, written)


class _Images:
    """An ImagePublisher that builds nothing: the image 'pushed' is a fixed digest."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def prepare(self, bases, log):
        self.calls.append(f"prepare {','.join(sorted(bases))}")

    async def lookup(self, inputs, log):
        self.calls.append(f"lookup {inputs.service.name}")
        return None

    async def build(self, inputs, log):
        from pipelines.images.publisher import ImageRecord

        self.calls.append(f"build {inputs.service.name}")
        return ImageRecord(ref=None, digest="", input_digest=INPUTS)

    async def push(self, service, log):
        from pipelines.images.publisher import ImageRecord

        self.calls.append(f"push {service.name}")
        ref = f"registry.example/commerce/{service.name}:abc123@{PUSHED}"
        return ImageRecord(ref=ref, digest=PUSHED, input_digest=INPUTS, tags=("abc123",))

    def close(self) -> None:
        self.calls.append("close")


def _release(tmp_path: Path, root: Path, bare: Path, kit: _Kit):
    """`release`'s work: its arguments as the module adapts them, then the run."""
    from pipelines.gitops.git import GitOpsRemote

    gitops = GitOpsTarget(
        GitOpsRemote(str(bare)),
        "dev",
        tmp_path / "work",
        git_environ(tmp_path, None, "/usr/bin:/bin"),
    )
    env = module_env({"COMMERCE_CI_REPORT_DIR": str(tmp_path / "reports")})
    request = RunArgs(["go-svc"], jobs=1).request(
        root, env, RELEASE_STAGES, images={"registry": "registry.example"}, gitops=gitops
    )
    return anyio.run(execute, request, kit, ListSink(), lambda _line: None)


@pytest.mark.processes
def test_release_runs_every_stage_then_records_the_image_in_one_gitops_commit(
    tmp_path, release_repo
):
    root, bare = release_repo
    kit = _Kit(_CleanScans(), _Images())

    result = _release(tmp_path, root, bare, kit)

    assert not result.failed, result
    assert kit.images.calls == [
        "prepare static",
        "lookup go-svc",
        "build go-svc",
        "push go-svc",
        "close",
    ]
    assert kit.attested == ["sbom go-svc", "sign go-svc"]
    assert {step for _, step in kit.engine.ran} >= {"go build", "go vet"}
    report = json.loads((tmp_path / "reports" / "report.json").read_text())
    assert report["revision"] == _git(root, "rev-parse", "HEAD").strip()
    assert report["services"]["go-svc"]["image"]["digest"] == PUSHED
    landed = _git(bare, "show", "main:argocd/envs/dev/go-svc.yaml")
    assert f"digest: {PUSHED}" in landed or f'digest: "{PUSHED}"' in landed
    assert "(a comment the write-back keeps)" in landed
    assert report["gitops"]["commit"] == _git(bare, "rev-parse", "main").strip()


@pytest.mark.processes
def test_a_release_whose_check_fails_pushes_nothing_and_commits_nothing(tmp_path, release_repo):
    root, bare = release_repo
    before = _git(bare, "rev-parse", "main")
    kit = _Kit(_ExitCodes({"go vet": 1}), _Images())

    result = _release(tmp_path, root, bare, kit)

    assert result.failed
    assert kit.images.calls == ["prepare static", "lookup go-svc", "close"]
    assert kit.attested == []
    assert _git(bare, "rev-parse", "main") == before


def test_a_registry_login_is_both_halves_or_none():
    assert registry_env("r.example", "", "", None) == {}
    env = registry_env("r.example/commerce", "", "AWS", "tok")
    assert env == {"COMMERCE_CI_REGISTRY_USERNAME": "AWS", "COMMERCE_CI_REGISTRY_PASSWORD": "tok"}
    with pytest.raises(ConfigError, match="--registry-password"):
        registry_env("r.example", "", "AWS", None)
    with pytest.raises(ConfigError, match="--registry-username"):
        registry_env("r.example", "", "", "tok")


def test_a_mirror_on_the_registry_host_shares_its_login_and_another_does_not():
    same = registry_env("ecr.example", "ecr.example", "AWS", "tok")
    other = registry_env("ecr.example", "mirror.example", "AWS", "tok")

    assert same["COMMERCE_CI_MIRROR_PASSWORD"] == "tok"
    assert "COMMERCE_CI_MIRROR_PASSWORD" not in other


class _Secret:
    """Stands in for a dagger.Secret: what the function reads of it is its plaintext."""

    def __init__(self, value: str) -> None:
        self.value = value

    async def plaintext(self) -> str:
        return self.value


def test_a_gitops_token_reaches_git_only_through_the_variable_the_remote_names():
    async def open_remote():
        async with _gitops("https://git.example/shop.git", "main", _Secret("t0ken")) as pair:
            return pair

    remote, options = anyio.run(open_remote)

    assert remote.token_env == GITOPS_TOKEN_ENV
    assert options.environ[GITOPS_TOKEN_ENV] == "t0ken"
    assert "t0ken" not in remote.url
    assert set(options.environ) == {"PATH", "HOME", GITOPS_TOKEN_ENV}


def test_without_a_token_git_gets_no_token_variable_and_a_url_with_one_is_refused():
    assert gitops_remote("https://git.example/shop.git", "main", False).token_env is None
    assert GITOPS_TOKEN_ENV not in git_environ(Path("/tmp"), None, "/usr/bin")
    with pytest.raises(ConfigError, match="carries credentials"):
        gitops_remote("https://x:t0ken@git.example/shop.git", "main", True)
    with pytest.raises(ConfigError, match="--gitops-remote"):
        gitops_remote("", "main", False)


def _release_to(bare: Path, tmp_path: Path, digest: str) -> None:
    from pipelines.gitops.commands import GitOpsOptions, ImageUpdate, write_back

    update = ImageUpdate(
        "go-svc", "dev", "registry.example/commerce/go-svc", "v1", digest, "f" * 40
    )
    options = GitOpsOptions(workdir=tmp_path / "seed-work", environ={"PATH": "/usr/bin:/bin"})
    write_back(str(bare), [update], options=options)


@pytest.mark.processes
def test_promote_copies_the_digest_to_the_other_environment_in_one_commit(tmp_path, release_repo):
    _, bare = release_repo
    _release_to(bare, tmp_path, PUSHED)
    # prod needs its own file for the service before anything can be promoted into it.
    work = tmp_path / "add-prod"
    _git(tmp_path, "clone", "-q", str(bare), str(work))
    (work / "argocd" / "envs" / "prod").mkdir(parents=True)
    (work / "argocd" / "envs" / "prod" / "go-svc.yaml").write_text(VALUES)
    _git(work, "add", ".")
    _git(work, "commit", "-qm", "prod values")
    _git(work, "push", "-q", "origin", "HEAD:main")

    answer = anyio.run(lambda: CommerceCi().promote(services=["go-svc"], gitops_remote=str(bare)))

    commit = json.loads(answer)
    assert commit["changed"] is True
    assert commit["files"] == ["argocd/envs/prod/go-svc.yaml"]
    assert PUSHED in _git(bare, "show", "main:argocd/envs/prod/go-svc.yaml")


@pytest.mark.processes
def test_rollback_restores_the_previous_digest_from_history(tmp_path, release_repo):
    _, bare = release_repo
    older = "sha256:" + "1" * 64
    _release_to(bare, tmp_path, older)
    _release_to(bare, tmp_path, PUSHED)

    answer = anyio.run(
        lambda: CommerceCi().rollback(service="go-svc", env="dev", gitops_remote=str(bare))
    )

    assert json.loads(answer)["changed"] is True
    restored = _git(bare, "show", "main:argocd/envs/dev/go-svc.yaml")
    assert older in restored and PUSHED not in restored
