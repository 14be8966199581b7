from __future__ import annotations

from commerce_recommendation.selection import recommend, request_seed

CATALOG = [f"P{i}" for i in range(10)]


def test_at_most_five_products_are_recommended() -> None:
    assert len(recommend(CATALOG, [], seed=1)) == 5


def test_products_in_the_request_are_never_recommended() -> None:
    picks = recommend(CATALOG, ["P0", "P1", "P2"], seed=1)
    assert not {"P0", "P1", "P2"} & set(picks)


def test_picks_are_distinct_even_when_the_catalog_repeats_an_id() -> None:
    picks = recommend(["A", "A", "B", "B", "C"], [], seed=3)
    assert sorted(picks) == ["A", "B", "C"]


def test_a_small_catalog_gives_what_is_left() -> None:
    assert sorted(recommend(["A", "B", "C"], ["B"], seed=7)) == ["A", "C"]


def test_an_exhausted_catalog_gives_nothing() -> None:
    assert recommend(["A"], ["A"], seed=7) == []


def test_the_same_seed_gives_the_same_picks_whatever_the_catalog_order() -> None:
    assert recommend(CATALOG, ["P3"], seed=42) == recommend(CATALOG[::-1], ["P3"], seed=42)


def test_different_seeds_can_give_different_picks() -> None:
    assert len({tuple(recommend(CATALOG, [], seed=s)) for s in range(20)}) > 1


def test_the_request_seed_ignores_product_order_and_duplicates() -> None:
    assert request_seed("s", "u", ["A", "B"]) == request_seed("s", "u", ["B", "A", "A"])


def test_the_request_seed_depends_on_user_and_base_seed() -> None:
    base = request_seed("s", "u", ["A"])
    assert base != request_seed("s", "v", ["A"])
    assert base != request_seed("t", "u", ["A"])
