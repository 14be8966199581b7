"""The Dagger engine's sbom and sign stages: syft, osv-scanner and cosign in containers.

Each tool runs in the pinned Go builder image, installed with `go install` at the version the
host scripts pin (scripts/tools.d/70-syft.sh, 71-cosign.sh, 11-osv-scanner.sh), as the SCA
stage's osv-scanner step is. Secrets reach the containers as Dagger Secrets only: the registry
login as a mounted Docker config.json, the cosign key as a mounted file and its password as a
secret variable; in GitHub Actions keyless signing gets the runner's OIDC request URL and
token the same way. None of them is ever part of an argv, a cache key or a log line.

The judgement (which packages are audited, the SCA gate, the provenance predicate, when an
image already verifies) is pipelines.supply.stage's, shared with the local engine: only the
three tool calls are container chains here.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import anyio

from pipelines.sca.steps import OSV_SCANNER_IMAGE, OSV_SCANNER_MODULE, OSV_SCANNER_VERSION
from pipelines.supply import sbom
from pipelines.supply.stage import Attestor, SupplyOptions
from pipelines.supply.tools import COSIGN_VERSION, SYFT_VERSION, SupplyError

if TYPE_CHECKING:
    import dagger

    from pipelines.images.config import ImageSettings

GO_IMAGE = OSV_SCANNER_IMAGE
SYFT_MODULE = "github.com/anchore/syft/cmd/syft"
COSIGN_MODULE = "github.com/sigstore/cosign/v2/cmd/cosign"
DOCKER_CONFIG_DIR = "/run/commerce-ci/docker"
KEY_PATH = "/run/commerce-ci/cosign/cosign.key"
PUB_PATH = "/run/commerce-ci/cosign/cosign.pub"
WORK = "/work"


@dataclass(frozen=True)
class DaggerSigner:
    """A cosign key pair as Secrets (the public half as a file), or keyless OIDC."""

    key: dagger.Secret | None = field(default=None, repr=False)
    password: dagger.Secret | None = field(default=None, repr=False)
    public_key: dagger.File | None = None
    #: GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN, for keyless signing.
    oidc_url: dagger.Secret | None = field(default=None, repr=False)
    oidc_token: dagger.Secret | None = field(default=None, repr=False)
    identity: str | None = None
    issuer: str = "https://token.actions.githubusercontent.com"

    @property
    def keyless(self) -> bool:
        return self.key is None

    def sign_flags(self) -> list[str]:
        return [] if self.keyless else ["--key", KEY_PATH, "--tlog-upload=false"]

    def verify_flags(self) -> list[str]:
        if self.keyless:
            identity = self.identity or ".*"
            return [
                "--certificate-identity-regexp",
                identity,
                "--certificate-oidc-issuer",
                self.issuer,
            ]
        return ["--key", PUB_PATH, "--insecure-ignore-tlog=true"]


def go_tool(module: str, version: str) -> dagger.Container:
    """The Go image with one tool installed on PATH (module cache shared between runs)."""
    from dagger import dag

    return (
        dag.container()
        .from_(GO_IMAGE)
        .with_mounted_cache("/go/pkg/mod", dag.cache_volume("commerce-ci-gomod"))
        .with_env_variable("GOBIN", "/usr/local/bin")
        .with_env_variable("GOFLAGS", "-mod=mod")
        .with_exec(["go", "install", f"{module}@v{version}"])
    )


def with_docker_config(ctr: dagger.Container, config: dagger.Secret | None) -> dagger.Container:
    if config is None:
        return ctr
    return ctr.with_mounted_secret(f"{DOCKER_CONFIG_DIR}/config.json", config).with_env_variable(
        "DOCKER_CONFIG", DOCKER_CONFIG_DIR
    )


def docker_config_json(registry: str, username: str, password: str) -> str:
    auth = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    return json.dumps({"auths": {registry: {"auth": auth}}})


def syft_container(image: str, config: dagger.Secret | None) -> dagger.Container:
    ctr = with_docker_config(go_tool(SYFT_MODULE, SYFT_VERSION), config)
    ctr = ctr.with_env_variable("SYFT_CHECK_FOR_APP_UPDATE", "false")
    out = f"{WORK}/{sbom.SBOM_FORMAT}.json"
    return ctr.with_exec(["syft", "scan", f"registry:{image}", "-o", f"{sbom.SBOM_OUTPUT}={out}"])


def syft_lockfile_container(name: str, text: str) -> dagger.Container:
    """syft over one lockfile's text (Cargo.lock: a Rust binary names no crates)."""
    ctr = go_tool(SYFT_MODULE, SYFT_VERSION).with_new_file(f"{WORK}/lock/{name}", text)
    out = f"{WORK}/lock.json"
    argv = ["syft", "scan", f"file:{WORK}/lock/{name}", "-o", f"{sbom.SBOM_OUTPUT}={out}"]
    return ctr.with_exec(argv)


