"""Engines run Steps: `local` as host processes, `dagger` as container chains."""

from __future__ import annotations

import importlib

from pipelines.engines.base import Engine, RunContext

REGISTRY: dict[str, str] = {
    "local": "pipelines.engines.local:LocalEngine",
    "dagger": "pipelines.engines.dagger:DaggerEngine",
}


def engine_class(name: str) -> type[Engine]:
    module_name, attr = REGISTRY[name].split(":")
    return getattr(importlib.import_module(module_name), attr)


__all__ = ["REGISTRY", "Engine", "RunContext", "engine_class"]
