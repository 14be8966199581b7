"""Settings: one declaration each, flag > env > file > default, and where each came from."""

from __future__ import annotations

import pytest

from pipelines.errors import ConfigError
from pipelines.settings import resolve


def test_defaults_apply_when_nothing_is_given(tmp_path):
    settings = resolve({}, {}, tmp_path, tmp_path)
    assert settings.jobs == 2
    assert settings.values["jobs"].origin == "default"
    assert settings.report_dir == tmp_path / "reports"


def test_flag_beats_env_which_beats_file(tmp_path):
    (tmp_path / "commerce-ci.toml").write_text("jobs = 3\nfail_on = 'high'\nengine = 'dagger'\n")
    env = {"COMMERCE_CI_JOBS": "5", "COMMERCE_CI_FAIL_ON": "critical"}
    settings = resolve({"jobs": "7"}, env, tmp_path, tmp_path)
    assert (settings.jobs, settings.values["jobs"].origin) == (7, "flag")
    assert (settings.fail_on, settings.values["fail_on"].origin) == (
        "critical",
        "env COMMERCE_CI_FAIL_ON",
    )
    assert (settings.engine, settings.values["engine"].origin) == ("dagger", "commerce-ci.toml")


def test_file_paths_are_relative_to_the_repository_root(tmp_path):
    (tmp_path / "commerce-ci.toml").write_text("report_dir = 'out/reports'\n")
    elsewhere = tmp_path / "sub"
    settings = resolve({}, {}, tmp_path, elsewhere)
    assert settings.report_dir == tmp_path / "out" / "reports"


def test_unknown_file_key_is_named_with_a_suggestion(tmp_path):
    (tmp_path / "commerce-ci.toml").write_text("job = 3\n")
    with pytest.raises(ConfigError) as info:
        resolve({}, {}, tmp_path, tmp_path)
    assert str(info.value) == "commerce-ci.toml: job: unknown setting (did you mean 'jobs'?)"


def test_bad_env_value_names_the_variable(tmp_path):
    with pytest.raises(ConfigError) as info:
        resolve({}, {"COMMERCE_CI_JOBS": "0"}, tmp_path, tmp_path)
    assert str(info.value) == "environment COMMERCE_CI_JOBS: jobs: must be at least 1 (got '0')"


def test_bad_choice_lists_the_choices(tmp_path):
    with pytest.raises(ConfigError) as info:
        resolve({"engine": "docker"}, {}, tmp_path, tmp_path)
    assert "must be one of local, dagger" in str(info.value)


def test_a_values_source_names_the_flag_itself_or_its_origin(tmp_path):
    from pipelines.settings import resolve

    settings = resolve({"jobs": "3"}, {"COMMERCE_CI_FAIL_ON": "high"}, tmp_path, tmp_path)
    assert settings.source("jobs") == "--jobs"
    assert settings.source("fail_on") == "env COMMERCE_CI_FAIL_ON"
    assert settings.source("engine") == "default"
