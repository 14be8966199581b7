"""Money as the proto carries it (units + nanos), shown exactly: never through a float."""

from __future__ import annotations

NANOS_PER_UNIT = 1_000_000_000


def check_money(units: int, nanos: int) -> None:
    """Reject what the Money contract forbids: mixed signs, nanos outside +-999,999,999."""
    if not -NANOS_PER_UNIT < nanos < NANOS_PER_UNIT:
        raise ValueError(f"nanos {nanos} out of range")
    if (units > 0 and nanos < 0) or (units < 0 and nanos > 0):
        raise ValueError(f"units {units} and nanos {nanos} have different signs")


def format_amount(units: int, nanos: int) -> str:
    """`12.5` -> "12.50": at least two decimals, every significant nano kept, none rounded."""
    check_money(units, nanos)
    sign = "-" if units < 0 or nanos < 0 else ""
    fraction = f"{abs(nanos):09d}".rstrip("0").ljust(2, "0")
    return f"{sign}{abs(units)}.{fraction}"


def format_money(currency_code: str, units: int, nanos: int) -> str:
    return f"{format_amount(units, nanos)} {currency_code}"
