"""What a shopper does, in plain Python: the Locust user only adapts its HTTP client to `ShopApi`.

Keeping the journey apart from Locust (which monkey-patches the process with gevent on import)
lets its flow be tested with a fake API and no network.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

#: Test card numbers that pass the Luhn check (Visa, Mastercard), as payment expects.
CARDS = ("4432801561520454", "5555555555554444", "4111111111111111")
FIRST_NAMES = ("ada", "grace", "alan", "edsger", "barbara", "donald", "margaret")
ADDRESSES = (
    {"street_address": "1600 Amphitheatre Parkway", "city": "Mountain View", "state": "CA",
     "country": "US", "zip_code": "94043"},
    {"street_address": "10 Downing Street", "city": "London", "state": "London",
     "country": "GB", "zip_code": "SW1A 2AA"},
    {"street_address": "1 Rue de Rivoli", "city": "Paris", "state": "IDF",
     "country": "FR", "zip_code": "75001"},
)  # fmt: skip
MAX_QUANTITY = 3
MAX_CHECKOUT_LINES = 3


class ShopApi(Protocol):
    """The frontend's JSON API; `name` groups requests in statistics (no ids in it)."""

    def get_json(self, path: str, name: str) -> Any: ...

    def post_json(self, path: str, body: Mapping[str, Any], name: str) -> Any: ...


def luhn_valid(number: str) -> bool:
    digits = [int(d) for d in number if d.isdigit()]
    if len(digits) < 12:
        return False
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def product_ids(document: Any) -> list[str]:
    """Ids from GET /api/products: a list of products, or an object holding one."""
    items = document.get("products", []) if isinstance(document, dict) else document
    return [str(p["id"]) for p in items or () if isinstance(p, dict) and p.get("id")]


def currency_codes(document: Any) -> list[str]:
    """Codes from GET /api/currencies: `{"currency_codes": [...]}` (or a bare list)."""
    items = document.get("currency_codes", []) if isinstance(document, dict) else document
    return [str(c) for c in items or () if isinstance(c, str) and c]


def checkout_request(rng: random.Random, currency: str, today: date) -> dict[str, Any]:
    name = rng.choice(FIRST_NAMES)
    return {
        "email": f"{name}.{rng.randrange(10_000)}@example.com",
        "address": dict(rng.choice(ADDRESSES)),
        "credit_card": {
            "credit_card_number": rng.choice(CARDS),
            "credit_card_cvv": rng.randrange(100, 1000),
            "credit_card_expiration_year": today.year + rng.randint(1, 5),
            "credit_card_expiration_month": rng.randint(1, 12),
        },
        "currency": currency,
    }


@dataclass
class Shopper:
    api: ShopApi
    rng: random.Random
    today: date = field(default_factory=date.today)
    products: Sequence[str] = ()
    currencies: Sequence[str] = ("USD",)

    def start(self) -> None:
        """What the landing page loads: the catalog and the currencies on offer."""
        self.browse()
        self.currencies = currency_codes(self.api.get_json("/api/currencies", "/api/currencies"))
        self.currencies = self.currencies or ("USD",)

    def browse(self) -> None:
        self.products = product_ids(self.api.get_json("/api/products", "/api/products"))

    def view_product(self) -> str | None:
        if not self.products:
            return None
        product = self.rng.choice(self.products)
        self.api.get_json(f"/api/products/{product}", "/api/products/:id")
        return product

    def add_to_cart(self) -> None:
        product = self.view_product()
        if product is None:
            return
        quantity = self.rng.randint(1, MAX_QUANTITY)
        self.api.post_json("/api/cart", {"product_id": product, "quantity": quantity}, "/api/cart")

    def view_cart(self) -> Any:
        return self.api.get_json("/api/cart", "/api/cart")

    def checkout(self) -> Any:
        """A whole purchase: fill the cart, look at it, pay in one of the offered currencies."""
        if not self.products:
            return None
        for _ in range(self.rng.randint(1, MAX_CHECKOUT_LINES)):
            self.add_to_cart()
        self.view_cart()
        body = checkout_request(self.rng, self.rng.choice(self.currencies), self.today)
        return self.api.post_json("/api/checkout", body, "/api/checkout")