def osv_container(audit_json: str, vulndb: dagger.Directory | None) -> dagger.Container:
    import dagger as sdk

    ctr = go_tool(OSV_SCANNER_MODULE, OSV_SCANNER_VERSION).with_new_file(
        f"{WORK}/sbom.audit.cdx.json", audit_json
    )
    argv = ["osv-scanner", "scan", "source", "-L", f"{WORK}/sbom.audit.cdx.json"]
    argv += ["--format", "json", "--all-packages", "--output-file", f"{WORK}/osv.json"]
    if vulndb is not None:
        ctr = ctr.with_mounted_directory("/vulndb", vulndb)
        argv += ["--offline", "--local-db-path", "/vulndb"]
    return ctr.with_exec(argv, expect=sdk.ReturnType.ANY)


def cosign_container(signer: DaggerSigner, config: dagger.Secret | None) -> dagger.Container:
    ctr = with_docker_config(go_tool(COSIGN_MODULE, COSIGN_VERSION), config)
    if signer.key is not None:
        ctr = ctr.with_mounted_secret(KEY_PATH, signer.key)
    if signer.password is not None:
        ctr = ctr.with_secret_variable("COSIGN_PASSWORD", signer.password)
    if signer.public_key is not None:
        ctr = ctr.with_mounted_file(PUB_PATH, signer.public_key)
    if signer.oidc_url is not None and signer.oidc_token is not None:
        ctr = ctr.with_secret_variable("ACTIONS_ID_TOKEN_REQUEST_URL", signer.oidc_url)
        ctr = ctr.with_secret_variable("ACTIONS_ID_TOKEN_REQUEST_TOKEN", signer.oidc_token)
    return ctr


def cosign_sign(ctr: dagger.Container, signer: DaggerSigner, image: str) -> dagger.Container:
    return ctr.with_exec(["cosign", "sign", "--yes", *signer.sign_flags(), image])


def cosign_attest(
    ctr: dagger.Container, signer: DaggerSigner, image: str, predicate: str, kind: str
) -> dagger.Container:
    path = f"{WORK}/{kind}.json"
    ctr = ctr.with_new_file(path, predicate)
    argv = ["cosign", "attest", "--yes", *signer.sign_flags(), "--type", kind]
    return ctr.with_exec([*argv, "--predicate", path, image])


def cosign_verify(
    ctr: dagger.Container, signer: DaggerSigner, image: str, kind: str | None = None
) -> dagger.Container:
    import dagger as sdk

    argv = ["cosign", "verify", *signer.verify_flags(), image]
    if kind is not None:
        argv = ["cosign", "verify-attestation", "--type", kind, *signer.verify_flags(), image]
    return ctr.with_exec(argv, expect=sdk.ReturnType.ANY)


