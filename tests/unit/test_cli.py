"""The CLI's contract: exit codes, one-line errors, JSON output."""

from __future__ import annotations

import json

import pytest

from pipelines.cli import main


def test_services_json_lists_each_service(tmp_path, make_service, capsys):
    make_service(name="cart", language="go")
    make_service(name="ad", language="java")
    code = main(["--root", str(tmp_path), "services", "--json"], env={})
    rows = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [(r["name"], r["language"], r["path"]) for r in rows] == [
        ("ad", "java", "services/ad"),
        ("cart", "go", "services/cart"),
    ]


def test_bad_service_yaml_exits_2_with_one_line(tmp_path, make_service, capsys):
    make_service(text="name: cart\nlanguage: go\nport: x\n")
    code = main(["--root", str(tmp_path), "services"], env={})
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err[0].startswith("commerce-ci: error: services/cart/service.yaml: ")


def test_missing_services_folder_exits_2(tmp_path, capsys):
    assert main(["--root", str(tmp_path), "services"], env={}) == 2
    assert "services: no such directory of services" in capsys.readouterr().err


def test_unknown_service_name_exits_2_with_a_suggestion(tmp_path, make_service, capsys):
    make_service(name="cart")
    code = main(["--root", str(tmp_path), "run", "crat", "--stages", "build"], env={})
    assert code == 2
    assert "unknown service 'crat' (did you mean 'cart'?)" in capsys.readouterr().err


def test_unknown_stage_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["--root", str(tmp_path), "run", "--stages", "build,deploy"], env={})
    assert info.value.code == 2
    assert "unknown stage deploy" in capsys.readouterr().err


def test_bad_setting_in_env_exits_2(tmp_path, make_service, capsys):
    make_service(name="cart")
    code = main(["--root", str(tmp_path), "run"], env={"COMMERCE_CI_JOBS": "many"})
    assert code == 2
    assert "COMMERCE_CI_JOBS" in capsys.readouterr().err


def test_vuln_db_that_is_not_a_folder_exits_2(tmp_path, make_service, capsys):
    make_service(name="cart")
    code = main(["--root", str(tmp_path), "run", "--vuln-db", str(tmp_path / "nope")], env={})
    assert code == 2
    assert "vuln_db" in capsys.readouterr().err


def test_image_stages_without_a_registry_exit_2_saying_so(tmp_path, make_service, capsys):
    make_service(name="cart")
    code = main(["--root", str(tmp_path), "run", "cart", "--stages", "build,image"], env={})
    assert code == 2
    assert "--registry: the image and push stages need a registry" in capsys.readouterr().err


def test_gitops_stages_belong_to_release_not_run(tmp_path, make_service, capsys):
    make_service(name="cart")
    code = main(["--root", str(tmp_path), "run", "cart", "--stages", "build,commit"], env={})
    assert code == 2
    assert "belong to `commerce-ci release`" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--registry", "https://registry.example.com"], "--registry: registry: "),
        (["--version", "1.2"], "--version: '1.2' is not a version X.Y.Z"),
    ],
)
def test_release_refuses_bad_input_before_starting_anything(
    tmp_path, make_service, capsys, flags, message
):
    make_service(name="cart")
    code = main(["--root", str(tmp_path), "release", "cart", "--env", "dev", *flags], env={})
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / ".cache").exists()
