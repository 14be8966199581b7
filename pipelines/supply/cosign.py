"""cosign's commands as argv lists, and where cosign puts what it writes in a registry.

Signatures and attestations go where cosign looks for them: on registries without the OCI 1.1
referrers API (Debian's distribution 2.8, ECR's older tiers), the tags `sha256-<hex>.sig` and
`sha256-<hex>.att` next to the image. Transparency-log uploads are off for key signing (no
Rekor on an air-gapped runner); verification says so with `--insecure-ignore-tlog`. Keyless
signing in GitHub Actions uses Fulcio and Rekor, cosign's defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pipelines.supply.keys import SigningKey
from pipelines.supply.tools import (
    Login,
    SupplyError,
    docker_config,
    find_tool,
    is_loopback,
    run_tool,
)

#: cosign's predicate types for the two attestations (`--type`).
PROVENANCE_TYPE = "slsaprovenance"
SBOM_TYPE = "cyclonedx"


def signature_tag(digest: str) -> str:
    return digest.replace(":", "-", 1) + ".sig"


def attestation_tag(digest: str) -> str:
    return digest.replace(":", "-", 1) + ".att"


@dataclass(frozen=True)
class Cosign:
    """cosign for one registry, with the run's signer and logins."""

    key: SigningKey
    registry: str
    login: Login
    env: Mapping[str, str]

    def _registry_flags(self) -> tuple[str, ...]:
        return ("--allow-http-registry",) if is_loopback(self.registry) else ()

    def _run(self, *args: str) -> tuple[int, str]:
        cosign = find_tool("cosign", self.env)
        with docker_config([self.login]) as config:
            env = {**self.env, **self.key.env(), "DOCKER_CONFIG": str(config)}
            done = run_tool([cosign, *args], env, secrets=(self.key.password,))
        return done.exit_code, done.output

    def _must(self, what: str, *args: str) -> str:
        code, output = self._run(*args)
        if code != 0:
            raise SupplyError(f"cosign {what} failed: {output.strip()[-400:]}")
        return output

    def sign(self, image: str) -> str:
        return self._must(
            "sign", "sign", "--yes", *self.key.sign_flags(), *self._registry_flags(), image
        )

    def attest(self, image: str, predicate: Path, kind: str) -> str:
        args = ("attest", "--yes", *self.key.sign_flags(), *self._registry_flags())
        return self._must("attest", *args, "--type", kind, "--predicate", str(predicate), image)

    def verify(self, image: str) -> tuple[bool, str]:
        code, output = self._run("verify", *self.key.verify_flags(), *self._registry_flags(), image)
        return code == 0, output

    def verify_attestation(self, image: str, kind: str) -> tuple[bool, str]:
        args = ("verify-attestation", "--type", kind, *self.key.verify_flags())
        code, output = self._run(*args, *self._registry_flags(), image)
        return code == 0, output

    def verified(self, image: str) -> bool:
        """Signed, with both attestations, by this run's signer."""
        if not self.verify(image)[0]:
            return False
        return all(self.verify_attestation(image, kind)[0] for kind in (PROVENANCE_TYPE, SBOM_TYPE))
