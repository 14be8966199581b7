"""What the Dagger module's functions (pipelines/main.py) adapt, kept apart from their signatures.

Arguments become the run request `commerce-ci` builds from flags (`RunArgs.request`); Secrets
become registry logins and a git environment; a reports folder becomes a Directory. Nothing
here runs a stage: `pipelines.run.assemble.execute` does, as for the CLI.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.errors import ConfigError, StageFailed
from pipelines.steps import Stage, parse_stages

if TYPE_CHECKING:
    import dagger

    from pipelines.engines.dagger_images import RegistryLogin
    from pipelines.engines.dagger_kit import DaggerKit
    from pipelines.engines.dagger_supply import DaggerSigner
    from pipelines.gitops.commands import GitOpsOptions
    from pipelines.gitops.git import CommitResult, GitOpsRemote
    from pipelines.results import RunResult
    from pipelines.run.assemble import GitOpsTarget, RunRequest

#: The variable GitOpsRemote.token_env names inside the runtime container: the token's only way
#: to git (pipelines/gitops/git.py turns it into an http.extraHeader in git's environment).
GITOPS_TOKEN_ENV = "COMMERCE_CI_GITOPS_TOKEN"


def check_failure(result: RunResult) -> StageFailed:
    """One line per failed stage, so the error `dagger call` prints says what broke."""
    lines = [
        f"{service.name} {stage.stage}: {stage.reason or 'failed'}"
        for service in result.services
        for stage in service.stages
        if stage.status == "failed"
    ]
    return StageFailed("stages failed:\n" + "\n".join(lines))


def stages_from(text: str) -> tuple[Stage, ...]:
    try:
        return parse_stages(text)
    except ValueError as exc:
        raise ConfigError("--stages", None, str(exc)) from None


@contextlib.asynccontextmanager
async def checkout(directory: dagger.Directory) -> AsyncIterator[Path]:
    """The directory exported to a scratch folder of the runtime container, removed after."""
    async with exported(directory, "repo") as root:
        yield root


@contextlib.asynccontextmanager
async def exported(directory: dagger.Directory | None, name: str) -> AsyncIterator[Path | None]:
    """`directory` exported to a scratch folder (None stays None), removed after."""
    if directory is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="commerce-ci-") as scratch:
        path = Path(scratch) / name
        await directory.export(str(path))
        yield path


@dataclass(frozen=True)
class RunArgs:
    """What `check`, `check_reports` and `release` share, adapted into the CLI's RunRequest."""

    services: Sequence[str] = ()
    keep_going: bool = False
    jobs: int = 2
    fail_on: str = "low"

    def request(
        self,
        root: Path,
        env: Mapping[str, str],
        stages: tuple[Stage, ...],
        *,
        vulndb: Path | None = None,
        images: Mapping[str, str] | None = None,
        version: str = "",
        gitops: GitOpsTarget | None = None,
    ) -> RunRequest:
        """The run request: settings from these arguments as if they were flags (checked the
        CLI's way), then the repository's commerce-ci.toml, then the defaults."""
        from pipelines.catalog import load_catalog
        from pipelines.images.config import check_version, target_from
        from pipelines.run.assemble import RunRequest
        from pipelines.settings import resolve

        flags = {"engine": "dagger", "jobs": self.jobs, "fail_on": self.fail_on, "vuln_db": vulndb}
        flags.update(images or {})
        settings = resolve({k: v for k, v in flags.items() if v not in (None, "")}, env, root, root)
        catalog = load_catalog(root, settings.services_dir, settings.source("services_dir"))
        return RunRequest(
            root,
            settings,
            tuple(catalog.select(self.services, source="--services")),
            stages,
            env,
            keep_going=self.keep_going,
            registry=target_from(settings),
            version=check_version(version or None),
            gitops=gitops,
        )


def module_env(credentials: Mapping[str, str]) -> dict[str, str]:
    """What the run reads credentials from and runs host processes (apt, git) with."""
    return {"PATH": os.environ.get("PATH", os.defpath), **credentials}


def signer(
    key: dagger.Secret | None,
    password: dagger.Secret | None,
    public_key: dagger.File | None,
    oidc_url: dagger.Secret | None,
    oidc_token: dagger.Secret | None,
) -> DaggerSigner:
    """A key pair (key + public key) or keyless (both OIDC request secrets): one is needed."""
    from pipelines.engines.dagger_supply import DaggerSigner

    if key is not None:
        if public_key is None:
            raise ConfigError("--cosign-pub", None, "a cosign key needs its public key to verify")
        return DaggerSigner(key=key, password=password, public_key=public_key)
    if oidc_url is None or oidc_token is None:
        raise ConfigError(
            "--cosign-key",
            None,
            "release signs every image: give --cosign-key/--cosign-pub, or keyless "
            "--oidc-request-url/--oidc-request-token (GitHub Actions, id-token: write)",
        )
    return DaggerSigner(oidc_url=oidc_url, oidc_token=oidc_token)


