"""The service.yaml contract: what loads, and the one-line errors for what does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.catalog import load_catalog
from pipelines.errors import ConfigError, ExitCode

VALID = """\
name: cart
language: go
description: Shopping cart
port: 8080
inputs: [proto/**]
image:
  repository: commerce/cart
commands:
  test: [go, test, -race, ./...]
"""


def error_for(tmp_path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_catalog(tmp_path)
    return info.value


def test_valid_service_loads_with_its_fields(tmp_path, make_service):
    make_service(text=VALID)
    catalog = load_catalog(tmp_path)
    cart = catalog.get("cart")
    assert cart is not None
    assert cart.path == "services/cart"
    assert cart.spec.inputs == ("proto/**",)
    assert cart.spec.commands["test"] == ("go", "test", "-race", "./...")
    assert cart.lockfile == "go.mod"


def test_services_are_listed_in_name_order(tmp_path, make_service):
    for name in ("shipping", "ad", "cart"):
        make_service(name=name)
    assert load_catalog(tmp_path).names() == ("ad", "cart", "shipping")


def test_malformed_yaml_names_file_and_line(tmp_path, make_service):
    make_service(text="name: cart\nlanguage: [go\n")
    error = error_for(tmp_path)
    assert str(error).startswith("services/cart/service.yaml: malformed YAML: line")
    assert error.exit_code == ExitCode.BAD_INPUT
    assert "\n" not in str(error)


def test_unknown_key_is_named_with_a_suggestion(tmp_path, make_service):
    make_service(text=VALID + "prot: 9090\n")
    assert str(error_for(tmp_path)) == (
        "services/cart/service.yaml: prot: unknown key (did you mean 'port'?)"
    )


def test_unknown_nested_key_is_named_by_its_path(tmp_path, make_service):
    make_service(text=VALID.replace("  repository:", "  tag: v1\n  repository:"))
    assert str(error_for(tmp_path)) == "services/cart/service.yaml: image.tag: unknown key"


def test_wrong_type_names_field_and_value(tmp_path, make_service):
    make_service(text=VALID.replace("port: 8080", 'port: "8080"'))
    message = str(error_for(tmp_path))
    assert message.startswith("services/cart/service.yaml: port: ")
    assert "'8080'" in message


def test_port_out_of_range_is_rejected(tmp_path, make_service):
    make_service(text=VALID.replace("port: 8080", "port: 70000"))
    assert str(error_for(tmp_path)).startswith("services/cart/service.yaml: port: ")


def test_name_must_match_folder(tmp_path, make_service):
    make_service(text=VALID, folder="basket")
    assert str(error_for(tmp_path)) == (
        "services/basket/service.yaml: name: 'cart' must equal its folder name 'basket'"
    )


def test_unknown_language_lists_the_known_ones(tmp_path, make_service):
    make_service(text=VALID.replace("language: go", "language: golang"))
    message = str(error_for(tmp_path))
    assert message.startswith("services/cart/service.yaml: language: unknown language 'golang'")
    assert "did you mean 'go'?" in message


@pytest.mark.parametrize("name", ["../cart", "Cart", "cart_1", "-cart"])
def test_name_that_is_not_a_dns_label_is_rejected(tmp_path, make_service, name):
    make_service(text=VALID.replace("name: cart", f"name: {name!r}"))
    message = str(error_for(tmp_path))
    assert message.startswith("services/cart/service.yaml: name: must be a DNS-1123 label")


@pytest.mark.parametrize("glob", ["../secrets/**", "/etc/**", "proto/../../x", "a\\\\b"])
def test_input_glob_that_leaves_the_repository_is_rejected(tmp_path, make_service, glob):
    make_service(text=VALID.replace("[proto/**]", f"['{glob}']"))
    message = str(error_for(tmp_path))
    assert message.startswith("services/cart/service.yaml: inputs[0]: ")


def test_missing_lockfile_is_named(tmp_path, make_service):
    make_service(text=VALID, lockfile=False)
    assert str(error_for(tmp_path)) == (
        "services/cart/service.yaml: language: a go service needs a lockfile (go.mod) "
        "in services/cart/"
    )


def test_duplicate_key_is_rejected(tmp_path, make_service):
    make_service(text=VALID + "port: 9090\n")
    assert "duplicate key 'port'" in str(error_for(tmp_path))


def test_missing_required_key_is_named(tmp_path, make_service):
    make_service(text=VALID.replace("description: Shopping cart\n", ""))
    assert str(error_for(tmp_path)) == (
        "services/cart/service.yaml: description: required key is missing"
    )


def test_unknown_dependency_is_named(tmp_path, make_service):
    make_service(text=VALID + "depends_on: [product-catalog]\n")
    assert str(error_for(tmp_path)) == (
        "services/cart/service.yaml: depends_on[0]: unknown service 'product-catalog'"
    )


def test_command_override_must_be_a_non_empty_argv_list(tmp_path, make_service):
    make_service(text=VALID.replace("test: [go, test, -race, ./...]", "test: go test ./..."))
    assert str(error_for(tmp_path)).startswith("services/cart/service.yaml: commands.test: ")


def test_yaml_that_is_not_a_mapping_is_rejected(tmp_path, make_service):
    make_service(text="- just\n- a list\n")
    assert str(error_for(tmp_path)) == (
        "services/cart/service.yaml: must be a mapping of keys to values"
    )


def test_a_python_service_with_only_uv_lock_is_refused_at_load_told_to_export(make_service):
    folder = make_service("prices", "python", lockfile=False)
    (folder / "uv.lock").write_text("version = 1\n")

    with pytest.raises(ConfigError, match=r"needs a lockfile \(requirements.txt\)") as caught:
        load_catalog(folder.parents[1])
    assert "uv export" in (caught.value.hint or "")
