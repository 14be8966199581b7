"""Toolchains: one per language, each deriving the Steps of every stage from a Service.

`get_toolchain` imports a language's module only when asked, so that commands which never run a
stage (`plan`, `services`) stay quick to start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from pipelines.toolchains.base import Toolchain, ToolchainOptions

if TYPE_CHECKING:
    from pipelines.catalog import Service

#: language -> "module:attribute" of its Toolchain instance.
REGISTRY: dict[str, str] = {
    "go": "pipelines.toolchains.go:GO",
    "java": "pipelines.toolchains.maven:JAVA",
    "kotlin": "pipelines.toolchains.maven:KOTLIN",
    "python": "pipelines.toolchains.python:PYTHON",
    "node": "pipelines.toolchains.node:NODE",
    "typescript": "pipelines.toolchains.node:TYPESCRIPT",
    "rust": "pipelines.toolchains.rust:RUST",
    "dotnet": "pipelines.toolchains.dotnet:DOTNET",
    "expo": "pipelines.toolchains.expo:EXPO",
}


def get_toolchain(language: str) -> Toolchain:
    module_name, attr = REGISTRY[language].split(":")
    return getattr(importlib.import_module(module_name), attr)


def toolchain_for(service: Service) -> Toolchain:
    return get_toolchain(service.language)


__all__ = ["REGISTRY", "Toolchain", "ToolchainOptions", "get_toolchain", "toolchain_for"]
