"""Engines run Steps: `local` as host processes, `dagger` as container chains.

`REGISTRY` names each engine's kit (pipelines.engines.base.EngineKit): the engine with its image
publisher and attestor. `--engine` picks one; a new engine is one line here and its kit.
"""

from __future__ import annotations

import importlib

from pipelines.engines.base import Engine, EngineKit, RunContext

REGISTRY: dict[str, str] = {
    "local": "pipelines.engines.local:LocalKit",
    "dagger": "pipelines.engines.dagger_kit:DaggerKit",
}


def kit_for(name: str) -> EngineKit:
    """The named engine's kit, with its defaults (the CLI's use)."""
    module_name, attr = REGISTRY[name].split(":")
    kit: EngineKit = getattr(importlib.import_module(module_name), attr)()
    return kit


__all__ = ["REGISTRY", "Engine", "EngineKit", "RunContext", "kit_for"]
