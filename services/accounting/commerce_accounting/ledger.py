"""Totals per currency, in exact integer nanos: a sum of Money must never drift."""

from __future__ import annotations

import threading
from dataclasses import dataclass

NANOS_PER_UNIT = 1_000_000_000


def to_nanos(units: int, nanos: int) -> int:
    """One integer for units + nanos, after checking the Money contract."""
    if not -NANOS_PER_UNIT < nanos < NANOS_PER_UNIT:
        raise ValueError(f"nanos {nanos} out of range")
    if (units > 0 and nanos < 0) or (units < 0 and nanos > 0):
        raise ValueError(f"units {units} and nanos {nanos} have different signs")
    return units * NANOS_PER_UNIT + nanos


def from_nanos(total: int) -> tuple[int, int]:
    """Back to (units, nanos) with one sign for both, as the proto requires."""
    units, nanos = divmod(abs(total), NANOS_PER_UNIT)
    return (-units, -nanos) if total < 0 else (units, nanos)


def decimal_text(total: int) -> str:
    units, nanos = from_nanos(abs(total))
    return f"{'-' if total < 0 else ''}{units}.{nanos:09d}"


@dataclass(frozen=True)
class Total:
    currency: str
    nanos: int
    orders: int

    def as_json(self) -> dict[str, object]:
        units, nanos = from_nanos(self.nanos)
        return {
            "units": units,
            "nanos": nanos,
            "amount": decimal_text(self.nanos),
            "orders": self.orders,
        }


class Ledger:
    """Thread-safe: the consumer writes while the HTTP server reads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._totals: dict[str, Total] = {}

    def record(self, currency: str, units: int, nanos: int) -> Total:
        if not currency:
            raise ValueError("money without a currency code")
        amount = to_nanos(units, nanos)
        with self._lock:
            previous = self._totals.get(currency, Total(currency, 0, 0))
            total = Total(currency, previous.nanos + amount, previous.orders + 1)
            self._totals[currency] = total
        return total

    def snapshot(self) -> dict[str, Total]:
        with self._lock:
            return dict(sorted(self._totals.items()))
