"""Shared test helpers: small, local fixtures only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

pytest_plugins = ["registry_fixtures", "docker_fixtures"]

#: Runs last: .ci/run builds the local cluster's binaries in the background meanwhile, and this
#: file's `cluster up` waits for that build (it deploys what test_services_pipeline.py released).
LAST = "tests/e2e/test_shop_on_cluster.py"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.nodeid.startswith(LAST))


SERVICE_YAML = """\
name: {name}
language: {language}
description: A test service
port: 8080
image:
  repository: commerce/{name}
"""

LOCKFILE = {
    "go": "go.mod",
    "python": "requirements.txt",
    "rust": "Cargo.lock",
    "node": "package-lock.json",
    "typescript": "package-lock.json",
    "java": "pom.xml",
    "kotlin": "pom.xml",
    "dotnet": "packages.lock.json",
    "expo": "package-lock.json",
}


@pytest.fixture
def make_service(tmp_path: Path) -> Callable[..., Path]:
    """Write services/<name>/service.yaml (and a lockfile) under tmp_path; returns the folder."""

    def make(
        name: str = "cart",
        language: str = "go",
        text: str | None = None,
        lockfile: bool = True,
        folder: str | None = None,
    ) -> Path:
        service_dir = tmp_path / "services" / (folder or name)
        service_dir.mkdir(parents=True, exist_ok=True)
        body = text if text is not None else SERVICE_YAML.format(name=name, language=language)
        (service_dir / "service.yaml").write_text(body)
        if lockfile and language in LOCKFILE:
            (service_dir / LOCKFILE[language]).write_text("")
        return service_dir

    return make
