"""GitHub Actions workflows: actionlint, pinned actions, least privilege, and `dagger call`s that
name functions and arguments the Dagger module (pipelines/main.py, CommerceCi) really has."""

from __future__ import annotations

import ast
import fnmatch
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from infra_helpers import ROOT, WORKFLOWS_DIR, run, tool

MODULE = ROOT / "pipelines" / "main.py"
MAIN_OBJECT = "CommerceCi"
WORKFLOWS = sorted(WORKFLOWS_DIR.glob("*.yml"))
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<rest>.*)$")


def load(path: Path) -> dict[str, Any]:
    # PyYAML reads the key `on` as True; the tests only look at jobs and permissions.
    return yaml.safe_load(path.read_text())


# --- actionlint ------------------------------------------------------------------------------


def test_actionlint_passes() -> None:
    result = run([tool("actionlint"), "-no-color", *map(str, WORKFLOWS)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_rejects_an_undefined_job_dependency(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  a:\n    needs: missing\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ github.nope }}\n"
    )
    result = run([tool("actionlint"), "-no-color", str(bad)])
    assert result.returncode != 0
    assert "missing" in result.stdout


# --- supply chain and privileges ------------------------------------------------------------


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_with_its_version(path: Path) -> None:
    refs = [m for line in path.read_text().splitlines() if (m := USES.match(line))]
    assert refs
    for match in refs:
        ref = match["ref"]
        if ref.startswith("./"):
            continue
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref), f"{path.name}: {ref} not pinned"
        assert re.search(r"#\s*v\d+(\.\d+)*", match["rest"]), f"{path.name}: {ref} lacks # vX.Y.Z"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_permissions_start_empty_and_each_job_asks_for_its_own(path: Path) -> None:
    workflow = load(path)
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, f"{path.name}: job {name} declares no permissions"
        assert "write-all" not in str(job["permissions"])
        wants_aws = any(
            "configure-aws-credentials" in step.get("uses", "") for step in job.get("steps", [])
        )
        assert (job["permissions"].get("id-token") == "write") == wants_aws, name


def test_terraform_apply_waits_for_environment_approval_on_main_only() -> None:
    jobs = load(WORKFLOWS_DIR / "terraform.yml")["jobs"]
    assert jobs["apply"]["environment"] == "${{ matrix.env }}"
    assert "refs/heads/main" in jobs["apply"]["if"]
    assert "pull_request" in jobs["plan"]["if"]
    for job in jobs.values():
        for step in job["steps"]:
            assert "aws-access-key-id" not in step.get("with", {}), "no stored keys: OIDC only"


def test_dagger_version_matches_the_pinned_sdk() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pins = [d for d in pyproject["project"]["optional-dependencies"]["dagger"] if "dagger-io" in d]
    sdk = pins[0].split("==")[1]
    assert re.fullmatch(r"0\.21\.\d+", sdk)
    for path in WORKFLOWS:
        workflow = load(path)
        if "dagger call" in path.read_text():
            assert workflow["env"]["DAGGER_VERSION"] == sdk, path.name


# --- dagger calls against the module --------------------------------------------------------


@dataclass(frozen=True)
class Function:
    name: str
    params: dict[str, str]  # kebab-case flag -> annotation source
    required: frozenset[str]
    returns: str


@dataclass(frozen=True)
class Call:
    function: str
    flags: dict[str, str | None]
    chained: tuple[str, ...]
    text: str


def kebab(name: str) -> str:
    return name.replace("_", "-")


