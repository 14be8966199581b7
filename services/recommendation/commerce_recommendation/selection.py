"""Which products to recommend: a pure function of the catalog, the request and a seed.

The same request under the same seed always gets the same answer (reproducible load tests and
traces); different shoppers or different carts get different picks.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Sequence

MAX_RECOMMENDATIONS = 5


def request_seed(seed: str, user_id: str, product_ids: Iterable[str]) -> int:
    """A stable seed (unlike `hash()`, the same in every process) for one request."""
    key = "\x1f".join((seed, user_id, *sorted(set(product_ids))))
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


def recommend(
    catalog: Sequence[str],
    exclude: Iterable[str],
    seed: int,
    limit: int = MAX_RECOMMENDATIONS,
) -> list[str]:
    """Up to `limit` distinct catalog ids not in `exclude`, in a seed-determined order."""
    excluded = set(exclude)
    candidates = sorted({product for product in catalog if product not in excluded})
    picker = random.Random(seed)  # noqa: S311 - a shuffle for variety, not for secrecy
    return picker.sample(candidates, min(limit, len(candidates)))