def logins(
    registry: str, username: str, password: dagger.Secret | None
) -> dict[str, RegistryLogin]:
    """The target registry's login for the image chains: the Secret itself, never its text."""
    from pipelines.engines.dagger_images import RegistryLogin
    from pipelines.images.config import RegistryTarget

    if password is None:
        return {}
    host = RegistryTarget.parse(registry, "--registry", "registry").registry
    return {host: RegistryLogin(username, password)}


def release_kit(
    source: dagger.Directory,
    vulndb: dagger.Directory | None,
    logins: Mapping[str, RegistryLogin],
    signer: DaggerSigner,
) -> DaggerKit:
    """The Dagger engine's kit for `release`, connected already (inside `dagger call`): steps
    see the repository without .git, images push with the Secret logins, cosign signs in a
    container."""
    from pipelines.engines.dagger_kit import DaggerKit

    source = source.without_directory(".git")
    return DaggerKit(source=source, vulndb=vulndb, logins=logins, signer=signer, connect=False)


def catalog_cache(root: Path) -> Path:
    """Where `plan` and `services` keep the catalog index: the CLI's default cache dir."""
    return root / ".cache" / "commerce-ci"


def registry_env(
    registry: str, base_mirror: str, username: str, password: str | None
) -> dict[str, str]:
    """The login as the variables pipelines.images.config reads (a mirror on the same host
    shares it, as an ECR pull-through cache does); empty when no login is given."""
    from pipelines.images.config import (
        MIRROR_PASSWORD,
        MIRROR_USERNAME,
        TARGET_PASSWORD,
        TARGET_USERNAME,
    )

    if not username and password is None:
        return {}
    if not username or password is None:
        missing = "--registry-username" if not username else "--registry-password"
        raise ConfigError(missing, None, "give the registry's username and password together")
    env = {TARGET_USERNAME: username, TARGET_PASSWORD: password}
    host = registry.strip("/").split("/", 1)[0].lower()
    if base_mirror and base_mirror.strip("/").split("/", 1)[0].lower() == host:
        env.update({MIRROR_USERNAME: username, MIRROR_PASSWORD: password})
    return env


def gitops_remote(url: str, branch: str, has_token: bool) -> GitOpsRemote:
    from pipelines.gitops.git import GitOpsRemote

    if not url:
        raise ConfigError("--gitops-remote", None, "give the GitOps repository's URL")
    return GitOpsRemote(url, branch or "main", token_env=GITOPS_TOKEN_ENV if has_token else None)


def git_environ(home: Path, token: str | None, path: str) -> dict[str, str]:
    """All git gets: PATH, a scratch HOME, and the token under GITOPS_TOKEN_ENV when given."""
    env = {"PATH": path, "HOME": str(home)}
    if token is not None:
        env[GITOPS_TOKEN_ENV] = token
    return env


def commit_json(result: CommitResult) -> str:
    return json.dumps(
        {**result.to_report(), "changed": result.changed, "subject": result.subject}, indent=2
    )


def report_files(report_dir: Path) -> dict[str, str]:
    """Every text file of the reports folder (step artifacts are already merged into them)."""
    return {
        path.relative_to(report_dir).as_posix(): path.read_text(encoding="utf-8", errors="replace")
        for path in sorted(report_dir.rglob("*"))
        if path.is_file() and "artifacts" not in path.relative_to(report_dir).parts
    }


def directory_of(files: dict[str, str]) -> dagger.Directory:
    import dagger

    directory = dagger.dag.directory()
    for name, text in sorted(files.items()):
        directory = directory.with_new_file(name, text)
    return directory


@contextlib.asynccontextmanager
async def gitops(
    url: str, branch: str, token: dagger.Secret | None
) -> AsyncIterator[tuple[GitOpsRemote, GitOpsOptions]]:
    """The remote and the options git runs with, in a scratch work dir removed after."""
    from pipelines.gitops.commands import GitOpsOptions

    remote = gitops_remote(url, branch, token is not None)
    plaintext = await token.plaintext() if token is not None else None
    with tempfile.TemporaryDirectory(prefix="commerce-ci-gitops-") as scratch:
        home = Path(scratch)
        environ = git_environ(home, plaintext, os.environ.get("PATH", os.defpath))
        options = GitOpsOptions(workdir=home / "work", environ=environ, log=stderr)
        yield remote, options


def stderr(line: str) -> None:
    print(line, file=sys.stderr)
