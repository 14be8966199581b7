"""The Dagger module: `dagger call` runs the engine the CLI runs, with every Step in a container.

The functions are thin verbs over the engine. Each exports the directory it is given to a scratch
folder inside the module's runtime container (the catalog is read from files, and `plan` reads
git history), then calls the same catalog loader, planner, scheduler and report writers as
`commerce-ci`, with `DaggerEngine` in place of the local engine. Steps run against the
`dagger.Directory` itself, so the export is only read, never built from.

`plan` needs the repository's history: its `source` keeps the `.git` directory that every other
function leaves out, and a CI checkout must be deep enough to hold the base revision (in GitHub
Actions, `actions/checkout` with `fetch-depth: 0`). `dagger call plan --base origin/main`.
`release` keeps `.git` too: images are labelled and tagged from HEAD, and the input digest
hashes the files git tracks. Its steps still see the repository without it.

Credentials arrive as `dagger.Secret`s. A registry password is read in the runtime container
only for the registry lookups made over HTTP there; the image chains get the Secret itself. A
GitOps token reaches git only through the environment variable GitOpsRemote.token_env names.

Heavy modules are imported inside the functions, so that loading the module (what
`dagger functions` does) stays quick.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import anyio
import dagger
from dagger import DefaultPath, Doc, Ignore, function, object_type

from pipelines.engines.dagger import SOURCE_IGNORE
from pipelines.errors import ConfigError, StageFailed
from pipelines.steps import CHECK_STAGES, RELEASE_STAGES, SUPPLY_STAGES, Stage, parse_stages

if TYPE_CHECKING:
    from pipelines.engines.base import Engine, RunContext
    from pipelines.engines.dagger_supply import DaggerAttestor, DaggerSigner
    from pipelines.events import Sink
    from pipelines.gitops.commands import GitOpsOptions
    from pipelines.gitops.git import CommitResult, GitOpsRemote
    from pipelines.gitops.release import ReleaseWriter
    from pipelines.images.config import ImageSettings
    from pipelines.images.publisher import ImagePublisher
    from pipelines.results import RunResult
    from pipelines.scheduler import RunOptions
    from pipelines.supply.stage import Attestor

#: What `check` and `services` see of the repository (build outputs and local state left out).
Source = Annotated[
    dagger.Directory,
    DefaultPath("."),
    Ignore(list(SOURCE_IGNORE)),
    Doc("The repository; by default the checkout `dagger call` runs in"),
]

#: What `plan` sees: the same, plus the `.git` directory Dagger leaves out of contextual
#: directories unless asked, since the plan diffs two revisions.
History = Annotated[
    dagger.Directory,
    DefaultPath("."),
    Ignore([*(p for p in SOURCE_IGNORE if p != ".git"), "!**/.git"]),
    Doc("The repository with its .git directory; by default the checkout `dagger call` runs in"),
]

DEFAULT_STAGES = ",".join(s.value for s in CHECK_STAGES)

Services = Annotated[list[str] | None, Doc("Services to check, by name; all when none are given")]
Stages = Annotated[str, Doc("Comma-separated stages to run")]
KeepGoing = Annotated[
    bool, Doc("Let other services finish after a stage fails (default: fail fast)")
]
Jobs = Annotated[int, Doc("Services checked at once")]
FailOn = Annotated[str, Doc("Lowest finding severity that fails SCA: low, medium, high, critical")]
VulnDb = Annotated[
    dagger.Directory | None,
    Doc("Offline OSV database (osv-scanner's offline layout); OSV is queried when unset"),
]

ReleaseServices = Annotated[
    list[str] | None, Doc("Services to release, by name; all when none are given")
]
Environment = Annotated[str, Doc("GitOps environment whose values files get the images (dev)")]
Version = Annotated[str, Doc("X.Y.Z: also tag the images vX.Y.Z (empty: no version tag)")]
Registry = Annotated[str, Doc("Target registry, HOST[:PORT][/PREFIX]")]
RegistryUsername = Annotated[str, Doc("Login for the target registry (AWS for ECR)")]
RegistryPassword = Annotated[
    dagger.Secret | None, Doc("Password or token for the target registry (env:NAME, file:PATH)")
]
BaseRegistry = Annotated[
    str, Doc("Where runtime bases live, HOST[:PORT][/PREFIX] (empty: the target registry)")
]
BaseMirror = Annotated[str, Doc("Pull-through cache of the base registry, HOST[:PORT]")]
GitOpsRemoteUrl = Annotated[str, Doc("GitOps repository URL (https; no credentials in it)")]
GitOpsBranch = Annotated[str, Doc("Branch ArgoCD follows")]
GitOpsToken = Annotated[
    dagger.Secret | None, Doc("Token for an https GitOps remote (env:NAME); never in a URL")
]
CosignKey = Annotated[
    dagger.Secret | None,
    Doc("cosign private key (env:NAME, file:PATH); unset: keyless with the OIDC request below"),
]
CosignPassword = Annotated[dagger.Secret | None, Doc("Password of the cosign key (env:NAME)")]
CosignPub = Annotated[
    dagger.File | None, Doc("cosign public key that verifies the key's signatures")
]
OidcRequestUrl = Annotated[
    dagger.Secret | None,
    Doc("GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_URL (env:NAME), for keyless signing"),
]
OidcRequestToken = Annotated[
    dagger.Secret | None,
    Doc("GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_TOKEN (env:NAME), for keyless signing"),
]

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


def _stages(text: str) -> tuple[Stage, ...]:
    try:
        return parse_stages(text)
    except ValueError as exc:
        raise ConfigError("--stages", None, str(exc)) from None


@contextlib.asynccontextmanager
async def checkout(directory: dagger.Directory) -> AsyncIterator[Path]:
    """The directory exported to a scratch folder of the runtime container, removed after."""
    with tempfile.TemporaryDirectory(prefix="commerce-ci-") as scratch:
        root = Path(scratch) / "repo"
        await directory.export(str(root))
        yield root


async def run_check(
    root: Path,
    engine: Engine,
    names: Sequence[str],
    stages: str,
    *,
    keep_going: bool,
    jobs: int,
    fail_on: str,
    offline_vulndb: bool,
    report_dir: Path,
    sink: Sink,
) -> RunResult:
    """`check` without Dagger's plumbing: a checked-out repository and an engine in, a result
    out, reports written to `report_dir`."""
    from pipelines.engines.base import RunContext
    from pipelines.scheduler import RunOptions
    from pipelines.toolchains.base import ToolchainOptions

    _check_settings(fail_on, jobs)
    options = RunOptions(
        stages=_stages(stages),
        jobs=jobs,
        keep_going=keep_going,
        severity_threshold=fail_on,
        toolchain=ToolchainOptions(offline_vulndb=offline_vulndb),
    )
    ctx = RunContext(root=root, cache_dir=root / ".cache", report_dir=report_dir)
    return await _run_and_report(root, engine, names, ctx, options, sink)


async def _run_and_report(
    root: Path,
    engine: Engine,
    names: Sequence[str],
    ctx: RunContext,
    options: RunOptions,
    sink: Sink,
) -> RunResult:
    from pipelines.catalog import load_catalog
    from pipelines.reports import write_reports
    from pipelines.scheduler import run_services

    services = load_catalog(root).select(names, source="--services")
    result = await run_services(services, engine, ctx, options, sink)
    write_reports(result, ctx.report_dir, {})
    return result


async def run_release(
    root: Path,
    engine: Engine,
    names: Sequence[str],
    *,
    images: ImagePublisher,
    release: ReleaseWriter,
    keep_going: bool,
    jobs: int,
    fail_on: str,
    offline_vulndb: bool,
    report_dir: Path,
    sink: Sink,
    attestor: Attestor | None = None,
    commit: bool = True,
) -> RunResult:
    """`release` without Dagger's plumbing: the check stages, then image, push, manifest and
    one GitOps commit, through the same scheduler and report writers as `check`.

    With an `attestor`, the sbom and sign stages run after push. Without one (the Dagger
    module does not sign yet), the run says so on stderr and its report lists no such stage.
    Without `commit`, the run stops after manifest and its report holds the images for one
    write-back of many runs' reports (pipelines.gitops.fanin)."""
    from pipelines.engines.base import RunContext
    from pipelines.scheduler import RunOptions
    from pipelines.toolchains.base import ToolchainOptions

    _check_settings(fail_on, jobs)
    stages = RELEASE_STAGES
    if attestor is None:
        stages = tuple(s for s in RELEASE_STAGES if s not in SUPPLY_STAGES)
        print("release: sbom and sign are not run (no signer given)", file=sys.stderr)
    if not commit:
        stages = tuple(s for s in stages if s is not Stage.COMMIT)
    options = RunOptions(
        stages=stages,
        jobs=jobs,
        keep_going=keep_going,
        severity_threshold=fail_on,
        toolchain=ToolchainOptions(offline_vulndb=offline_vulndb),
        images=images,
        release=release,
        attestor=attestor,
    )
    ctx = RunContext(root=root, cache_dir=root.parent / "cache", report_dir=report_dir)
    return await _run_and_report(root, engine, names, ctx, options, sink)


