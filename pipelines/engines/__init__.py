"""Engines run Steps: `local` as host processes, `dagger` as container chains.

`REGISTRY` names each engine's kit (pipelines.engines.base.EngineKit): the engine with its image
publisher and attestor. `--engine` picks one; a new engine is one line here and its kit.

Nothing else is imported here: settings read `REGISTRY` on `plan`'s quick path, where the
engines' modules (dataclasses, pathlib, typing) would cost more than the whole plan.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pipelines.engines.base import EngineKit

REGISTRY: dict[str, str] = {
    "local": "pipelines.engines.local:LocalKit",
    "dagger": "pipelines.engines.dagger_kit:DaggerKit",
}


def kit_for(name: str) -> EngineKit:
    """The named engine's kit, with its defaults (the CLI's use)."""
    module_name, attr = REGISTRY[name].split(":")
    kit: EngineKit = getattr(importlib.import_module(module_name), attr)()
    return kit


__all__ = ["REGISTRY", "kit_for"]
