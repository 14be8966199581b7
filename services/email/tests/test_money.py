from __future__ import annotations

import pytest

from commerce_email.money import format_amount, format_money


def test_whole_units_show_two_decimals() -> None:
    assert format_amount(12, 0) == "12.00"


def test_cents_are_shown_as_they_are() -> None:
    assert format_amount(19, 990_000_000) == "19.99"


def test_sub_cent_nanos_are_kept_not_rounded() -> None:
    assert format_amount(0, 123_456_789) == "0.123456789"


def test_negative_amounts_keep_their_sign_when_units_are_zero() -> None:
    assert format_amount(0, -500_000_000) == "-0.50"


def test_money_carries_its_currency_code() -> None:
    assert format_money("EUR", 3, 50_000_000) == "3.05 EUR"


@pytest.mark.parametrize(("units", "nanos"), [(1, -1), (-1, 1), (0, 1_000_000_000)])
def test_malformed_money_is_rejected(units: int, nanos: int) -> None:
    with pytest.raises(ValueError):
        format_amount(units, nanos)