def _is_function_decorator(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    return (isinstance(target, ast.Name) and target.id == "function") or (
        isinstance(target, ast.Attribute) and target.attr == "function"
    )


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Module-level type aliases (`Source = Annotated[dagger.Directory, DefaultPath(".")]`)."""
    aliases = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and isinstance(node.value, ast.Subscript):
                aliases[target.id] = ast.unparse(node.value)
    return aliases


def base_type(annotation: str) -> str:
    """`Annotated[bool, Doc(...)]` -> `bool`; anything else unchanged."""
    node = ast.parse(annotation, mode="eval").body
    if isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith("Annotated"):
        first = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) else node.slice
        return ast.unparse(first)
    return annotation


def module_functions(source: str, main_object: str = MAIN_OBJECT) -> dict[str, Function]:
    """The @function methods of the main object and their parameters, from the source alone."""
    tree = ast.parse(source)
    aliases = _aliases(tree)
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == main_object]
    if not classes:
        raise LookupError(f"class {main_object} not found")
    functions: dict[str, Function] = {}
    for node in classes[0].body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if not any(_is_function_decorator(d) for d in node.decorator_list):
            continue
        positional = node.args.args[1:]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(node.args.defaults))
        defaults += [*node.args.defaults, *node.args.kw_defaults]
        params, required = {}, set()
        for arg, default in zip([*positional, *node.args.kwonlyargs], defaults, strict=True):
            annotation = ast.unparse(arg.annotation) if arg.annotation else ""
            annotation = aliases.get(annotation, annotation)
            params[kebab(arg.arg)] = base_type(annotation) if annotation else ""
            if default is None and "DefaultPath" not in annotation:
                required.add(kebab(arg.arg))
        returns = ast.unparse(node.returns) if node.returns else ""
        functions[kebab(node.name)] = Function(node.name, params, frozenset(required), returns)
    return functions


def dagger_calls(text: str, functions: dict[str, Function]) -> list[Call]:
    """Every `dagger call FUNCTION --flag[=value] ... [chained ...]` in a workflow's text."""
    calls = []
    joined = re.sub(r"\\\n\s*", " ", text)
    for line in joined.splitlines():
        if "dagger call" not in line or line.strip().startswith("#"):
            continue
        tokens = shlex.split(line.split("dagger call", 1)[1], comments=True)
        assert tokens, line
        function, rest = tokens[0], tokens[1:]
        known = functions.get(function)
        flags: dict[str, str | None] = {}
        i = 0
        while i < len(rest) and rest[i].startswith("--"):
            flag, eq, value = rest[i][2:].partition("=")
            i += 1
            boolean = known is not None and known.params.get(flag, "") == "bool"
            if not eq and not boolean and i < len(rest) and not rest[i].startswith("--"):
                value, i = rest[i], i + 1
            flags[flag] = value if (eq or not boolean) else None
        calls.append(Call(function, flags, tuple(rest[i:]), line.strip()))
    return calls


def check_call(call: Call, functions: dict[str, Function]) -> list[str]:
    problems = []
    function = functions.get(call.function)
    if function is None:
        return [f"{call.text!r}: {MAIN_OBJECT} has no function {call.function!r}"]
    unknown = set(call.flags) - set(function.params)
    if unknown:
        problems.append(f"{call.text!r}: {call.function} has no argument(s) {sorted(unknown)}")
    missing = function.required - set(call.flags)
    if missing:
        problems.append(f"{call.text!r}: required argument(s) {sorted(missing)} not given")
    if call.chained[:1] == ("export",) and "Directory" not in function.returns:
        problems.append(f"{call.text!r}: exports, but {call.function} returns {function.returns!r}")
    return problems


FIXTURE_MODULE = """
import dagger
from typing import Annotated
from dagger import DefaultPath, Doc, function, object_type

Source = Annotated[dagger.Directory, DefaultPath("."), Doc("the repository")]

@object_type
class CommerceCi:
    @function
    async def plan(
        self, source: Annotated[dagger.Directory, DefaultPath(".")], base: str = "", head: str = ""
    ) -> str: ...
    @function
    def check(
        self, source: Source, services: list[str], keep_going: Annotated[bool, Doc("x")] = False
    ) -> dagger.Directory: ...
    def helper(self, x: int) -> None: ...
"""


def test_module_reader_finds_functions_and_kebab_case_arguments() -> None:
    functions = module_functions(FIXTURE_MODULE)
    assert set(functions) == {"plan", "check"}
    assert set(functions["check"].params) == {"source", "services", "keep-going"}
    assert functions["check"].required == {"services"}


def test_a_call_with_an_unknown_function_or_argument_is_reported() -> None:
    functions = module_functions(FIXTURE_MODULE)
    text = (
        "dagger call plan --source=. --bse=x\n"
        "dagger call release --services a\n"
        "dagger call check --source=.\n"
        'dagger call plan --base="$B" export --path=out\n'
    )
    problems = [p for c in dagger_calls(text, functions) for p in check_call(c, functions)]
    assert len(problems) == 4, problems
    assert any("'bse'" in p for p in problems)
    assert any("no function 'release'" in p for p in problems)
    assert any("required argument(s) ['services']" in p for p in problems)
    assert any("exports, but plan returns 'str'" in p for p in problems)


def test_a_correct_call_with_a_chained_export_passes() -> None:
    functions = module_functions(FIXTURE_MODULE)
    text = 'run: |\n  dagger call check --services="$S" --source=. --keep-going export --path=out\n'
    (call,) = dagger_calls(text, functions)
    assert call.flags == {"source": ".", "services": "$S", "keep-going": None}
    assert call.chained == ("export", "--path=out")
    assert check_call(call, functions) == []


def test_workflow_dagger_calls_exist_on_the_module() -> None:
    if not MODULE.exists():
        pytest.fail(f"{MODULE} (the Dagger module, {MAIN_OBJECT}) is missing")
    functions = module_functions(MODULE.read_text())
    calls = [c for path in WORKFLOWS for c in dagger_calls(path.read_text(), functions)]
    assert {c.function for c in calls} >= {
        "plan",
        "check-reports",
        "services",
        "release",
        "write-back",
    }
    problems = [p for c in calls for p in check_call(c, functions)]
    assert problems == []


# --- the plan job's matrix -------------------------------------------------------------------


def matrix_script(workflow: str = "ci.yml") -> str:
    ci = load(WORKFLOWS_DIR / workflow)
    (step,) = [s for s in ci["jobs"]["plan"]["steps"] if s.get("id") == "matrix"]
    return step["run"].split("<<'PY'", 1)[1].split("\n", 1)[1].rsplit("PY", 1)[0]


def _run_script(
    workflow: str, plan: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-", str(plan)],
        input=matrix_script(workflow),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env={"PATH": os.environ["PATH"], **(env or {})},
    )


def plan_matrix(tmp_path: Path, services: list[str]) -> dict[str, str]:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"services": services, "reasons": {}}))
    result = _run_script("ci.yml", plan)
    assert result.returncode == 0, result.stderr
    return dict(line.split("=", 1) for line in result.stdout.splitlines())


