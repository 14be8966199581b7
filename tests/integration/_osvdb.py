"""Writes small offline OSV databases in the layout osv-scanner v2.0-v2.4 reads."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipelines.sca.gate import OFFLINE_DB_SUBDIR


def advisory(
    vuln_id: str,
    ecosystem: str,
    package: str,
    version: str,
    cvss_v3: str | None = None,
) -> dict[str, Any]:
    """An OSV record affecting exactly `package` `version` (an explicit version list)."""
    record: dict[str, Any] = {
        "schema_version": "1.6.0",
        "id": vuln_id,
        "modified": "2026-01-01T00:00:00Z",
        "published": "2026-01-01T00:00:00Z",
        "summary": f"Planted advisory for {package} {version} (test data)",
        "affected": [{"package": {"ecosystem": ecosystem, "name": package}, "versions": [version]}],
    }
    if cvss_v3:
        record["severity"] = [{"type": "CVSS_V3", "score": cvss_v3}]
    return record


def write_db(root: Path, records: Mapping[str, list[dict[str, Any]]]) -> Path:
    """`records` by ecosystem -> root/osv-scanner/<Ecosystem>/all.zip; returns root."""
    for ecosystem, items in records.items():
        folder = root / OFFLINE_DB_SUBDIR / ecosystem
        folder.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(folder / "all.zip", "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for item in items:
                zf.writestr(f"{item['id']}.json", json.dumps(item))
    return root
