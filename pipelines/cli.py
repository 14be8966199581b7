"""The `commerce-ci` command line: the only place that turns errors into exit codes.

Heavy modules (gitpython, rich, opentelemetry, the engines) are imported inside the command that
uses them, so that `commerce-ci plan` and `commerce-ci services` start quickly.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines import __version__
from pipelines.errors import CommerceCiError, ConfigError, ExitCode
from pipelines.settings import Settings, add_flags, from_args
from pipelines.steps import (
    CHECK_STAGES,
    GITOPS_STAGES,
    IMAGE_STAGES,
    RELEASE_STAGES,
    SUPPLY_STAGES,
    Stage,
    parse_stages,
)

if TYPE_CHECKING:
    from pipelines.catalog import Catalog, Service
    from pipelines.catalog.index import CatalogIndex
    from pipelines.engines.base import RunContext
    from pipelines.results import RunResult
    from pipelines.scheduler import RunOptions

Handler = Callable[[argparse.Namespace, Mapping[str, str], Path], int]

RUN_SETTINGS = (
    "engine",
    "jobs",
    "report_dir",
    "cache_dir",
    "vuln_db",
    "fail_on",
    "step_timeout",
    "services_dir",
)

EPILOG = """exit codes: 0 success, 1 a stage failed, 2 bad input or config, 130 interrupted.
Settings come from flags, COMMERCE_CI_<NAME> env vars, or commerce-ci.toml at the repository
root, in that order; `commerce-ci doctor` shows each value and where it came from."""


def _parse_stages(value: str) -> tuple[Stage, ...]:
    try:
        return parse_stages(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


@dataclass(frozen=True)
class Commands:
    """Subcommands that one `add_parsers(sub) -> {name: handler}` function defines.

    `where` ("module:function") is imported only when one of `names` is the command being run,
    or for the complete `commerce-ci --help`, so no command pays for another's imports."""

    where: str
    names: tuple[str, ...]

    def add_to(self, sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        module, function = self.where.split(":")
        handlers = getattr(importlib.import_module(module), function)(sub)
        for name, handler in handlers.items():
            sub.choices[name].set_defaults(handler=handler)


#: Every subcommand, in `--help` order. Registering a module's subcommands is one line here.
SUBCOMMANDS: tuple[Commands, ...] = (
    Commands("pipelines.cli:add_catalog_parsers", ("services", "plan")),
    Commands("pipelines.cli:add_run_parsers", ("run", "release", "shop", "doctor")),
    Commands("pipelines.gitops.cli:add_parsers", ("promote", "rollback")),
    Commands("pipelines.images.cli:add_parsers", ("images", "bases")),
    Commands("pipelines.reports.html.cli:add_parsers", ("report",)),
    Commands("pipelines.cluster.cli:add_parsers", ("cluster",)),
)


def command_in(argv: Sequence[str]) -> str | None:
    """The subcommand `argv` names: its first word that is neither an option nor --root's value."""
    words = iter(argv)
    for word in words:
        if word == "--root":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for `argv`: with only the subcommand it names defined, when it names a known
    one; with every subcommand otherwise (no argv, `--help`, a typo), so help stays complete."""
    parser = argparse.ArgumentParser(
        prog="commerce-ci",
        description="Build, test, lint and scan the commerce services, locally or with Dagger.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"commerce-ci {__version__}")
    parser.add_argument(
        "--root", type=Path, help="repository root (default: the git work tree around the cwd)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    command = command_in(argv) if argv is not None else None
    chosen = [group for group in SUBCOMMANDS if command in group.names]
    for group in chosen or SUBCOMMANDS:
        group.add_to(sub)
    return parser


def add_catalog_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> dict[str, Handler]:
    """`services` and `plan`: on every CI run's critical path, so nothing heavy is imported."""
    services = sub.add_parser("services", help="list the services of the catalog")
    services.add_argument("--json", action="store_true", help="print JSON")
    add_flags(services, ["services_dir", "cache_dir"])

    plan = sub.add_parser("plan", help="which services changed between two revisions")
    plan.add_argument("--base", help="base revision (default: merge-base with main, or HEAD~1)")
    plan.add_argument("--head", help="head revision (default: HEAD)")
    plan.add_argument("--json", action="store_true", help="print JSON")
    add_flags(plan, ["services_dir", "cache_dir"])
    return {"services": cmd_services, "plan": cmd_plan}


def add_run_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> dict[str, Handler]:
    """`run`, `release`, `shop` and `doctor`."""
    from pipelines.gitops.cli import GITOPS_SETTINGS
    from pipelines.images.cli import IMAGE_SETTINGS
    from pipelines.supply.cli import SUPPLY_SETTINGS

    run = sub.add_parser(
        "run",
        help="run stages for services",
        description="Run build, test, lint and SCA for services (all of them by default); "
        "add image,push with --registry to publish images.",
    )
    _add_selection(run)
    run.add_argument(
        "--stages",
        type=_parse_stages,
        default=CHECK_STAGES,
        help="comma-separated stages: build,test,lint,sca (the default), image, push",
    )
    add_flags(run, [*RUN_SETTINGS, *IMAGE_SETTINGS, *SUPPLY_SETTINGS])

    release = sub.add_parser(
        "release",
        help="build, check, publish and record services' images in GitOps",
        description="The whole chain for services: build, test, lint, SCA, image, push, then "
        "the new images in argocd/envs/ENV/SERVICE.yaml, one commit pushed to the GitOps remote. "
        "With no settings it starts a local registry (runtime bases built from Debian packages) "
        "and uses a local bare GitOps remote seeded from this repository.",
    )
    _add_selection(release)
    release.add_argument("--env", dest="env_name", required=True, help="environment, e.g. dev")
    release.add_argument("--version", dest="release_version", help="X.Y.Z: also tag vX.Y.Z")
    release.add_argument(
        "--stages",
        type=_parse_stages,
        default=RELEASE_STAGES,
        help="comma-separated stages (default: all of them)",
    )
    add_flags(release, [*RUN_SETTINGS, *IMAGE_SETTINGS, *GITOPS_SETTINGS, *SUPPLY_SETTINGS])

    shop = sub.add_parser(
        "shop",
        help="run the whole shop on this machine",
        description="Build every service, then start Redis, an OTLP receiver and each service "
        "as a host process, wired together; Ctrl-C stops them all.",
    )
    shop.add_argument("action", choices=["up"], help="up: build and start, until Ctrl-C")
    shop.add_argument("services", nargs="*", metavar="SERVICE", help="only these (and deps)")
    shop.add_argument("--no-build", action="store_true", help="start what was built before")
    shop.add_argument(
        "--port-offset", type=int, default=0, help="added to every service's port (default: 0)"
    )
    add_flags(shop, ["jobs", "report_dir", "cache_dir", "step_timeout", "services_dir"])

    sub.add_parser("doctor", help="show settings, and which tools each language needs and has")
    return {
        "run": cmd_run,
        "release": cmd_release,
        "shop": cmd_shop,
        "doctor": cmd_doctor,
    }


def _add_selection(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("services", nargs="*", metavar="SERVICE", help="services to run")
    parser.add_argument("--all", action="store_true", help="every service (the default)")
    parser.add_argument(
        "--changed", action="store_true", help="only services affected since --base (see plan)"
    )
    parser.add_argument("--base", help="base revision for --changed")
    parser.add_argument(
        "--keep-going", action="store_true", help="run every service even after one failed"
    )


def _git_root(cwd: Path) -> Path:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return cwd
    return Path(out.stdout.strip()) if out.returncode == 0 else cwd


def _catalog(root: Path, settings: Settings) -> Catalog:
    from pipelines.catalog import load_catalog

    return load_catalog(root, settings.services_dir)


def _index(root: Path, settings: Settings) -> CatalogIndex:
    """The catalog as plain values, through the blob-keyed cache (no pydantic when it hits)."""
    from pipelines.catalog.index import load_index

    return load_index(root, settings.services_dir, settings.cache_dir)


def cmd_services(args: argparse.Namespace, env: Mapping[str, str], root: Path) -> int:
    catalog = _index(root, from_args(args, env, root))
    rows = catalog.rows()
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        width = max((len(r["name"]) for r in rows), default=4)
        for r in rows:
            print(f"{r['name']:<{width}}  {r['language']:<10}  {r['path']}")
    return ExitCode.OK


def _plan(catalog: Catalog | CatalogIndex, root: Path, base: str | None, head: str | None) -> Any:
    from pipelines.plan import plan_changes

    return plan_changes(catalog, root, base, head)


def cmd_plan(args: argparse.Namespace, env: Mapping[str, str], root: Path) -> int:
    catalog = _index(root, from_args(args, env, root))
    plan = _plan(catalog, root, args.base, args.head)
    data = plan.to_json()
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        print(f"{len(data['services'])} of {len(catalog)} services affected")
        for name in data["services"]:
            print(f"  {name}: {'; '.join(data['reasons'].get(name, []))}")
    return ExitCode.OK


def _engine_env(env: Mapping[str, str], root: Path) -> dict[str, str]:
    from pipelines.engines.local import host_env

    return host_env(env, root)


def _selected(args: argparse.Namespace, catalog: Catalog, root: Path) -> list[Service]:
    if args.services and (args.changed or args.all):
        raise ConfigError("--changed/--all", None, "give service names or --changed/--all")
    if args.changed:
        return catalog.select(_plan(catalog, root, args.base, None).services)
    if args.services:
        return catalog.select(args.services)
    return list(catalog)


def _vulndb(settings: Settings) -> Path | None:
    vulndb = settings.vuln_db
    if vulndb is not None and not Path(vulndb).is_dir():
        raise ConfigError(settings.values["vuln_db"].origin, "vuln_db", f"{vulndb} is not a dir")
    return vulndb


def _run_context(
    settings: Settings, env: Mapping[str, str], root: Path, vulndb: Path | None = None
) -> RunContext:
    from pipelines.engines.base import RunContext

    return RunContext(
        root=root,
        cache_dir=settings.cache_dir,
        report_dir=settings.report_dir,
        vulndb=vulndb,
        env=_engine_env(env, root),
        step_timeout_s=settings.step_timeout,
    )


def _execute(
    services: Sequence[Service],
    settings: Settings,
    env: Mapping[str, str],
    root: Path,
    options: RunOptions,
) -> RunResult:
    """Run `options` on the configured engine with live progress; write every report."""
    import anyio

    from pipelines.reports import write_reports
    from pipelines.reports.progress import make_sink
    from pipelines.reports.telemetry import export_spans
    from pipelines.scheduler import run_services

    ctx = _run_context(settings, env, root, settings.vuln_db)
    sink = make_sink(sys.stderr, env, sys.stderr.isatty())
    if not services:
        print("nothing to run: no service selected", file=sys.stderr)
    try:
        if settings.engine == "dagger":
            from pipelines.engines.dagger import run_with_dagger

            result = anyio.run(run_with_dagger, services, ctx, options, sink)
        else:
            from pipelines.engines.local import LocalEngine

            engine = LocalEngine(ctx.env)
            result = anyio.run(run_services, services, engine, ctx, options, sink)
    finally:
        sink.close()
    paths = write_reports(result, settings.report_dir, env)
    exported = export_spans(result, env)
    if exported == 0 and (
        env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    ):
        print("warning: the OTLP endpoint accepted no spans", file=sys.stderr)
    print(f"report: {paths.json}", file=sys.stderr)
    return result


def _run_options(
    args: argparse.Namespace, settings: Settings, vulndb: Path | None, **extra: Any
) -> RunOptions:
    from pipelines.scheduler import RunOptions
    from pipelines.toolchains.base import ToolchainOptions

    return RunOptions(
        stages=args.stages,
        jobs=settings.jobs,
        keep_going=args.keep_going,
        severity_threshold=settings.fail_on,
        toolchain=ToolchainOptions(offline_vulndb=vulndb is not None),
        **extra,
    )


def _publisher(
    settings: Settings, env: Mapping[str, str], root: Path, target: Any, version: str | None
) -> Any:
    """The engine's image publisher (local: daemonless; dagger: the container API)."""
    from pipelines.images.cli import image_settings

    image = image_settings(settings, env, root, target, version)
    if settings.engine == "dagger":
        from pipelines.engines.dagger_images import DaggerPublisher

        return DaggerPublisher(image, root)
    from pipelines.images.local import LocalPublisher
    from pipelines.toolchains.base import ToolchainOptions

    offline = ToolchainOptions(offline_vulndb=settings.vuln_db is not None)
    return LocalPublisher(image, root, offline, layer_cache=settings.cache_dir / "layers")


def _supply(
    args: argparse.Namespace,
    settings: Settings,
    env: Mapping[str, str],
    root: Path,
    publisher: Any,
    vulndb: Path | None = None,
) -> dict[str, Any]:
    """The attestor when the run has the sbom or sign stage (options for RunOptions)."""
    if not set(args.stages) & set(SUPPLY_STAGES):
        return {}
    from pipelines.supply.cli import attestor_for

    engine_env = _engine_env(env, root)
    return {"attestor": attestor_for(settings, publisher.settings, env, engine_env, vulndb)}


def cmd_run(args: argparse.Namespace, env: Mapping[str, str], root: Path) -> int:
    settings = from_args(args, env, root)
    catalog = _catalog(root, settings)
    services = _selected(args, catalog, root)
    vulndb = _vulndb(settings)
    if set(args.stages) & set(GITOPS_STAGES):
        raise ConfigError("--stages", None, "manifest and commit belong to `commerce-ci release`")
    if not set(args.stages) & set(IMAGE_STAGES):
        result = _execute(services, settings, env, root, _run_options(args, settings, vulndb))
        return ExitCode.STAGE_FAILED if result.failed else ExitCode.OK
    from pipelines.images.cli import target_from

    target = target_from(settings)
    if target is None:
        raise ConfigError("--registry", None, "the image and push stages need a registry")
    publisher = _publisher(settings, env, root, target, None)
    options = _run_options(
        args,
        settings,
        vulndb,
        images=publisher,
        **_supply(args, settings, env, root, publisher, vulndb),
    )
    try:
        result = _execute(services, settings, env, root, options)
    finally:
        publisher.close()
    return ExitCode.STAGE_FAILED if result.failed else ExitCode.OK


def cmd_release(args: argparse.Namespace, env: Mapping[str, str], root: Path) -> int:
    from pipelines.gitops.cli import resolve_remote
    from pipelines.gitops.release import ReleaseWriter
    from pipelines.images.cli import embedded_target, ensure_bases_for, target_from
    from pipelines.images.config import check_version

    settings = from_args(args, env, root)
    catalog = _catalog(root, settings)
    services = _selected(args, catalog, root)
    vulndb = _vulndb(settings)
    version = check_version(args.release_version)
    target_from(settings)  # a bad --registry fails before anything is started
    # Seeding the embedded remote is a handful of git commands; the run says where it writes.
    remote, workdir = resolve_remote(args, env, root, lambda _line: None)
    _stderr(f"gitops: {remote.url} ({remote.branch})")
    with embedded_target(settings, _engine_env(env, root)) as target:
        publisher = _publisher(settings, env, root, target, version)
        try:
            ensure_bases_for(publisher.settings, services, settings.cache_dir, _stderr)
            writer = ReleaseWriter(
                remote=remote,
                env_name=args.env_name,
                root=root,
                report_dir=settings.report_dir,
                workdir=workdir,
                source_commit=publisher.settings.meta.revision,
                environ=env,
            )
            supply = _supply(args, settings, env, root, publisher, vulndb)
            options = _run_options(
                args, settings, vulndb, images=publisher, release=writer, **supply
            )
            result = _execute(services, settings, env, root, options)
        finally:
            publisher.close()
    gitops = result.extra.get("gitops")
    if isinstance(gitops, dict) and gitops.get("commit"):
        print(f"gitops: {gitops['commit'][:12]} on {gitops['remote']} ({gitops['branch']})")
    return ExitCode.STAGE_FAILED if result.failed else ExitCode.OK


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


def cmd_shop(args: argparse.Namespace, env: Mapping[str, str], root: Path) -> int:
    import time

    from pipelines.shop.shop import Shop, ShopSettings, with_dependencies

    settings = from_args(args, env, root)
    catalog = _catalog(root, settings)
    services = with_dependencies(catalog, args.services)
    if not args.no_build:
        code = _build(services, settings, env, root)
        if code != ExitCode.OK:
            return code
    shop_settings = ShopSettings(
        root=root,
        workdir=settings.cache_dir / "shop",
        env=_engine_env(env, root),
        port_offset=args.port_offset,
    )
    with Shop(catalog, shop_settings) as shop:
        shop.up(args.services)
        traces = shop.receiver.endpoint if shop.receiver else "-"
        print(f"traces: {traces} (open it: recent traces, a waterfall each)", file=sys.stderr)
        for service in shop.services:
            print(f"  {service.name:<18} {shop.url(service.name)}", file=sys.stderr)
        print(f"logs: {shop_settings.workdir / 'logs'}; Ctrl-C stops the shop", file=sys.stderr)
        while True:
            time.sleep(3600)


def _build(
    services: Sequence[Service], settings: Settings, env: Mapping[str, str], root: Path
) -> int:
    """The build stage of `services` on the local engine, with the usual progress."""
    import anyio

    from pipelines.engines.local import LocalEngine
    from pipelines.reports.progress import make_sink
    from pipelines.scheduler import RunOptions, run_services
    from pipelines.steps import Stage

    ctx = _run_context(settings, env, root)
    options = RunOptions(stages=(Stage.BUILD,), jobs=settings.jobs)
    sink = make_sink(sys.stderr, env, sys.stderr.isatty())
    try:
        result = anyio.run(run_services, services, LocalEngine(ctx.env), ctx, options, sink)
    finally:
        sink.close()
    return ExitCode.STAGE_FAILED if result.failed else ExitCode.OK


def cmd_doctor(args: argparse.Namespace, env: Mapping[str, str], root: Path) -> int:
    from pipelines.doctor import doctor

    return doctor(root, from_args(args, env, root), _engine_env(env, root), sys.stdout)


def _terminate_as_interrupt(signum: int, frame: object) -> None:
    """SIGTERM (a CI runner cancelling, `timeout`, `kill`) stops the run the way Ctrl-C does, so
    steps and shop services, each in its own process group, are stopped rather than orphaned.

    A process started in the background by a non-interactive shell ignores SIGINT, so there the
    interrupt is raised directly."""
    if signal.getsignal(signal.SIGINT) in (signal.SIG_IGN, signal.SIG_DFL, None):
        raise KeyboardInterrupt
    signal.raise_signal(signal.SIGINT)


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    root = (args.root or _git_root(Path.cwd())).resolve()
    previous = signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    try:
        return int(args.handler(args, env, root))
    except CommerceCiError as exc:
        print(f"commerce-ci: error: {exc}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("commerce-ci: interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
