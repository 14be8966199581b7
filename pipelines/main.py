"""The Dagger module: `dagger call` runs the engine the CLI runs, with every Step in a container.

The functions are thin verbs over the engine. Each exports the directory it is given to a scratch
folder inside the module's runtime container (the catalog is read from files, and `plan` reads
git history), adapts its arguments into the run request `commerce-ci` builds from flags, and
calls the same `pipelines.run.assemble.execute`, with the Dagger engine's kit (its Directory,
Secrets and signer). Steps run against the `dagger.Directory` itself, so the export is only
read, never built from. Settings the function does not take come from the repository's
commerce-ci.toml, as they do for the CLI.

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

import json
import sys
from typing import TYPE_CHECKING, Annotated

import anyio
import dagger
from dagger import DefaultPath, Doc, Ignore, function, object_type

from pipelines.engines.dagger import SOURCE_IGNORE
from pipelines.engines.dagger_module import (
    RunArgs,
    catalog_cache,
    check_failure,
    checkout,
    commit_json,
    directory_of,
    exported,
    gitops,
    logins,
    module_env,
    registry_env,
    release_kit,
    report_files,
    signer,
    stages_from,
    stderr,
)
from pipelines.reports.progress import PlainSink
from pipelines.run.assemble import execute
from pipelines.steps import CHECK_STAGES, RELEASE_STAGES, Stage

if TYPE_CHECKING:
    from pipelines.results import RunResult

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
#: A release split across jobs: each stops after manifest, one write-back commits them all.
RELEASE_STAGES_UNCOMMITTED = tuple(s for s in RELEASE_STAGES if s is not Stage.COMMIT)

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


@object_type
class CommerceCi:
    """Build, test, lint and scan the commerce services, each Step in its builder image."""

    @function
    async def services(self, source: Source) -> str:
        """The services of the repository, as JSON (name, language, path, port, image)."""
        from pipelines.catalog.index import load_index

        async with checkout(source) as root:
            return json.dumps(load_index(root, cache_dir=catalog_cache(root)).rows(), indent=2)

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
            catalog = load_index(root, cache_dir=catalog_cache(root))
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
        args = RunArgs(services or (), keep_going, jobs, fail_on)
        result, files = await self._check(source, args, stages, vulndb)
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
        args = RunArgs(services or (), keep_going, jobs, fail_on)
        _, files = await self._check(source, args, stages, vulndb)
        return directory_of(files)

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
        were already shipped), audit its SBOM, sign it and record it in GitOps in one commit.
        Returns the reports folder (report.json has services.<name>.image and gitops) whatever
        the outcome. With commit false, the run stops after manifest: a `write_back` of many
        jobs' reports makes the one commit (pipelines.gitops.fanin)."""
        from pipelines.run.assemble import GitOpsTarget

        password = await registry_password.plaintext() if registry_password is not None else None
        environ = module_env(registry_env(registry, base_mirror, registry_username, password))
        kit = release_kit(
            source,
            vulndb,
            logins(registry, registry_username, registry_password),
            signer(cosign_key, cosign_password, cosign_pub, oidc_request_url, oidc_request_token),
        )
        images = {"registry": registry, "base_registry": base_registry, "base_mirror": base_mirror}
        args = RunArgs(services or (), keep_going, jobs, fail_on)
        async with (
            checkout(source) as root,
            exported(vulndb, "vulndb") as db,
            gitops(gitops_remote, gitops_branch, gitops_token) as (remote, git),
        ):
            target = GitOpsTarget(remote, env, git.workdir, git.environ)
            request = args.request(
                root,
                environ,
                RELEASE_STAGES if commit else RELEASE_STAGES_UNCOMMITTED,
                vulndb=db,
                images=images,
                version=version,
                gitops=target,
            )
            await execute(request, kit, PlainSink(sys.stderr), stderr)
            files = report_files(request.settings.report_dir)
        return directory_of(files)

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
            gitops(gitops_remote, gitops_branch, gitops_token) as (remote, options),
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
        from pipelines.gitops.commands import promote

        async with gitops(gitops_remote, gitops_branch, gitops_token) as (remote, options):
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
        from pipelines.gitops.commands import rollback

        async with gitops(gitops_remote, gitops_branch, gitops_token) as (remote, options):
            result = await anyio.to_thread.run_sync(
                lambda: rollback(remote, service, env, to_digest or None, options=options)
            )
        return commit_json(result)

    async def _check(
        self, source: dagger.Directory, args: RunArgs, stages: str, vulndb: dagger.Directory | None
    ) -> tuple[RunResult, dict[str, str]]:
        """Run the check; return the result and every text file of the reports folder."""
        from pipelines.engines.dagger_kit import DaggerKit

        kit = DaggerKit(source=source, vulndb=vulndb, connect=False)
        async with checkout(source) as root, exported(vulndb, "vulndb") as db:
            request = args.request(root, module_env({}), stages_from(stages), vulndb=db)
            result = await execute(request, kit, PlainSink(sys.stderr), stderr)
            files = report_files(request.settings.report_dir)
        return result, files
