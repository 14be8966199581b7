"""The SCA stage's Steps, the same for every language.

Two scanners, each writing a report the gate reads (`pipelines.sca.gate`):
- semgrep with the repository's own rules (`sca/semgrep/*.yml`), never registry rules: those
  are fetched over the network and hang on an air-gapped runner;
- osv-scanner on the service's lockfile only (`-L`), so that it audits exactly the pinned
  dependencies, and so that an offline database is never asked about ecosystems it lacks
  through some stray manifest in the tree.

Both exit 1 when they find something. That exit code is accepted here so that the gate, which
knows the severity threshold, makes the decision; any other non-zero code is a broken scan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.steps import REPORT_DIR, ROOT, VULNDB, ReportFile, Stage, Step

if TYPE_CHECKING:
    from pipelines.catalog import Service
    from pipelines.toolchains.base import ToolchainOptions

SEMGREP_VERSION = "1.185.0"
SEMGREP_IMAGE = f"semgrep/semgrep:{SEMGREP_VERSION}"
OSV_SCANNER_VERSION = "2.3.5"
OSV_SCANNER_MODULE = "github.com/google/osv-scanner/v2/cmd/osv-scanner"
#: osv-scanner is installed with `go install` in a pinned Go image (its own image keeps the
#: binary off PATH), the same way scripts/tools.d/11-osv-scanner.sh installs it on a host.
OSV_SCANNER_IMAGE = "golang:1.26.8-bookworm"

#: Rules kept in the repository, relative to its root.
RULES_DIR = "sca/semgrep"
SEMGREP_REPORT = f"{REPORT_DIR}/semgrep.sarif"
OSV_REPORT = f"{REPORT_DIR}/osv.json"

#: Build outputs and tool folders: generated code, not the service's own.
_NOT_SOURCE = ("bin", "build", "dist", "target", "node_modules", "vendor", REPORT_DIR)

INSTALL_HINTS: dict[str, str] = {
    "semgrep": "run scripts/tools.d/10-semgrep.sh (installs semgrep into .tools/semgrep)",
    "osv-scanner": "run scripts/tools.d/11-osv-scanner.sh "
    f"(go install {OSV_SCANNER_MODULE}@v{OSV_SCANNER_VERSION})",
}


def semgrep_step() -> Step:
    excludes: list[str] = []
    for folder in _NOT_SOURCE:
        excludes += ["--exclude", folder]
    argv = (
        "semgrep",
        "scan",
        "--config",
        f"{ROOT}/{RULES_DIR}",
        "--metrics=off",
        "--disable-version-check",
        "--error",
        "--sarif",
        "--output",
        SEMGREP_REPORT,
        "--quiet",
        *excludes,
        ".",
    )
    return Step(
        stage=Stage.SCA,
        name="semgrep",
        image=SEMGREP_IMAGE,
        argv=argv,
        env={"SEMGREP_SEND_METRICS": "off", "SEMGREP_ENABLE_VERSION_CHECK": "0"},
        reports=(ReportFile("sarif", SEMGREP_REPORT),),
        ok_exit_codes=(0, 1),
    )


def osv_step(lockfile: str, offline: bool) -> Step:
    argv = [
        "osv-scanner",
        "scan",
        "source",
        "--lockfile",
        lockfile,
        "--format",
        "json",
        "--all-packages",
        "--output-file",
        OSV_REPORT,
    ]
    if offline:
        # --offline also turns off transitive resolution and every other network use;
        # --local-db-path is hidden from --help but is the one flag all v2 releases honour.
        argv += ["--offline", "--local-db-path", VULNDB]
    return Step(
        stage=Stage.SCA,
        name="osv-scanner",
        image=OSV_SCANNER_IMAGE,
        argv=tuple(argv),
        reports=(ReportFile("osv-json", OSV_REPORT),),
        ok_exit_codes=(0, 1),
        setup=(("go", "install", f"{OSV_SCANNER_MODULE}@v{OSV_SCANNER_VERSION}"),),
    )


def sca_steps(service: Service, options: ToolchainOptions) -> tuple[Step, ...]:
    """semgrep (SARIF) then osv-scanner on `service.lockfile` (JSON), as Steps."""
    return (semgrep_step(), osv_step(service.lockfile, options.offline_vulndb))
