"""The rules behind "bad input is refused before anything starts", one behaviour each, without
a process: credentials masked in errors, settings typed, files limited, paths kept inside the
repository, a run's dirs and offline database checked (the CLI corpus is
tests/integration/test_bad_input.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.catalog import load_catalog
from pipelines.catalog.index import load_index
from pipelines.errors import (
    CommerceCiError,
    ConfigError,
    ExitCode,
    error_line,
    redact,
    shown,
    unwrap,
)
from pipelines.gitops.cli import check_branch, check_environment, check_remote
from pipelines.gitops.errors import ValuesFileError
from pipelines.gitops.values import read_image
from pipelines.limits import MAX_FILE_BYTES, read_text
from pipelines.run.assemble import RunRequest, check, check_writable_dir
from pipelines.settings import resolve
from pipelines.steps import Stage


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("user:pw@host", "user:***@host"),
        ("https://user:pw@registry.example/x", "https://***@registry.example/x"),
        ("https://x-access-token@github.example/r.git", "https://***@github.example/r.git"),
        ("'u:pw@h' is not HOST", "'u:***@h' is not HOST"),
    ],
)
def test_credentials_in_a_value_are_masked(text, masked):
    assert redact(text) == masked


@pytest.mark.parametrize("text", ["registry.example:5000/commerce", "git@github.com:o/r.git"])
def test_values_without_credentials_are_left_alone(text):
    assert redact(text) == text


def test_a_config_error_never_carries_the_password_it_was_given():
    error = ConfigError("--registry", "registry", "'user:hunter22@host' is not HOST")

    assert "hunter22" not in str(error)


def test_the_environment_secrets_are_masked_in_the_printed_line():
    env = {"COMMERCE_CI_REGISTRY_PASSWORD": "p4ssw0rd-x", "PATH": "/usr/bin"}

    assert error_line(CommerceCiError("login p4ssw0rd-x refused"), env) == "login *** refused"


def test_a_bad_input_error_prints_as_one_line_cut_when_long():
    line = error_line(ConfigError("values", None, "first\nsecond " + "x" * 900), {})

    assert "\n" not in line
    assert len(line) < 600


def test_a_long_value_is_cut_and_its_length_said():
    assert shown("a" * 500).endswith("... (500 characters)")


def test_an_exception_group_stands_for_the_engine_error_it_carries():
    inner = ConfigError("--x", None, "bad")
    group = ExceptionGroup("task group", [ExceptionGroup("nested", [inner])])

    assert unwrap(group) is inner


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("jobs = true", "jobs: must be an integer, not bool"),
        ("jobs = 2.5", "jobs: must be an integer, not float"),
        ('jobs = "2"', "jobs: must be an integer, not str"),
        ("step_timeout = false", "step_timeout: must be a number, not bool"),
        ("step_timeout = nan", "step_timeout: must be a finite number"),
        ("step_timeout = inf", "step_timeout: must be a finite number"),
        ("report_dir = 3", "report_dir: must be a string, not int"),
        ('verify_signatures = "yes"', "verify_signatures: must be true or false, not str"),
    ],
)
def test_a_file_setting_of_the_wrong_toml_type_names_the_file_and_key(tmp_path, line, message):
    (tmp_path / "commerce-ci.toml").write_text(line + "\n")

    with pytest.raises(ConfigError, match=f"commerce-ci.toml: {message}"):
        resolve({}, {}, tmp_path, tmp_path)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400", "0"])
def test_a_step_timeout_must_be_a_finite_positive_number(tmp_path, value):
    with pytest.raises(ConfigError, match="--step-timeout: step_timeout: "):
        resolve({"step_timeout": value}, {}, tmp_path, tmp_path)


def test_a_file_that_is_not_utf8_is_named_with_the_offset(tmp_path):
    path = tmp_path / "service.yaml"
    path.write_bytes(b"name: caf\xe9\n")

    with pytest.raises(ConfigError, match=r"service.yaml: not UTF-8 \(byte 9"):
        read_text(path, "service.yaml")


def test_a_file_over_the_limit_is_refused_without_reading_it_all(tmp_path):
    path = tmp_path / "values.yaml"
    path.write_bytes(b"#" * (MAX_FILE_BYTES + 1))

    with pytest.raises(ConfigError, match="byte limit"):
        read_text(path, "values.yaml")


def test_a_service_folder_linked_outside_the_repository_is_refused(tmp_path, make_service):
    repo = tmp_path / "repo"
    (repo / "services").mkdir(parents=True)
    folder = make_service(name="cart", language="go")  # under tmp_path/services
    (repo / "services" / "cart").symlink_to(folder)

    for load in (load_catalog, load_index):
        with pytest.raises(ConfigError, match="outside the repository"):
            load(repo)


def test_a_services_dir_outside_the_repository_names_where_it_came_from(tmp_path, make_service):
    make_service(name="cart")
    repo = tmp_path / "services" / "cart"

    with pytest.raises(ConfigError, match=r"--services-dir: \.\./\.\. is outside the repository"):
        load_catalog(repo, "../..", "--services-dir")


def test_an_inputs_glob_through_a_symlink_out_of_the_repository_is_refused(tmp_path, make_service):
    folder = make_service(name="cart", language="go")
    (tmp_path / "shared").symlink_to("/usr")
    text = (folder / "service.yaml").read_text().replace("port:", "inputs: [shared/**]\nport:")
    (folder / "service.yaml").write_text(text)

    with pytest.raises(ConfigError, match=r"inputs\[0\]: 'shared/\*\*' leads outside"):
        load_catalog(tmp_path)


def test_an_empty_catalog_is_an_error_not_an_empty_run(tmp_path):
    (tmp_path / "services").mkdir()

    for load in (load_catalog, load_index):
        with pytest.raises(ConfigError, match="services: holds no service"):
            load(tmp_path)


def _request(root: Path, make_service, flags=None, services=True) -> RunRequest:
    make_service(name="cart", language="go")
    settings = resolve(flags or {}, {}, root, root)
    chosen = tuple(load_catalog(root)) if services else ()
    return RunRequest(root, settings, chosen, (Stage.BUILD,), {"PATH": "/usr/bin:/bin"})


def test_a_run_of_no_service_is_refused(tmp_path, make_service):
    with pytest.raises(ConfigError, match="no service selected"):
        check(_request(tmp_path, make_service, services=False))


def test_an_offline_database_without_osv_scanners_layout_is_refused(tmp_path, make_service):
    (tmp_path / "db" / "osv-scanner" / "PyPI").mkdir(parents=True)

    with pytest.raises(ConfigError, match="holds no offline OSV database"):
        check(_request(tmp_path, make_service, {"vuln_db": str(tmp_path / "db")}))


def test_an_offline_database_in_osv_scalibrs_layout_is_accepted(tmp_path, make_service):
    (tmp_path / "db" / "osv-scalibr" / "Go").mkdir(parents=True)
    (tmp_path / "db" / "osv-scalibr" / "Go" / "all.zip").write_bytes(b"")

    check(_request(tmp_path, make_service, {"vuln_db": str(tmp_path / "db")}))


@pytest.mark.parametrize("name", ["report_dir", "cache_dir"])
def test_a_run_dir_that_is_a_file_is_refused_naming_the_setting(tmp_path, make_service, name):
    (tmp_path / "taken").write_text("")
    flag = "--" + name.replace("_", "-")

    with pytest.raises(ConfigError, match=f"{flag}: {name}: .*taken is not a folder"):
        check(_request(tmp_path, make_service, {name: str(tmp_path / "taken")}))


def test_a_dir_under_a_file_cannot_be_made(tmp_path):
    (tmp_path / "file").write_text("")

    with pytest.raises(ConfigError, match="is a file"):
        check_writable_dir(tmp_path / "file" / "reports", "--report-dir", "report_dir")


@pytest.mark.parametrize("branch", ["a..b", "-b", "x~1", "x y", "x.lock", "x/", "@", ""])
def test_a_branch_git_would_refuse_names_the_setting(branch):
    with pytest.raises(ConfigError, match="--gitops-branch: gitops_branch"):
        check_branch(branch, "--gitops-branch")


@pytest.mark.parametrize("branch", ["main", "release/2026-12", "env/prod"])
def test_ordinary_branch_names_pass(branch):
    assert check_branch(branch, "--gitops-branch") == branch


def test_a_remote_that_reads_as_an_option_is_refused():
    with pytest.raises(ConfigError, match="--gitops-remote: gitops_remote"):
        check_remote("--upload-pack=touch x", "--gitops-remote")


@pytest.mark.parametrize("env", ["../x", "Dev", "a/b", ""])
def test_an_environment_must_be_a_folder_name(env):
    with pytest.raises(ConfigError, match="--env: "):
        check_environment(env, "--env")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("image: {\n", "argocd/envs/dev/cart.yaml: not valid YAML: line 2"),
        ("image: registry/x:1\n", "argocd/envs/dev/cart.yaml: image is not a mapping"),
        ("image: 3\n", "argocd/envs/dev/cart.yaml: image is not a mapping"),
    ],
)
def test_a_broken_values_file_is_named_in_one_line(text, message):
    with pytest.raises(ValuesFileError) as info:
        read_image(text, "argocd/envs/dev/cart.yaml")

    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)
    assert info.value.exit_code is ExitCode.BAD_INPUT