def test_matrix_has_one_job_per_affected_service(tmp_path: Path) -> None:
    outputs = plan_matrix(tmp_path, ["cart", "ad"])
    assert json.loads(outputs["matrix"]) == {"services": ["ad", "cart"]}
    assert outputs["count"] == "2"


def test_matrix_stays_under_githubs_256_job_limit(tmp_path: Path) -> None:
    services = [f"svc-{i:04d}" for i in range(1000)]
    outputs = plan_matrix(tmp_path, services)
    entries = json.loads(outputs["matrix"])["services"]
    assert len(entries) <= 256
    assert sorted(s for e in entries for s in e.split(",")) == services


def test_matrix_is_empty_when_nothing_is_affected(tmp_path: Path) -> None:
    outputs = plan_matrix(tmp_path, [])
    assert outputs["count"] == "0"


# --- release.yml ------------------------------------------------------------------------------

RELEASE = WORKFLOWS_DIR / "release.yml"


def release_plan(tmp_path: Path, planned: object, **env: str) -> dict[str, str]:
    """The release plan step's outputs for one event, `planned` being what dagger call wrote."""
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(planned))
    defaults = {"EVENT": "push", "REF_TYPE": "branch", "REF_NAME": "main"}
    defaults |= {"INPUT_SERVICES": "", "INPUT_ENVIRONMENT": ""}
    result = _run_script("release.yml", plan, {**defaults, **env})
    assert result.returncode == 0, result.stderr
    return dict(line.split("=", 1) for line in result.stdout.splitlines())