def _signer(
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


def _attestor(
    image: ImageSettings,
    report_dir: Path,
    fail_on: str,
    vulndb: dagger.Directory | None,
    username: str,
    password: str | None,
    signer: DaggerSigner,
) -> DaggerAttestor:
    from pipelines.engines.dagger_supply import DaggerAttestor, docker_config_secret, options_for

    config = docker_config_secret(image.target.registry, username, password)
    options = options_for(report_dir, {}, None, fail_on)
    return DaggerAttestor(image, options, signer, docker_config=config, vulndb=vulndb)


def _publish_bases(image: ImageSettings, root: Path, names: Sequence[str], cache_dir: Path) -> None:
    from pipelines.catalog import load_catalog
    from pipelines.images.cli import ensure_bases_for

    services = load_catalog(root).select(names, source="--services")
    ensure_bases_for(image, services, cache_dir, lambda line: print(line, file=sys.stderr))


def _catalog_cache(root: Path) -> Path:
    """Where `plan` and `services` keep the catalog index: the CLI's default cache dir."""
    return root / ".cache" / "commerce-ci"


def _check_settings(fail_on: str, jobs: int) -> None:
    from pipelines.scheduler import SEVERITIES

    if fail_on not in SEVERITIES:
        raise ConfigError("--fail-on", None, f"{fail_on!r}: choose from {', '.join(SEVERITIES)}")
    if jobs < 1:
        raise ConfigError("--jobs", None, f"must be at least 1, got {jobs}")


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


def release_image_settings(
    root: Path,
    registry: str,
    version: str,
    base_registry: str,
    base_mirror: str,
    env: dict[str, str],
) -> ImageSettings:
    """The CLI's image settings, from the function's arguments instead of flags (the
    repository's commerce-ci.toml still applies, as it does for `commerce-ci release`)."""
    from pipelines.images.cli import image_settings, target_from
    from pipelines.images.config import check_version
    from pipelines.settings import resolve

    flags = {"registry": registry, "base_registry": base_registry, "base_mirror": base_mirror}
    settings = resolve({k: v or None for k, v in flags.items()}, env, root, root)
    target = target_from(settings)
    if target is None:
        raise ConfigError("--registry", None, "release needs a target registry")
    return image_settings(settings, env, root, target, check_version(version or None))


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


def _report_files(report_dir: Path) -> dict[str, str]:
    """Every text file of the reports folder (step artifacts are already merged into them)."""
    return {
        path.relative_to(report_dir).as_posix(): path.read_text(encoding="utf-8", errors="replace")
        for path in sorted(report_dir.rglob("*"))
        if path.is_file() and "artifacts" not in path.relative_to(report_dir).parts
    }


def _directory(files: dict[str, str]) -> dagger.Directory:
    directory = dagger.dag.directory()
    for name, text in sorted(files.items()):
        directory = directory.with_new_file(name, text)
    return directory


@contextlib.asynccontextmanager
async def _gitops(
    url: str, branch: str, token: dagger.Secret | None
) -> AsyncIterator[tuple[GitOpsRemote, GitOpsOptions]]:
    """The remote and the options git runs with, in a scratch work dir removed after."""
    from pipelines.gitops.commands import GitOpsOptions

    remote = gitops_remote(url, branch, token is not None)
    plaintext = await token.plaintext() if token is not None else None
    with tempfile.TemporaryDirectory(prefix="commerce-ci-gitops-") as scratch:
        home = Path(scratch)
        environ = git_environ(home, plaintext, os.environ.get("PATH", os.defpath))
        options = GitOpsOptions(workdir=home / "work", environ=environ, log=_stderr)
        yield remote, options


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


@object_type
class CommerceCi:
    """Build, test, lint and scan the commerce services, each Step in its builder image."""

    @function
    async def services(self, source: Source) -> str:
        """The services of the repository, as JSON (name, language, path, port, image)."""
        from pipelines.catalog.index import load_index

        async with checkout(source) as root:
            return json.dumps(load_index(root, cache_dir=_catalog_cache(root)).rows(), indent=2)

    @function
    async def plan(
        self,
        source: History,
        base: Annotated[
            str, Doc("Base revision; default: the merge-base with main, or HEAD~1")
        ] = "",
        head: Annotated[str, Doc("Head revision; default: HEAD")] = "",
    ) -> str:
        """Which services changed between two revisions, and why, as JSON."""
        from pipelines.catalog.index import load_index
        from pipelines.plan import plan_changes

        # The CLI's path: the blob-keyed catalog index, one git diff.
        async with checkout(source) as root:
            catalog = load_index(root, cache_dir=_catalog_cache(root))
            plan = plan_changes(catalog, root, base or None, head or None)
        return json.dumps(plan.to_json(), indent=2)

    @function
    async def check(
        self,
        source: Source,
        services: Services = None,
        stages: Stages = DEFAULT_STAGES,
        keep_going: KeepGoing = False,
        jobs: Jobs = 2,
        fail_on: FailOn = "low",
        vulndb: VulnDb = None,
        allow_failure: Annotated[
            bool, Doc("Return the report even when a stage failed, instead of failing the call")
        ] = False,
    ) -> str:
        """Build, test, lint and scan services; returns report.json. Fails when a stage fails."""
        result, files = await self._check(
            source, services, stages, keep_going, jobs, fail_on, vulndb
        )
        report = files["report.json"]
        if result.failed and not allow_failure:
            # The function's stdout stays in the trace; the error says which stages broke.
            print(report)
            raise check_failure(result)
        return report

    @function
    async def check_reports(
        self,
        source: Source,
        services: Services = None,
        stages: Stages = DEFAULT_STAGES,
        keep_going: KeepGoing = False,
        jobs: Jobs = 2,
        fail_on: FailOn = "low",
        vulndb: VulnDb = None,
    ) -> dagger.Directory:
        """Like check, but returns the reports folder (report.json, junit.xml, findings.sarif,
        summary.md, logs/) whatever the outcome: CI uploads it, then fails on its status."""
        _, files = await self._check(source, services, stages, keep_going, jobs, fail_on, vulndb)
        return _directory(files)

    @function
    async def release(
        self,
        source: History,
        env: Environment,
        registry: Registry,
        gitops_remote: GitOpsRemoteUrl,
        services: ReleaseServices = None,
        version: Version = "",
        registry_username: RegistryUsername = "",
        registry_password: RegistryPassword = None,
        base_registry: BaseRegistry = "",
        base_mirror: BaseMirror = "",
        gitops_branch: GitOpsBranch = "main",
        gitops_token: GitOpsToken = None,
        keep_going: KeepGoing = False,
        jobs: Jobs = 2,
        fail_on: FailOn = "low",
        vulndb: VulnDb = None,
        cosign_key: CosignKey = None,
        cosign_password: CosignPassword = None,
        cosign_pub: CosignPub = None,
        oidc_request_url: OidcRequestUrl = None,
        oidc_request_token: OidcRequestToken = None,
        commit: Annotated[
            bool,
            Doc("Commit the images to GitOps; false: leave them in report.json for write-back"),
        ] = True,
    ) -> dagger.Directory:
        """Build, test, lint, scan, then push each service's image (skipped when its inputs
        were already shipped) and record it in GitOps in one commit. Returns the reports folder
        (report.json has services.<name>.image and gitops) whatever the outcome."""
        from pipelines.engines.base import RunContext
        from pipelines.engines.dagger import DaggerEngine
        from pipelines.engines.dagger_images import DaggerPublisher, RegistryLogin
        from pipelines.gitops.release import ReleaseWriter
        from pipelines.reports.progress import PlainSink

        password = await registry_password.plaintext() if registry_password is not None else None
        credentials = registry_env(registry, base_mirror, registry_username, password)
        engine = DaggerEngine(source=source.without_directory(".git"), vulndb=vulndb)
        async with (
            checkout(source) as root,
            _gitops(gitops_remote, gitops_branch, gitops_token) as (remote, git),
        ):
            report_dir = root.parent / "reports"
            image = release_image_settings(
                root, registry, version, base_registry, base_mirror, credentials
            )
            logins = {}
            if registry_password is not None:
                logins[image.target.registry] = RegistryLogin(registry_username, registry_password)
            ctx = RunContext(root=root, cache_dir=root.parent / "cache", report_dir=report_dir)
            # Runtime bases the registry lacks are built from Debian packages (the module's
            # runtime image is Debian) and pushed first, as `commerce-ci release` does.
            await anyio.to_thread.run_sync(
                _publish_bases, image, root, services or (), ctx.cache_dir
            )
            publisher = DaggerPublisher(image, root, engine, ctx, logins=logins)
            attestor = _attestor(
                image,
                report_dir,
                fail_on,
                vulndb,
                registry_username,
                password,
                _signer(
                    cosign_key, cosign_password, cosign_pub, oidc_request_url, oidc_request_token
                ),
            )
            writer = ReleaseWriter(
                remote=remote,
                env_name=env,
                root=root,
                report_dir=report_dir,
                workdir=git.workdir,
                source_commit=image.meta.revision,
                environ=git.environ,
            )
            try:
                await run_release(
                    root,
                    engine,
                    services or (),
                    images=publisher,
                    release=writer,
                    keep_going=keep_going,
                    jobs=jobs,
                    fail_on=fail_on,
                    offline_vulndb=vulndb is not None,
                    report_dir=report_dir,
                    sink=PlainSink(sys.stderr),
                    attestor=attestor,
                    commit=commit,
                )
            finally:
                publisher.close()
            files = _report_files(report_dir)
        return _directory(files)

    @function
    async def write_back(
        self,
        reports: Annotated[
            dagger.Directory,
            Doc("report.json files (any depth) of releases run with --commit=false"),
        ],
        env: Environment,
        gitops_remote: GitOpsRemoteUrl,
        source_commit: Annotated[
            str, Doc("Commit the images were built from; default: each report's revision")
        ] = "",
        gitops_branch: GitOpsBranch = "main",
        gitops_token: GitOpsToken = None,
    ) -> str:
        """Record the images of many release jobs' reports in one GitOps commit (the fan-in of
        a release split across jobs); returns the commit as JSON."""
        from pipelines.gitops.fanin import find_reports, write_reports

        async with (
            checkout(reports) as folder,
            _gitops(gitops_remote, gitops_branch, gitops_token) as (remote, options),
        ):
            paths = find_reports([folder])
            result = await anyio.to_thread.run_sync(
                lambda: write_reports(remote, paths, env, source_commit or None, options=options)
            )
        return commit_json(result)

    @function
    async def promote(
        self,
        services: Annotated[list[str], Doc("Services whose image to copy, by name")],
        gitops_remote: GitOpsRemoteUrl,
        from_env: Annotated[str, Doc("Environment to copy from")] = "dev",
        to_env: Annotated[str, Doc("Environment to copy to")] = "prod",
        gitops_branch: GitOpsBranch = "main",
        gitops_token: GitOpsToken = None,
    ) -> str:
        """Copy services' images (repository, tag, digest) from one environment's values files
        to another's, in one commit; returns the commit as JSON."""
        import anyio

        from pipelines.gitops.commands import promote

        async with _gitops(gitops_remote, gitops_branch, gitops_token) as (remote, options):
            result = await anyio.to_thread.run_sync(
                lambda: promote(remote, services, from_env, to_env, options=options)
            )
        return commit_json(result)

    @function
    async def rollback(
        self,
        service: Annotated[str, Doc("Service to roll back")],
        env: Annotated[str, Doc("Environment to roll back in")],
        gitops_remote: GitOpsRemoteUrl,
        to_digest: Annotated[
            str, Doc("sha256 digest to restore (empty: the one before the current)")
        ] = "",
        gitops_branch: GitOpsBranch = "main",
        gitops_token: GitOpsToken = None,
    ) -> str:
        """Restore a service's earlier image in one environment from the values file's git
        history, in one commit; returns the commit as JSON."""
        import anyio

        from pipelines.gitops.commands import rollback

        async with _gitops(gitops_remote, gitops_branch, gitops_token) as (remote, options):
            result = await anyio.to_thread.run_sync(
                lambda: rollback(remote, service, env, to_digest or None, options=options)
            )
        return commit_json(result)

    async def _check(
        self,
        source: dagger.Directory,
        services: list[str] | None,
        stages: str,
        keep_going: bool,
        jobs: int,
        fail_on: str,
        vulndb: dagger.Directory | None,
    ) -> tuple[RunResult, dict[str, str]]:
        """Run the check; return the result and every text file of the reports folder."""
        from pipelines.engines.dagger import DaggerEngine
        from pipelines.reports.progress import PlainSink

        engine = DaggerEngine(source=source, vulndb=vulndb)
        async with checkout(source) as root:
            report_dir = root.parent / "reports"
            result = await run_check(
                root,
                engine,
                services or (),
                stages,
                keep_going=keep_going,
                jobs=jobs,
                fail_on=fail_on,
                offline_vulndb=vulndb is not None,
                report_dir=report_dir,
                sink=PlainSink(sys.stderr),
            )
            files = _report_files(report_dir)
        return result, files
