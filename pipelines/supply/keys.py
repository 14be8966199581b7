"""Who signs: a cosign key pair (a file, or a Secret in an env var) or keyless OIDC in CI.

The private key never reaches argv: cosign is given its *reference* (a path, or `env://VAR`,
which makes cosign read the PEM from its environment), and its password travels in
COSIGN_PASSWORD, cosign's own variable. With no setting, a local run signs with a key pair it
generates once under the cache dir (like the embedded registry, a default that makes the main
job work on a fresh machine); GitHub Actions signs keylessly with the workflow's OIDC identity.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.errors import ConfigError
from pipelines.supply.tools import SupplyError, find_tool, run_tool

PASSWORD_ENV = "COSIGN_PASSWORD"
KEYLESS = "keyless"
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"


@dataclass(frozen=True)
class SigningKey:
    """How cosign signs and verifies for this run."""

    #: A cosign key reference (file path or env://VAR), or None for keyless signing.
    key_ref: str | None
    #: Public key file that verifies `key_ref`'s signatures (None when keyless).
    public_key: Path | None
    password: str = field(default="", repr=False)
    #: Keyless verification: the certificate identity (regexp) and its OIDC issuer.
    identity: str | None = None
    issuer: str = GITHUB_ISSUER

    @property
    def keyless(self) -> bool:
        return self.key_ref is None

    def env(self) -> dict[str, str]:
        """What cosign's process needs beside the run's environment."""
        return {PASSWORD_ENV: self.password}

    def sign_flags(self) -> tuple[str, ...]:
        if self.keyless:
            return ()
        return ("--key", str(self.key_ref), "--tlog-upload=false")

    def verify_flags(self) -> tuple[str, ...]:
        if self.keyless:
            identity = self.identity or ".*"
            return (
                "--certificate-identity-regexp",
                identity,
                "--certificate-oidc-issuer",
                self.issuer,
            )
        return ("--key", str(self.public_key), "--insecure-ignore-tlog=true")


def in_github_actions(env: Mapping[str, str]) -> bool:
    return env.get("GITHUB_ACTIONS") == "true" and bool(env.get("ACTIONS_ID_TOKEN_REQUEST_URL"))


def github_identity(env: Mapping[str, str]) -> str | None:
    """The workflow identity keyless signatures carry (`<server>/<repo>/.github/workflows/...`)."""
    server, repository = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY")
    if not server or not repository:
        return None
    return f"^{server}/{repository}/\\.github/workflows/.*"


def signing_key(
    setting: str | None,
    public_setting: Path | None,
    env: Mapping[str, str],
    cache_dir: Path,
    origin: str = "--cosign-key",
) -> SigningKey:
    """The run's signer from the `cosign_key`/`cosign_pub` settings (see the module docstring)."""
    password = env.get(PASSWORD_ENV, "")
    if setting == KEYLESS or (setting is None and in_github_actions(env)):
        return SigningKey(None, None, identity=github_identity(env))
    if setting is None:
        return default_key(cache_dir, env)
    if setting.startswith("env://"):
        name = setting.removeprefix("env://")
        if not env.get(name):
            raise ConfigError(origin, "cosign_key", f"environment variable {name} is not set")
        if public_setting is None:
            raise ConfigError(origin, "cosign_pub", "a key from env:// needs --cosign-pub FILE")
        return SigningKey(setting, public_setting, password)
    key = Path(setting)
    if not key.is_file():
        raise ConfigError(origin, "cosign_key", f"{key} is not a file")
    public = public_setting or key.with_suffix(".pub")
    if not public.is_file():
        raise ConfigError(origin, "cosign_pub", f"{public} is not a file")
    return SigningKey(str(key), public, password)


def verifying_key(
    public_setting: Path | None, env: Mapping[str, str], cache_dir: Path
) -> SigningKey:
    """What promote/rollback check signatures against: the configured public key, keyless
    identity in GitHub Actions, else the local default key pair's public half."""
    if public_setting is not None:
        if not public_setting.is_file():
            raise ConfigError("--cosign-pub", "cosign_pub", f"{public_setting} is not a file")
        return SigningKey("unused", public_setting)
    if in_github_actions(env):
        return SigningKey(None, None, identity=github_identity(env))
    public = cache_dir / "cosign" / "cosign.pub"
    if not public.is_file():
        raise ConfigError(
            "--cosign-pub", "cosign_pub", f"no public key to verify signatures with ({public})"
        )
    return SigningKey("unused", public)


def default_key(cache_dir: Path, env: Mapping[str, str]) -> SigningKey:
    """The local key pair under `<cache>/cosign/`, generated by cosign the first time."""
    folder = cache_dir / "cosign"
    key, public, secret = folder / "cosign.key", folder / "cosign.pub", folder / "password"
    if not (key.is_file() and public.is_file() and secret.is_file()):
        folder.mkdir(parents=True, exist_ok=True)
        for path in (key, public, secret):
            path.unlink(missing_ok=True)
        password = secrets.token_urlsafe(24)
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(password)
        cosign = find_tool("cosign", env)
        argv = [cosign, "generate-key-pair", "--output-key-prefix", str(folder / "cosign")]
        done = run_tool(argv, {**env, PASSWORD_ENV: password}, secrets=(password,))
        if done.exit_code != 0 or not key.is_file():
            secret.unlink(missing_ok=True)
            raise SupplyError(f"cosign generate-key-pair failed: {done.output.strip()[-300:]}")
    return SigningKey(str(key), public, secret.read_text(encoding="utf-8").strip())