def test_release_runs_on_main_on_service_version_tags_and_on_dispatch_naming_services() -> None:
    triggers = load(RELEASE)[True]  # PyYAML reads the key `on` as True
    assert triggers["push"] == {"branches": ["main"], "tags": ["*/v*.*.*"]}
    assert set(triggers["workflow_dispatch"]["inputs"]) == {"services", "environment"}


def test_a_push_to_main_releases_what_it_changed_to_dev(tmp_path: Path) -> None:
    outputs = release_plan(tmp_path, {"services": ["cart", "ad"], "reasons": {}})

    assert json.loads(outputs["matrix"]) == {"services": ["ad", "cart"]}
    assert (outputs["environment"], outputs["version"], outputs["count"]) == ("dev", "", "2")


def test_a_tag_releases_its_service_with_its_version(tmp_path: Path) -> None:
    outputs = release_plan(tmp_path, [], REF_TYPE="tag", REF_NAME="checkout/v1.4.0")

    assert json.loads(outputs["matrix"]) == {"services": ["checkout"]}
    assert (outputs["environment"], outputs["version"]) == ("dev", "1.4.0")


def test_a_dispatch_releases_the_named_services_or_all_of_them(tmp_path: Path) -> None:
    named = release_plan(
        tmp_path,
        [],
        EVENT="workflow_dispatch",
        INPUT_SERVICES="cart, ad cart",
        INPUT_ENVIRONMENT="prod",
    )
    everything = release_plan(
        tmp_path, [{"name": "ad"}, {"name": "email"}], EVENT="workflow_dispatch"
    )

    assert json.loads(named["matrix"]) == {"services": ["ad", "cart"]}
    assert named["environment"] == "prod"
    assert json.loads(everything["matrix"]) == {"services": ["ad", "email"]}
    assert everything["environment"] == "dev"


@pytest.mark.parametrize(
    "env",
    [
        {"REF_TYPE": "tag", "REF_NAME": "Cart;rm/v1.0.0"},
        {"REF_TYPE": "tag", "REF_NAME": "cart/v1.0"},
        {"EVENT": "workflow_dispatch", "INPUT_SERVICES": "cart", "INPUT_ENVIRONMENT": "staging"},
    ],
)
def test_a_malformed_tag_or_environment_releases_nothing(tmp_path: Path, env: dict) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text("[]")
    defaults = {"EVENT": "push", "REF_TYPE": "branch", "REF_NAME": "main"}
    defaults |= {"INPUT_SERVICES": "", "INPUT_ENVIRONMENT": ""}

    result = _run_script("release.yml", plan, {**defaults, **env})

    assert result.returncode != 0
    assert "refusing to release" in result.stderr
    assert "matrix=" not in result.stdout


def test_only_the_gitops_writers_may_write_and_releases_queue_per_environment_and_service() -> None:
    jobs = load(RELEASE)["jobs"]
    writers = [name for name, job in jobs.items() if job["permissions"].get("contents") == "write"]
    assert writers == ["release", "gitops"]
    assert jobs["plan"]["permissions"] == {"contents": "read"}
    concurrency = jobs["release"]["concurrency"]
    assert concurrency["group"] == (
        "release-${{ needs.plan.outputs.environment }}-${{ matrix.services }}"
    )
    assert concurrency["cancel-in-progress"] is False


def _release_call() -> Call:
    functions = module_functions(MODULE.read_text())
    (call,) = [c for c in dagger_calls(RELEASE.read_text(), functions) if c.function == "release"]
    return call


def test_credentials_reach_the_release_as_secrets_from_environment_variables() -> None:
    call = _release_call()

    assert call.flags["registry-password"] == "env:ECR_PASSWORD"
    assert call.flags["gitops-token"] == "env:GITOPS_TOKEN"
    assert call.flags["registry-username"] == "AWS"
    text = RELEASE.read_text()
    assert 'ECR_PASSWORD="$(aws ecr get-login-password' in text
    assert "GITOPS_TOKEN: ${{ github.token }}" in text


