"""Mapping changed paths to services, without git: folders, inputs, renames, the engine."""

from __future__ import annotations

import time
from pathlib import Path

from pipelines.catalog import load_catalog
from pipelines.plan import ENGINE_INPUTS, Change, PathIndex, Plan, Scope, build_plan, scopes_of

CART = Scope("cart", "services/cart", ("proto/**",))
CART_V2 = Scope("cart-v2", "services/cart-v2")
CHECKOUT = Scope("checkout", "services/checkout", ("proto/**", "libs/money"))
PAYMENT = Scope("payment", "services/payment")
SCOPES = (CART, CART_V2, CHECKOUT, PAYMENT)


def plan(*changes: Change, scopes: tuple[Scope, ...] = SCOPES) -> Plan:
    return build_plan(scopes, changes, base="b" * 40, head="h" * 40, merge_base="b" * 40)


def test_a_change_in_a_service_folder_affects_only_that_service() -> None:
    result = plan(Change("M", "services/cart/main.go"))
    assert result.services == ("cart",)
    assert result.reasons == {"cart": ("modified services/cart/main.go",)}


def test_a_folder_name_prefix_of_another_is_not_confused_with_it() -> None:
    assert plan(Change("M", "services/cart-v2/main.go")).services == ("cart-v2",)


def test_a_shared_input_affects_every_service_listing_it() -> None:
    result = plan(Change("M", "proto/cart.proto"))
    assert result.services == ("cart", "checkout")
    assert result.reasons["checkout"] == ("modified proto/cart.proto (input proto/**)",)


def test_a_wildcard_free_input_covers_the_folder_it_names() -> None:
    assert plan(Change("A", "libs/money/round.go")).services == ("checkout",)


def test_a_file_moved_between_services_affects_both() -> None:
    result = plan(Change("R", "services/payment/pay.go", "services/cart/pay.go"))
    assert result.services == ("cart", "payment")
    why = "renamed services/cart/pay.go -> services/payment/pay.go"
    assert result.reasons == {"cart": (why,), "payment": (why,)}


def test_a_rename_within_a_service_is_one_reason() -> None:
    result = plan(Change("R", "services/cart/b.go", "services/cart/a.go"))
    assert result.reasons == {"cart": ("renamed services/cart/a.go -> services/cart/b.go",)}


def test_a_delete_affects_the_service_it_left() -> None:
    assert plan(Change("D", "services/payment/old.go")).reasons == {
        "payment": ("deleted services/payment/old.go",)
    }


def test_an_engine_change_affects_every_service() -> None:
    result = plan(Change("M", "pipelines/toolchains/go.py"), Change("M", "services/cart/x.go"))
    assert result.services == ("cart", "cart-v2", "checkout", "payment")
    assert result.engine_paths == ("pipelines/toolchains/go.py",)
    assert result.reasons["payment"] == ("engine changed: pipelines/toolchains/go.py",)
    assert result.reasons["cart"] == (
        "engine changed: pipelines/toolchains/go.py",
        "modified services/cart/x.go",
    )


def test_every_engine_input_affects_every_service() -> None:
    for path in ("pyproject.toml", "dagger.json", "sca/semgrep/rules/go.yaml", "pipelines/x.py"):
        assert plan(Change("M", path)).services == tuple(sorted(s.name for s in SCOPES)), path
    assert "pipelines/**" in ENGINE_INPUTS


def test_many_engine_paths_are_summarised_in_one_reason() -> None:
    result = plan(Change("M", "pyproject.toml"), Change("M", "pipelines/a.py"))
    assert result.reasons["payment"] == ("engine changed: pyproject.toml and 1 more",)


def test_paths_nobody_owns_affect_nothing() -> None:
    result = plan(Change("M", "README.md"), Change("M", "services/README.md"))
    assert result.empty
    assert result.changed_paths == ("README.md", "services/README.md")


def test_no_change_is_an_empty_plan() -> None:
    result = plan()
    assert result.services == ()
    assert result.to_json()["changed_paths"] == 0


def test_to_json_lists_services_reasons_and_the_changed_path_count() -> None:
    data = plan(Change("R", "services/payment/p.go", "services/cart/p.go")).to_json()
    assert data == {
        "base": "b" * 40,
        "head": "h" * 40,
        "merge_base": "b" * 40,
        "services": ["cart", "payment"],
        "reasons": {
            "cart": ["renamed services/cart/p.go -> services/payment/p.go"],
            "payment": ["renamed services/cart/p.go -> services/payment/p.go"],
        },
        "engine_changed": False,
        "changed_paths": 2,
    }


def test_index_compiles_a_shared_glob_once_under_its_literal_directory() -> None:
    index = PathIndex.build(SCOPES, engine_inputs=())
    (entry,) = index.globs["proto"]
    glob, claims = entry
    assert glob.pattern == "proto/**"
    assert [c.owner for c in claims] == ["cart", "checkout"]
    assert "services/cart" in index.exact


def test_five_hundred_services_and_five_thousand_paths_plan_quickly() -> None:
    scopes = tuple(
        Scope(f"svc-{i:03}", f"services/svc-{i:03}", (f"libs/lib-{i % 50}/**/*.go", "proto/**"))
        for i in range(500)
    )
    changes = [Change("M", f"services/svc-{i % 500:03}/pkg/sub/file{i}.go") for i in range(5000)]
    changes.append(Change("M", "libs/lib-7/deep/x.go"))
    started = time.perf_counter()
    result = build_plan(scopes, changes, base="b", head="h", merge_base=None)
    elapsed = time.perf_counter() - started
    assert len(result.services) == 500
    assert "modified libs/lib-7/deep/x.go (input libs/lib-7/**/*.go)" in result.reasons["svc-007"]
    # O(paths x depth) runs this in tens of milliseconds; a pairwise scan takes seconds.
    assert elapsed < 2.0, f"planning took {elapsed:.2f}s"


def test_scopes_come_from_service_yaml_files(tmp_path: Path) -> None:
    folder = tmp_path / "services" / "cart"
    folder.mkdir(parents=True)
    (folder / "go.mod").write_text("module cart\n\ngo 1.22\n")
    (folder / "service.yaml").write_text(
        "name: cart\nlanguage: go\ndescription: Cart\nport: 8080\n"
        "inputs: [proto/**]\nimage:\n  repository: commerce/cart\n"
    )
    assert scopes_of(load_catalog(tmp_path)) == (Scope("cart", "services/cart", ("proto/**",)),)
