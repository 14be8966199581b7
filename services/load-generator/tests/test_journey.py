from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date
from typing import Any

import pytest

from commerce_load_generator.journey import (
    CARDS,
    Shopper,
    checkout_request,
    currency_codes,
    luhn_valid,
    product_ids,
)

TODAY = date(2026, 6, 1)


class FakeApi:
    """Answers like the frontend would, and remembers every call as (method, name, body)."""

    def __init__(self, products: list[str], currencies: list[str] | None = None) -> None:
        self.products = products
        self.currencies = currencies or ["USD", "EUR"]
        self.calls: list[tuple[str, str, Any]] = []

    def get_json(self, path: str, name: str) -> Any:
        self.calls.append(("GET", name, path))
        if path == "/api/products":
            return {"currency": "USD", "products": [{"id": p, "name": p} for p in self.products]}
        if path == "/api/currencies":
            return {"currency_codes": self.currencies}
        return {}

    def post_json(self, path: str, body: Mapping[str, Any], name: str) -> Any:
        self.calls.append(("POST", name, dict(body)))
        return {"orderId": "o-1"} if path == "/api/checkout" else {}


def shopper(api: FakeApi, seed: int = 1) -> Shopper:
    s = Shopper(api, random.Random(seed), TODAY)
    s.start()
    return s


def test_the_test_cards_pass_the_luhn_check() -> None:
    assert all(luhn_valid(card) for card in CARDS)


def test_luhn_rejects_a_mistyped_number() -> None:
    assert not luhn_valid("4432801561520455")


def test_products_and_currencies_are_read_from_lists_or_wrapping_objects() -> None:
    assert product_ids({"products": [{"id": "A"}, {"name": "no id"}]}) == ["A"]
    assert product_ids([{"id": "B"}]) == ["B"]
    assert currency_codes(["USD", ""]) == ["USD"] and currency_codes(
        {"currency_codes": ["EUR"]}
    ) == ["EUR"]


def test_start_loads_the_catalog_and_the_currencies() -> None:
    api = FakeApi(["A", "B"], ["JPY"])
    s = shopper(api)
    assert list(s.products) == ["A", "B"] and list(s.currencies) == ["JPY"]
    assert [c[1] for c in api.calls] == ["/api/products", "/api/currencies"]


def test_product_pages_are_grouped_under_one_statistics_name() -> None:
    api = FakeApi(["A", "B"])
    product = shopper(api).view_product()
    assert api.calls[-1] == ("GET", "/api/products/:id", f"/api/products/{product}")


def test_adding_to_cart_views_the_product_then_posts_it_with_a_quantity() -> None:
    api = FakeApi(["A"])
    shopper(api).add_to_cart()
    assert api.calls[-2][2] == "/api/products/A"
    method, name, body = api.calls[-1]
    assert (method, name, body["product_id"]) == ("POST", "/api/cart", "A")
    assert 1 <= body["quantity"] <= 3


def test_checkout_fills_the_cart_views_it_and_pays_in_an_offered_currency() -> None:
    api = FakeApi(["A", "B", "C"], ["EUR"])
    assert shopper(api).checkout() == {"orderId": "o-1"}
    names = [name for _, name, _ in api.calls[2:]]
    assert names[-2:] == ["/api/cart", "/api/checkout"] and api.calls[-2][0] == "GET"
    assert names.count("/api/cart") - 1 >= 1  # at least one line added before the view
    assert api.calls[-1][2]["currency"] == "EUR"


def test_an_empty_catalog_makes_no_cart_or_checkout_calls() -> None:
    api = FakeApi([])
    s = shopper(api)
    s.add_to_cart()
    assert s.checkout() is None
    assert [c[1] for c in api.calls] == ["/api/products", "/api/currencies"]


def test_no_currencies_offered_falls_back_to_usd() -> None:
    api = FakeApi(["A"], [])
    api.currencies = []
    assert list(shopper(api).currencies) == ["USD"]


@pytest.mark.parametrize("seed", range(5))
def test_a_checkout_request_is_what_the_frontend_accepts(seed: int) -> None:
    body = checkout_request(random.Random(seed), "USD", TODAY)
    assert set(body) == {"email", "address", "credit_card", "currency"}
    assert "@" in body["email"]
    card = body["credit_card"]
    assert luhn_valid(card["credit_card_number"])
    assert 100 <= card["credit_card_cvv"] <= 999
    assert (card["credit_card_expiration_year"], card["credit_card_expiration_month"]) > (2026, 6)
    assert set(body["address"]) == {"street_address", "city", "state", "country", "zip_code"}


def test_the_same_seed_replays_the_same_journey() -> None:
    first, second = FakeApi(["A", "B", "C"]), FakeApi(["A", "B", "C"])
    shopper(first, seed=9).checkout()
    shopper(second, seed=9).checkout()
    assert first.calls == second.calls
