"""How the local shop orders and wires services, from the catalog alone."""

from __future__ import annotations

import pytest

from pipelines.catalog import load_catalog
from pipelines.errors import ConfigError
from pipelines.shop.shop import addr_var, start_order, with_dependencies

BASE = "name: {name}\nlanguage: go\ndescription: x\nport: {port}\nimage:\n  repository: c/{name}\n"


def catalog_of(make_service, tmp_path, deps: dict[str, list[str]]):
    for index, (name, needs) in enumerate(sorted(deps.items())):
        text = BASE.format(name=name, port=7000 + index)
        if needs:
            text += f"depends_on: [{', '.join(needs)}]\n"
        make_service(name=name, text=text)
    return load_catalog(tmp_path)


def test_addresses_are_named_after_the_service():
    assert addr_var("product-catalog") == "PRODUCT_CATALOG_ADDR"


def test_dependencies_start_before_their_dependents(make_service, tmp_path):
    catalog = catalog_of(
        make_service,
        tmp_path,
        {
            "frontend": ["checkout", "cart"],
            "checkout": ["cart", "currency"],
            "cart": [],
            "currency": [],
        },
    )
    assert [s.name for s in start_order(list(catalog))] == [
        "cart",
        "currency",
        "checkout",
        "frontend",
    ]


def test_a_dependency_cycle_is_bad_input_naming_it(make_service, tmp_path):
    catalog = catalog_of(make_service, tmp_path, {"a": ["b"], "b": ["a"]})
    with pytest.raises(ConfigError, match="cycle: a -> b -> a"):
        start_order(list(catalog))


def test_naming_a_service_brings_what_it_depends_on(make_service, tmp_path):
    catalog = catalog_of(
        make_service,
        tmp_path,
        {"frontend": ["cart"], "cart": ["redis-proxy"], "redis-proxy": [], "ad": []},
    )
    assert [s.name for s in with_dependencies(catalog, ["frontend"])] == [
        "cart",
        "frontend",
        "redis-proxy",
    ]