def test_aws_comes_from_a_role_in_a_repository_variable_with_no_stored_keys() -> None:
    (step,) = [
        s
        for s in load(RELEASE)["jobs"]["release"]["steps"]
        if "configure-aws-credentials" in s.get("uses", "")
    ]
    assert step["with"]["role-to-assume"] == "${{ vars.AWS_RELEASE_ROLE_ARN }}"
    assert not {"aws-access-key-id", "aws-secret-access-key"} & set(step["with"])


def test_an_action_is_pinned_to_the_same_commit_in_every_workflow() -> None:
    pins: dict[str, set[str]] = {}
    for path in WORKFLOWS:
        for line in path.read_text().splitlines():
            if (match := USES.match(line)) and "@" in match["ref"]:
                action, sha = match["ref"].split("@", 1)
                pins.setdefault(action, set()).add(sha)
    assert {action: shas for action, shas in pins.items() if len(shas) > 1} == {}


def _engine_config_command() -> list[str]:
    (step,) = [
        s for s in load(RELEASE)["jobs"]["release"]["steps"] if "engine-config" in s.get("run", "")
    ]
    joined = re.sub(r"\\\n\s*", " ", step["run"])
    (line,) = [ln for ln in joined.splitlines() if "engine-config" in ln]
    return shlex.split(line)


