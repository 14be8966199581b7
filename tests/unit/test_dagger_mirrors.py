"""The Dagger engine's registry mirrors: the pull-through cache the engine itself pulls through."""

from __future__ import annotations

import json

import pytest

from pipelines.engines.dagger_mirrors import (
    MirrorError,
    engine_config,
    engine_toml,
    main,
    parse_mirror,
)

ECR = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"


def test_a_mirror_is_registry_equals_host_with_an_optional_repository_path():
    assert parse_mirror(f"docker.io={ECR}/commerce-docker-hub") == (
        "docker.io",
        f"{ECR}/commerce-docker-hub",
    )
    assert parse_mirror("Docker.IO=127.0.0.1:5001/") == ("docker.io", "127.0.0.1:5001")


@pytest.mark.parametrize(
    "text",
    ["docker.io", "docker.io=", "=mirror.example", "docker.io=https://mirror.example", "a b=c"],
)
def test_a_malformed_mirror_is_refused(text):
    with pytest.raises(MirrorError):
        parse_mirror(text)


def test_engine_json_maps_each_registry_to_its_mirrors_and_keeps_other_settings():
    existing = {"logLevel": "warn", "registries": {"ghcr.io": {"mirrors": ["m.example"]}}}

    config = engine_config({"docker.io": [f"{ECR}/commerce-docker-hub"]}, existing)

    assert config == {
        "logLevel": "warn",
        "registries": {
            "ghcr.io": {"mirrors": ["m.example"]},
            "docker.io": {"mirrors": [f"{ECR}/commerce-docker-hub"]},
        },
    }
    assert existing["registries"] == {"ghcr.io": {"mirrors": ["m.example"]}}


def test_engine_toml_says_the_same_for_a_runner_started_by_hand():
    text = engine_toml({"docker.io": ["mirror.example/hub"]})

    assert text == '[registry."docker.io"]\n  mirrors = ["mirror.example/hub"]\n'


def test_the_command_merges_into_an_existing_engine_json(tmp_path, capsys):
    path = tmp_path / "dagger" / "engine.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"logLevel": "debug"}))

    code = main(["engine-config", "--mirror", "docker.io=mirror.example", "--file", str(path)])

    assert code == 0
    assert json.loads(path.read_text()) == {
        "logLevel": "debug",
        "registries": {"docker.io": {"mirrors": ["mirror.example"]}},
    }


def test_the_command_refuses_a_bad_mirror_with_exit_code_2(capsys):
    assert main(["engine-config", "--mirror", "docker.io=https://x.example"]) == 2
    assert "without a scheme" in capsys.readouterr().err
