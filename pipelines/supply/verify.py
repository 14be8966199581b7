"""Deploy only what was signed: the check promote and rollback run on every digest they move.

A digest passes when the real `cosign verify` accepts its signature with the configured public
key (or, keyless, the CI workflow's identity). Anything else (no signature, another key, a
registry that does not answer) refuses the command before any commit: exit 2, naming the digest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pipelines.errors import CommerceCiError, ExitCode
from pipelines.supply.cosign import Cosign
from pipelines.supply.keys import SigningKey, verifying_key
from pipelines.supply.tools import Login


class UnsignedImage(CommerceCiError):
    """A digest to deploy carries no valid signature by the configured signer."""

    exit_code = ExitCode.BAD_INPUT


@dataclass(frozen=True)
class SignatureCheck:
    key: SigningKey
    env: Mapping[str, str]

    def __call__(self, repository: str, digest: str) -> None:
        from pipelines.images.config import credentials_for

        if not digest:
            raise UnsignedImage(f"{repository}: no digest to verify (never released?)")
        registry = repository.split("/", 1)[0]
        login = Login(registry, credentials_for(registry, self.env))
        image = f"{repository}@{digest}"
        ok, output = Cosign(self.key, registry, login, self.env).verify(image)
        if not ok:
            last = output.strip().splitlines()[-1] if output.strip() else "no output"
            signer = self.key.public_key or f"identity {self.key.identity}"
            raise UnsignedImage(f"{digest}: no valid signature by {signer} on {image} ({last})")


def signature_check(
    public_key: Path | None, env: Mapping[str, str], cache_dir: Path
) -> SignatureCheck:
    return SignatureCheck(verifying_key(public_key, env, cache_dir), env)