def test_the_engine_mirror_step_runs_on_a_bare_python_and_writes_the_mirror(
    tmp_path: Path,
) -> None:
    from pipelines.engines.dagger_mirrors import engine_config

    argv = _engine_config_command()
    assert argv[:3] == ["python3", "-m", "pipelines.engines.dagger_mirrors"]
    cache = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/commerce-docker-hub"
    env = {"PATH": os.environ["PATH"], "DOCKER_HUB_CACHE": cache, "HOME": str(tmp_path)}
    values = {"XDG_CONFIG_HOME:-$HOME/.config": f"{tmp_path}/.config", **env}
    expanded = [
        re.sub(r"\$\{([^}]+)\}|\$(\w+)", lambda m: values[m[1] or m[2]], a) for a in argv[3:]
    ]
    # -S: no site-packages, so the step cannot depend on anything but the standard library.
    result = subprocess.run(
        [sys.executable, "-S", "-m", "pipelines.engines.dagger_mirrors", *expanded],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    written = json.loads((tmp_path / ".config" / "dagger" / "engine.json").read_text())
    assert written == engine_config({"docker.io": [cache]})


def test_the_mirror_is_configured_before_the_first_dagger_call_starts_the_engine() -> None:
    steps = load(RELEASE)["jobs"]["release"]["steps"]
    commands = [
        [ln.strip() for ln in s.get("run", "").splitlines() if not ln.strip().startswith("#")]
        for s in steps
    ]
    configured = next(i for i, c in enumerate(commands) if any("engine-config" in ln for ln in c))
    first_call = next(i for i, c in enumerate(commands) if any("dagger call" in ln for ln in c))
    assert configured < first_call


# --- ci.yml on pull requests from forks ---------------------------------------------------------

CI = WORKFLOWS_DIR / "ci.yml"
SAME_REPOSITORY = "github.event.pull_request.head.repo.full_name == github.repository"


def _check_step(uses: str) -> dict[str, Any]:
    (step,) = [s for s in load(CI)["jobs"]["check"]["steps"] if uses in s.get("uses", "")]
    return step


@pytest.mark.parametrize("uses", ["codeql-action/upload-sarif", "action-junit-report"])
def test_steps_a_forks_read_only_token_cannot_run_are_skipped_for_forks(uses: str) -> None:
    step = _check_step(uses)
    assert SAME_REPOSITORY in step["if"], f"{uses} would fail on a fork's pull request"
    assert step["if"].startswith("always() && "), "a failed check must still upload its results"


def test_the_fork_guard_is_the_one_terraform_plan_uses() -> None:
    plan = load(WORKFLOWS_DIR / "terraform.yml")["jobs"]["plan"]
    assert SAME_REPOSITORY in plan["if"]


def test_code_scanning_upload_may_read_the_run_as_private_repositories_require() -> None:
    permissions = load(CI)["jobs"]["check"]["permissions"]
    assert permissions["actions"] == "read"
    assert permissions["security-events"] == "write"


def test_sarif_category_follows_the_service_not_the_matrix_position() -> None:
    category = _check_step("codeql-action/upload-sarif")["with"]["category"]
    assert "matrix.services" in category
    assert "job-index" not in category and "strategy." not in category


# --- release.yml: many release jobs, one GitOps commit -------------------------------------------


def test_several_release_jobs_fan_in_and_a_single_one_commits_itself(tmp_path: Path) -> None:
    many = release_plan(tmp_path, {"services": ["cart", "ad"], "reasons": {}})
    tag = release_plan(tmp_path, [], REF_TYPE="tag", REF_NAME="checkout/v1.4.0")
    one_changed = release_plan(tmp_path, {"services": ["cart"], "reasons": {}})

    assert many["fan_in"] == "true"
    assert tag["fan_in"] == "false" and one_changed["fan_in"] == "false"
    assert (
        load(RELEASE)["jobs"]["plan"]["outputs"]["fan_in"] == "${{ steps.matrix.outputs.fan_in }}"
    )


def test_a_release_job_commits_only_when_it_is_the_only_one() -> None:
    (step,) = [s for s in load(RELEASE)["jobs"]["release"]["steps"] if s.get("name") == "Release"]
    assert _release_call().flags["commit"] == "$COMMIT"
    assert step["env"]["COMMIT"] == (
        "${{ needs.plan.outputs.fan_in == 'true' && 'false' || 'true' }}"
    )


def _steps_using(job: str, action: str) -> list[dict[str, Any]]:
    return [s for s in load(RELEASE)["jobs"][job]["steps"] if action in s.get("uses", "")]


def test_each_fanned_in_release_job_uploads_its_report_whatever_its_outcome() -> None:
    (upload,) = _steps_using("release", "actions/upload-artifact")
    assert upload["if"].startswith("always() && needs.plan.outputs.fan_in == 'true'")
    assert upload["with"]["path"] == "reports/report.json"
    assert upload["with"]["name"] == "release-report-${{ strategy.job-index }}"


def test_the_gitops_job_writes_every_report_back_in_one_engine_commit() -> None:
    job = load(RELEASE)["jobs"]["gitops"]
    assert job["needs"] == ["plan", "release"]
    assert job["if"] == "${{ !cancelled() && needs.plan.outputs.fan_in == 'true' }}"
    assert job["permissions"] == {"contents": "write"}
    (download,) = _steps_using("gitops", "actions/download-artifact")
    assert fnmatch.fnmatchcase("release-report-3", download["with"]["pattern"])
    functions = module_functions(MODULE.read_text())
    (call,) = [
        c for c in dagger_calls(RELEASE.read_text(), functions) if c.function == "write-back"
    ]
    assert call.flags["reports"] == download["with"]["path"]
    assert call.flags["gitops-token"] == "env:GITOPS_TOKEN"
    (step,) = [s for s in job["steps"] if "write-back" in s.get("run", "")]
    assert step["env"]["ENVIRONMENT"] == "${{ needs.plan.outputs.environment }}"
    assert step["env"]["SOURCE_COMMIT"] == "${{ github.sha }}"
    assert call.flags["env"] == "$ENVIRONMENT"
    assert call.flags["source-commit"] == "$SOURCE_COMMIT"


def test_write_backs_of_one_environment_queue_instead_of_cancelling() -> None:
    concurrency = load(RELEASE)["jobs"]["gitops"]["concurrency"]
    assert concurrency == {
        "group": "gitops-${{ needs.plan.outputs.environment }}",
        "cancel-in-progress": False,
    }


def test_jobs_that_assume_an_aws_role_are_bound_to_a_github_environment() -> None:
    """The release role trusts only `environment:<env>` subjects (terraform/modules/ci-identity)."""
    for name, job in load(RELEASE)["jobs"].items():
        if any("configure-aws-credentials" in s.get("uses", "") for s in job.get("steps", [])):
            assert job["environment"] == "${{ needs.plan.outputs.environment }}", name
