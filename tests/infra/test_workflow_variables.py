"""One name for each value: every `vars.*`/`secrets.*` a workflow reads is one Terraform outputs
under that exact name, or a bootstrap value, and README's setup list names each of them once.

A workflow reading `vars.AWS_RELEASE_ROLE_ARN` while Terraform outputs `ci_role_arn` works in no
real run: the variable is empty and the job fails at its first AWS call. These tests read the
three places offline (workflow YAML, the environments' outputs.tf, README.md) and hold them to
each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from infra_helpers import ROOT, TERRAFORM_DIR, WORKFLOWS_DIR, labelled, load_dir

ENVS = ("dev", "prod")
CONTEXT_READ = re.compile(r"\b(vars|secrets)\.([A-Za-z_][A-Za-z0-9_]*)")
README_ROW = re.compile(r"^\| `([A-Z][A-Z0-9_]*)` \| ([^|]+) \| ([^|]+) \|$")
ENVIRONMENT_OUTPUT = "github_environment_variables"
REPOSITORY_OUTPUT = "github_repository_variables"


@dataclass(frozen=True)
class SetupRow:
    name: str
    scope: str
    source: str


def reads(text: str) -> set[tuple[str, str]]:
    return set(CONTEXT_READ.findall(text))


def workflow_reads() -> dict[str, set[tuple[str, str]]]:
    return {path.name: reads(path.read_text()) for path in sorted(WORKFLOWS_DIR.glob("*.yml"))}


def setup_rows(readme: str) -> dict[str, SetupRow]:
    """The README's table of variables, under "Running it on AWS and GitHub"."""
    heading = "## Running it on AWS and GitHub"
    assert heading in readme, f"README.md has no setup list ({heading})"
    section = readme.split(heading, 1)[1].split("\n## ", 1)[0]
    rows = [README_ROW.match(line.strip()) for line in section.splitlines()]
    found = [SetupRow(m[1], m[2].strip(), m[3].strip()) for m in rows if m]
    names = [row.name for row in found]
    assert len(names) == len(set(names)), f"a variable is listed twice: {names}"
    return {row.name: row for row in found}


def output_value(outputs: list[dict[str, Any]], name: str) -> dict[str, str]:
    value = labelled(outputs, name)["value"]
    assert isinstance(value, dict), f"output {name} must be a map literal of name -> value"
    return value


def environment_variables() -> dict[str, str]:
    """What every environment sets on its GitHub environment: the platform's one map."""
    platform = load_dir(TERRAFORM_DIR / "modules" / "platform")
    for env in ENVS:
        passed = labelled(load_dir(TERRAFORM_DIR / "envs" / env)["output"], ENVIRONMENT_OUTPUT)
        assert passed["value"] == f"${{module.platform.{ENVIRONMENT_OUTPUT}}}"
    return output_value(platform["output"], ENVIRONMENT_OUTPUT)


def repository_variables(env: str) -> dict[str, str]:
    return output_value(load_dir(TERRAFORM_DIR / "envs" / env)["output"], REPOSITORY_OUTPUT)


def test_reads_finds_variables_and_secrets_in_expressions() -> None:
    text = "role: ${{ matrix.env == 'prod' && vars.A_PROD || vars.A_DEV }}\nt: ${{ secrets.T }}"
    assert reads(text) == {("vars", "A_PROD"), ("vars", "A_DEV"), ("secrets", "T")}


def test_setup_rows_reads_the_readme_table_and_refuses_a_name_listed_twice() -> None:
    table = "| `X` | repository | bootstrap |\n| `Y` | environments | `terraform output z` |"
    rows = setup_rows(f"## Running it on AWS and GitHub\n\n{table}\n\n## Next\n| `Z` | a | b |")
    assert set(rows) == {"X", "Y"} and rows["Y"].source == "`terraform output z`"


def test_workflows_read_no_stored_secret() -> None:
    secrets = {
        (workflow, name)
        for workflow, found in workflow_reads().items()
        for kind, name in found
        if kind == "secrets" and name != "GITHUB_TOKEN"
    }
    assert secrets == set(), "AWS goes through OIDC and git through the job's token"


def test_every_variable_a_workflow_reads_is_in_the_readme_setup_list_and_no_other() -> None:
    read = {name for found in workflow_reads().values() for kind, name in found if kind == "vars"}
    listed = set(setup_rows((ROOT / "README.md").read_text()))
    assert read - listed == set(), "read by a workflow but not in README's setup list"
    assert listed - read == set(), "in README's setup list but read by no workflow"


def test_each_listed_variable_names_the_terraform_output_that_holds_it_under_that_name() -> None:
    rows = setup_rows((ROOT / "README.md").read_text())
    by_environment = environment_variables()
    by_repository = {env: repository_variables(env) for env in ENVS}
    for row in rows.values():
        if ENVIRONMENT_OUTPUT in row.source:
            assert row.name in by_environment, f"{row.name}: not a key of {ENVIRONMENT_OUTPUT}"
            assert row.scope.startswith("environments"), row
        elif REPOSITORY_OUTPUT in row.source:
            env = row.source.rsplit(" ", 1)[1]
            assert row.name in by_repository[env], f"{row.name}: not in {env}'s {REPOSITORY_OUTPUT}"
            assert row.scope == "repository", row
        else:
            assert row.source.startswith("bootstrap"), f"{row.name}: where does it come from?"
    listed = {name for name, row in rows.items() if "terraform output" in row.source}
    outputs = set(by_environment) | {n for names in by_repository.values() for n in names}
    assert outputs - listed == set(), "Terraform outputs a variable the setup list leaves out"


def test_environment_variables_are_read_only_by_jobs_bound_to_an_environment() -> None:
    """A GitHub environment's variables resolve only in a job that names the environment."""
    rows = setup_rows((ROOT / "README.md").read_text())
    scoped = {name for name, row in rows.items() if row.scope.startswith("environments")}
    for path in sorted(WORKFLOWS_DIR.glob("*.yml")):
        workflow = yaml.safe_load(path.read_text())
        assert not {n for _, n in reads(yaml.safe_dump(workflow.get("env", {})))} & scoped
        for name, job in workflow["jobs"].items():
            used = {n for _, n in reads(yaml.safe_dump(job))} & scoped
            assert not used or "environment" in job, f"{path.name} {name} reads {used}"


def test_the_release_workflow_reads_the_terraform_names_without_fallbacks() -> None:
    text = (WORKFLOWS_DIR / "release.yml").read_text()
    for name in environment_variables():
        assert f"vars.{name} }}}}" in text, f"release.yml does not read {name}"
    assert "vars.DOCKER_HUB_CACHE_PREFIX ||" not in text, "a default hides a missing variable"


def test_the_plan_role_variable_of_each_environment_is_the_one_terraform_outputs() -> None:
    text = (WORKFLOWS_DIR / "terraform.yml").read_text()
    for env in ENVS:
        (name,) = repository_variables(env)
        assert name == f"AWS_PLAN_ROLE_ARN_{env.upper()}"
        assert f"vars.{name}" in text


def test_the_readme_names_files_and_commands_that_exist() -> None:
    readme = (ROOT / "README.md").read_text()
    assert Path(TERRAFORM_DIR / "accounts.json").is_file() and "terraform/accounts.json" in readme
    assert "module.platform.module.ci_runner" in readme
    platform = load_dir(TERRAFORM_DIR / "modules" / "platform")
    assert labelled(platform["module"], "ci_runner")["source"] == "../ci-runner"
