from __future__ import annotations

import pytest

from commerce_accounting.ledger import Ledger, decimal_text, from_nanos, to_nanos


def test_nanos_carry_into_units_exactly() -> None:
    ledger = Ledger()
    ledger.record("USD", 0, 600_000_000)
    total = ledger.record("USD", 0, 700_000_000)
    assert total.as_json() == {
        "units": 1,
        "nanos": 300_000_000,
        "amount": "1.300000000",
        "orders": 2,
    }


def test_a_thousand_dimes_make_exactly_a_hundred_units() -> None:
    ledger = Ledger()
    for _ in range(1000):
        ledger.record("EUR", 0, 100_000_000)
    total = ledger.snapshot()["EUR"]
    assert (from_nanos(total.nanos), total.orders) == ((100, 0), 1000)


def test_currencies_are_kept_apart() -> None:
    ledger = Ledger()
    ledger.record("USD", 10, 0)
    ledger.record("JPY", 1500, 0)
    ledger.record("USD", 5, 250_000_000)
    snapshot = ledger.snapshot()
    assert list(snapshot) == ["JPY", "USD"]
    assert from_nanos(snapshot["USD"].nanos) == (15, 250_000_000)
    assert from_nanos(snapshot["JPY"].nanos) == (1500, 0)


def test_units_beyond_float_precision_stay_exact() -> None:
    ledger = Ledger()
    ledger.record("USD", 2**60, 1)
    total = ledger.record("USD", 2**60, 1)
    assert from_nanos(total.nanos) == (2**61, 2)


def test_a_negative_total_keeps_one_sign_for_units_and_nanos() -> None:
    assert from_nanos(to_nanos(-3, -250_000_000)) == (-3, -250_000_000)
    assert decimal_text(to_nanos(0, -5)) == "-0.000000005"


@pytest.mark.parametrize(("units", "nanos"), [(1, -1), (-1, 1), (0, 1_000_000_000)])
def test_malformed_money_is_refused(units: int, nanos: int) -> None:
    with pytest.raises(ValueError):
        Ledger().record("USD", units, nanos)


def test_money_without_currency_is_refused() -> None:
    with pytest.raises(ValueError, match="currency"):
        Ledger().record("", 1, 0)
