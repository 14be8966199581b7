"""The sbom and sign stages of a service, after push and before the GitOps write-back.

- sbom: syft lists what the pushed image holds; osv-scanner audits that list with the run's
  database; the SCA gate judges it (so a vulnerable transitive jar, invisible in a pom.xml
  scanned offline, fails here with its advisory id, and the image is never signed).
- sign: the SLSA provenance predicate, then `cosign sign` of the digest and `cosign attest`
  of the SBOM and the provenance, unless the digest already verifies with all three (an image
  reused through its input tag was signed by the run that pushed it).

Both block on processes, so they run in worker threads.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import anyio

from pipelines.catalog import Service
from pipelines.engines.base import artifacts_dir
from pipelines.images.config import ImageSettings
from pipelines.images.publisher import ImageRecord
from pipelines.logs import append_line
from pipelines.sca.steps import INSTALL_HINTS as SCA_HINTS
from pipelines.steps import Step
from pipelines.supply import provenance, sbom
from pipelines.supply.cosign import (
    PROVENANCE_TYPE,
    SBOM_TYPE,
    Cosign,
    attestation_tag,
    signature_tag,
)
from pipelines.supply.keys import SigningKey
from pipelines.supply.tools import Login, SupplyError, docker_config, find_tool, run_tool

SBOM_FILE = "sbom.cdx.json"
AUDIT_FILE = "sbom.audit.cdx.json"
AUDIT_REPORT = "sbom-osv.json"
PROVENANCE_FILE = "provenance.json"


@dataclass(frozen=True)
class SupplyOptions:
    key: SigningKey
    report_dir: Path
    env: Mapping[str, str]
    engine: str = "local"
    vulndb: Path | None = None
    severity_threshold: str = "low"


class Attestor:
    """SBOM, audit, provenance and signatures for the images of one run."""

    def __init__(self, settings: ImageSettings, options: SupplyOptions) -> None:
        self.settings = settings
        self.options = options
        registry = settings.target.registry
        self.login = Login(registry, settings.credentials)
        self.cosign = Cosign(options.key, registry, self.login, options.env)

    def _folder(self, service: Service) -> Path:
        folder = artifacts_dir(self.options.report_dir, service.name, "supply")
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    @staticmethod
    def _pinned(record: ImageRecord) -> str:
        if record.ref is None:
            raise SupplyError("the sbom and sign stages need a pushed image (push stage)")
        return record.ref.split("@", 1)[0].rsplit(":", 1)[0] + "@" + record.digest

    # -- sbom ------------------------------------------------------------------------------

    def sbom_sync(self, service: Service, record: ImageRecord, root: Path, log: Path) -> None:
        image = self._pinned(record)
        folder = self._folder(service)
        lockfile = None
        if service.language in sbom.LOCKFILE_LANGUAGES:
            lockfile = service.folder(root) / service.lockfile
        made = self.scan(image, lockfile, folder / SBOM_FILE)
        kinds = ", ".join(f"{n} {k}" for k, n in made.by_type.items())
        append_line(log, f"sbom {made.path}: {made.components} components ({kinds})")
        document = json.loads(made.path.read_text(encoding="utf-8"))
        audited, left_out = sbom.audit_copy(document, self.options.vulndb)
        for kind in left_out:
            append_line(
                log,
                f"not audited: {made.by_type.get(kind, 0)} {kind} packages "
                "(the offline vulnerability database has no data for them)",
            )
        (folder / AUDIT_FILE).write_text(json.dumps(audited), encoding="utf-8")
        self._audit(folder, log)

    def scan(self, image: str, lockfile: Path | None, output: Path) -> sbom.Sbom:
        """syft on the host: the image from the registry, plus the lockfile when given."""
        with docker_config([self.login]) as config:
            registry = self.settings.target.registry
            return sbom.image_sbom(image, registry, lockfile, output, self.options.env, config)

    def audit(self, audit_file: Path, report: Path) -> int:
        """osv-scanner on the host over the audit copy of the SBOM; its exit code."""
        scanner = find_tool("osv-scanner", self.options.env, SCA_HINTS["osv-scanner"])
        argv = [scanner, "scan", "source", "-L", str(audit_file), "--format", "json"]
        argv += ["--all-packages", "--output-file", str(report)]
        if self.options.vulndb is not None:
            argv += ["--offline", "--local-db-path", str(self.options.vulndb)]
        done = run_tool(argv, self.options.env)
        if done.exit_code not in (0, 1):
            raise SupplyError(f"osv-scanner could not audit the SBOM: {done.output.strip()[-300:]}")
        return done.exit_code

    def _audit(self, folder: Path, log: Path) -> None:
        from pipelines.sca.gate import evaluate

        report = folder / AUDIT_REPORT
        report.unlink(missing_ok=True)
        exit_code = self.audit(folder / AUDIT_FILE, report)
        append_line(log, f"$ osv-scanner (SBOM audit) exited {exit_code}")
        verdict = evaluate(
            (("osv-json", report),), self.options.severity_threshold, self.options.vulndb
        )
        append_line(
            log, f"SBOM audit: {verdict.packages_audited} packages, {verdict.findings} findings"
        )
        if verdict.failed:
            raise SupplyError(f"SBOM audit: {verdict.reason}")

    # -- sign ------------------------------------------------------------------------------

    def sign_sync(
        self, service: Service, record: ImageRecord, steps: Sequence[Step], log: Path
    ) -> ImageRecord:
        image = self._pinned(record)
        folder = self._folder(service)
        if record.reused and self.cosign.verified(image):
            append_line(log, f"{image}: already signed and attested by this signer")
            return self._signed(record)
        sbom_path = folder / SBOM_FILE
        if not sbom_path.is_file():
            raise SupplyError(f"{service.path}: the sign stage needs the sbom stage first")
        facts = provenance.BuildFacts(
            service=service.name,
            source_url=self.settings.meta.source,
            revision=self.settings.meta.revision,
            input_digest=record.input_digest,
            base_ref=record.base or "",
            builder_id=provenance.builder_id(
                self.settings.meta.source, self.options.engine, self.options.env
            ),
            engine=self.options.engine,
        )
        predicate = folder / PROVENANCE_FILE
        predicate.write_text(provenance.predicate_json(facts, steps), encoding="utf-8")
        self.cosign.sign(image)
        append_line(log, f"signed {image}")
        self.cosign.attest(image, predicate, PROVENANCE_TYPE)
        append_line(log, f"attested {image}: {PROVENANCE_TYPE} ({predicate})")
        self.cosign.attest(image, sbom_path, SBOM_TYPE)
        append_line(log, f"attested {image}: {SBOM_TYPE} ({sbom_path})")
        if not self.cosign.verified(image):
            raise SupplyError(f"{image}: cosign cannot verify what it just signed")
        return self._signed(record)

    def _signed(self, record: ImageRecord) -> ImageRecord:
        repository = self._pinned(record).split("@", 1)[0]
        return replace(
            record,
            signature=f"{repository}:{signature_tag(record.digest)}",
            attestations=f"{repository}:{attestation_tag(record.digest)}",
        )

    async def sbom(self, service: Service, record: ImageRecord, root: Path, log: Path) -> None:
        await anyio.to_thread.run_sync(self.sbom_sync, service, record, root, log)

    async def sign(
        self, service: Service, record: ImageRecord, steps: Sequence[Step], log: Path
    ) -> ImageRecord:
        return await anyio.to_thread.run_sync(self.sign_sync, service, record, steps, log)
