"""The Dagger module: what `dagger functions` would see, and the work `check` does, engine-free.

Registration is read the way the SDK's runtime reads it: through the `dagger.mod` entry point,
then the Module's resolvers and the type definitions it would send to the engine. The function
bodies are tested through `run_check`, the part of `check` that needs no Dagger plumbing, with a
small engine that satisfies the Engine protocol.
"""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path
from typing import Any

import anyio
import dagger
import pytest
from dagger.mod import Module
from dagger.mod.cli import get_entry_point, load_module

from pipelines.catalog import load_catalog
from pipelines.engines.dagger import SOURCE_IGNORE
from pipelines.errors import ConfigError, StageFailed
from pipelines.events import ListSink
from pipelines.main import CommerceCi, _stages, check_failure, run_check
from pipelines.results import StepOutcome
from pipelines.steps import Stage

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

    assert set(fns) == {"plan", "check", "check_reports", "services"}
    assert {name: fn.return_type for name, fn in fns.items()} == {
        "plan": str,
        "check": str,
        "check_reports": dagger.Directory,
        "services": str,
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


def _selections(obj: Any) -> list[Any]:
    return list(obj._ctx.selections)


def _type_name(type_def: Any) -> str:
    """A TypeDef query as a short name: STRING, [STRING]?, Directory?..."""
    name, optional = "?", False
    for field in _selections(type_def):
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
    for field in _selections(module_query):
        if field.name != "withObject":
            continue
        for obj_field in _selections(field.args["object"]):
            if obj_field.name != "withFunction":
                continue
            function = obj_field.args["function"]
            (head, *rest) = _selections(function)
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

    async def run_step(self, step, service, ctx, log_path):
        self.ran.append((service.name, step.name))
        return StepOutcome(step, self.codes.get(step.name, 0), 0.01, log_path)


def _check(tmp_path: Path, engine: _ExitCodes, names: list[str], stages: str, **kw: Any):
    defaults = {"keep_going": False, "jobs": 2, "fail_on": "low", "offline_vulndb": False}
    return anyio.run(
        lambda: run_check(
            FIXTURES,
            engine,
            names,
            stages,
            report_dir=tmp_path / "reports",
            sink=ListSink(),
            **{**defaults, **kw},
        )
    )


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


def test_a_failed_stage_becomes_an_error_naming_the_service_and_stage(tmp_path):
    result = _check(tmp_path, _ExitCodes({"mvn test": 1}), ["java-svc"], "build,test")

    assert result.failed
    error = check_failure(result)
    assert isinstance(error, StageFailed)
    assert "java-svc test: mvn test exited with code 1" in str(error)


@pytest.mark.parametrize(
    ("setting", "message"),
    [({"fail_on": "severe"}, "choose from low, medium"), ({"jobs": 0}, "at least 1")],
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

    written = [f.args for f in directory._ctx.selections if f.name == "withNewFile"]
    assert written == [
        {"path": "logs/cart/build.log", "contents": "boom"},
        {"path": "report.json", "contents": '{"status": "failed"}'},
    ]
