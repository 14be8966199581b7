"""The catalog: every `services/*/service.yaml`, loaded and validated.

The names below are resolved on first use (PEP 562), so that importing the light
`pipelines.catalog.index` (what `plan` and `services` read) does not load pydantic and yaml.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from pipelines.catalog.loader import load_catalog, load_service
    from pipelines.catalog.model import LANGUAGES, Catalog, Service

_WHERE = {
    "LANGUAGES": "pipelines.catalog.model",
    "Catalog": "pipelines.catalog.model",
    "Service": "pipelines.catalog.model",
    "load_catalog": "pipelines.catalog.loader",
    "load_service": "pipelines.catalog.loader",
}

__all__ = ["LANGUAGES", "Catalog", "Service", "load_catalog", "load_service"]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value
