"""The SBOM of a pushed image, made by syft, and the copy of it the dependency audit reads.

syft reads the image as the registry serves it, so the SBOM lists what ships: the base's
Debian packages (the dpkg status files the bases carry), and the service's packages from the
files themselves (Go build info, jar manifests and pom.properties, node_modules package.json
files, Python dist-info). A Rust binary carries no package list, so for Rust the crates of
Cargo.lock are added from a second syft scan of that file; so does an Expo app's bundle (its npm
packages are compiled into Hermes bytecode and the bundled update server), so for Expo the
production packages of package-lock.json are added the same way.

osv-scanner then audits the SBOM's language packages. An offline database with no Debian data
cannot audit the Debian packages: they are left out of the audit copy and the log says so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.supply.tools import SupplyError, find_tool, is_loopback, run_tool

SBOM_FORMAT = "cyclonedx-json"
#: syft's format option: CycloneDX 1.6, the newest the pinned osv-scanner (2.3.5) reads
#: (syft 1.57 writes 1.7 by default, which osv-scanner refuses as an unknown version).
SBOM_OUTPUT = f"{SBOM_FORMAT}@1.6"
#: purl types osv-scanner matches, and the offline database folder each one needs.
AUDITED_PURL_TYPES: Mapping[str, str] = {
    "pypi": "PyPI",
    "golang": "Go",
    "cargo": "crates.io",
    "npm": "npm",
    "maven": "Maven",
    "deb": "Debian",
}
#: Languages whose artifacts carry no package metadata: their lockfile completes the SBOM.
LOCKFILE_LANGUAGES = frozenset({"rust", "expo"})


@dataclass(frozen=True)
class Sbom:
    path: Path
    components: int
    by_type: Mapping[str, int]


def syft_argv(syft: str, source: str, output: Path) -> list[str]:
    return [syft, "scan", source, "-o", f"{SBOM_OUTPUT}={output}", "-q"]


def syft_env(env: Mapping[str, str], registry: str, docker_config: Path) -> dict[str, str]:
    out = {**env, "DOCKER_CONFIG": str(docker_config), "SYFT_CHECK_FOR_APP_UPDATE": "false"}
    if is_loopback(registry):
        out["SYFT_REGISTRY_INSECURE_USE_HTTP"] = "true"
    return out


def scan(syft: str, source: str, output: Path, env: Mapping[str, str]) -> dict[str, Any]:
    output.parent.mkdir(parents=True, exist_ok=True)
    done = run_tool(syft_argv(syft, source, output), env)
    if done.exit_code != 0 or not output.is_file():
        raise SupplyError(f"syft could not scan {source}: {done.output.strip()[-400:]}")
    return json.loads(output.read_text(encoding="utf-8"))


def _purl_type(component: Mapping[str, Any]) -> str | None:
    purl = component.get("purl")
    if not isinstance(purl, str) or not purl.startswith("pkg:"):
        return None
    return purl[4:].split("/", 1)[0].lower()


def merge(image: dict[str, Any], extra: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """`image` with the components of `extra` whose purl it lacks (order kept, no duplicates)."""
    components = list(image.get("components") or [])
    seen = {c.get("purl") for c in components}
    for document in extra:
        for component in document.get("components") or []:
            if component.get("purl") and component.get("purl") not in seen:
                seen.add(component.get("purl"))
                components.append(component)
    return {**image, "components": components}


def counts(document: Mapping[str, Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for component in document.get("components") or []:
        kind = _purl_type(component) or "other"
        out[kind] = out.get(kind, 0) + 1
    return dict(sorted(out.items()))


def audit_copy(
    document: Mapping[str, Any], vulndb: Path | None
) -> tuple[dict[str, Any], list[str]]:
    """The components osv-scanner can audit here; and the purl types left out (no data)."""
    from pipelines.sca.gate import OFFLINE_DB_SUBDIR

    kept, left_out = [], set()
    for component in document.get("components") or []:
        kind = _purl_type(component)
        if kind not in AUDITED_PURL_TYPES:
            continue
        ecosystem = AUDITED_PURL_TYPES[kind]
        if (
            vulndb is not None
            and not (vulndb / OFFLINE_DB_SUBDIR / ecosystem / "all.zip").is_file()
        ):
            left_out.add(kind)
            continue
        kept.append(component)
    return {**document, "components": kept, "dependencies": []}, sorted(left_out)


def image_sbom(
    image_ref: str,
    registry: str,
    lockfile: Path | None,
    output: Path,
    env: Mapping[str, str],
    docker_config: Path,
) -> Sbom:
    """Scan `image_ref` (repository@digest) and, when given, `lockfile`; write the merged SBOM."""
    syft = find_tool("syft", env)
    tool_env = syft_env(env, registry, docker_config)
    document = scan(syft, f"registry:{image_ref}", output, tool_env)
    if lockfile is not None:
        extra = scan(syft, f"file:{lockfile}", output.with_suffix(".lock.json"), tool_env)
        document = merge(document, [extra])
        output.with_suffix(".lock.json").unlink(missing_ok=True)
    output.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return Sbom(output, len(document.get("components") or []), counts(document))