class _DaggerCosign:
    """The Cosign interface of pipelines.supply.stage, as container chains."""

    def __init__(self, attestor: DaggerAttestor) -> None:
        self.attestor = attestor

    def _run(self, ctr: dagger.Container) -> int:
        return anyio.from_thread.run(self.attestor.exit_code, ctr)

    def _base(self) -> dagger.Container:
        return cosign_container(self.attestor.signer, self.attestor.docker_config)

    def sign(self, image: str) -> str:
        self._must(cosign_sign(self._base(), self.attestor.signer, image), "sign")
        return ""

    def attest(self, image: str, predicate: Path, kind: str) -> str:
        text = predicate.read_text(encoding="utf-8")
        chain = cosign_attest(self._base(), self.attestor.signer, image, text, kind)
        self._must(chain, "attest")
        return ""

    def _must(self, ctr: dagger.Container, what: str) -> None:
        anyio.from_thread.run(self.attestor.sync, ctr, f"cosign {what}")

    def verify(self, image: str) -> tuple[bool, str]:
        return self._run(cosign_verify(self._base(), self.attestor.signer, image)) == 0, ""

    def verify_attestation(self, image: str, kind: str) -> tuple[bool, str]:
        chain = cosign_verify(self._base(), self.attestor.signer, image, kind)
        return self._run(chain) == 0, ""

    def verified(self, image: str) -> bool:
        from pipelines.supply.cosign import PROVENANCE_TYPE, SBOM_TYPE

        if not self.verify(image)[0]:
            return False
        return all(self.verify_attestation(image, k)[0] for k in (PROVENANCE_TYPE, SBOM_TYPE))


class DaggerAttestor(Attestor):
    """Attestor whose syft, osv-scanner and cosign run as Dagger containers."""

    def __init__(
        self,
        settings: ImageSettings,
        options: SupplyOptions,
        signer: DaggerSigner,
        *,
        docker_config: dagger.Secret | None = None,
        vulndb: dagger.Directory | None = None,
    ) -> None:
        super().__init__(settings, options)
        self.signer = signer
        self.docker_config = docker_config
        self.vulndb = vulndb
        self.cosign = _DaggerCosign(self)  # type: ignore[assignment]

    # -- engine calls (the seams tests replace) ------------------------------------------

    async def contents(self, ctr: dagger.Container, path: str) -> str:
        return await ctr.file(path).contents()

    async def exit_code(self, ctr: dagger.Container) -> int:
        return await ctr.exit_code()

    async def sync(self, ctr: dagger.Container, what: str) -> None:
        from dagger import ExecError

        try:
            await ctr.sync()
        except ExecError as exc:
            raise SupplyError(f"{what} failed: {str(exc.stderr)[-400:]}") from None

    # -- the tool calls --------------------------------------------------------------------

    def scan(self, image: str, lockfile: Path | None, output: Path) -> sbom.Sbom:
        ctr = syft_container(image, self.docker_config)
        out = f"{WORK}/{sbom.SBOM_FORMAT}.json"
        document = json.loads(anyio.from_thread.run(self.contents, ctr, out))
        if lockfile is not None:
            lock = syft_lockfile_container(lockfile.name, lockfile.read_text(encoding="utf-8"))
            extra = json.loads(anyio.from_thread.run(self.contents, lock, f"{WORK}/lock.json"))
            document = sbom.merge(document, [extra])
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        return sbom.Sbom(output, len(document.get("components") or []), sbom.counts(document))

    def audit(self, audit_file: Path, report: Path) -> int:
        ctr = osv_container(audit_file.read_text(encoding="utf-8"), self.vulndb)
        code = anyio.from_thread.run(self.exit_code, ctr)
        if code not in (0, 1):
            raise SupplyError(f"osv-scanner could not audit the SBOM (exit {code})")
        report.write_text(anyio.from_thread.run(self.contents, ctr, f"{WORK}/osv.json"))
        return code


def docker_config_secret(
    registry: str, username: str, password: str | None
) -> dagger.Secret | None:
    """The registry login as a Docker config.json Secret for the tool containers."""
    if password is None:
        return None
    from dagger import dag

    return dag.set_secret(
        f"commerce-ci-docker-config-{registry}", docker_config_json(registry, username, password)
    )


def options_for(
    report_dir: Path, env: Mapping[str, str], vulndb: Path | None, fail_on: str
) -> SupplyOptions:
    """Supply options for the module: the signer lives in DaggerSigner, so the SigningKey here
    only carries what the shared code reads (nothing secret)."""
    from pipelines.supply.keys import SigningKey

    return SupplyOptions(
        key=SigningKey(None, None),
        report_dir=report_dir,
        env=env,
        engine="dagger",
        vulndb=vulndb,
        severity_threshold=fail_on,
    )
