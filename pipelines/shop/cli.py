"""`commerce-ci shop up`: build the services with the local engine, then run them all."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.errors import ConfigError, ExitCode
from pipelines.settings import add_flags, from_args

if TYPE_CHECKING:
    from pipelines.catalog import Service
    from pipelines.shop.shop import Shop

Handler = Callable[[argparse.Namespace, Mapping[str, str], Path], int]


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> dict[str, Handler]:
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
    return {"shop": cmd_shop}


def cmd_shop(args: argparse.Namespace, env: Mapping[str, str], root: Path) -> int:
    from pipelines.catalog import load_catalog
    from pipelines.engines.local import LocalKit, host_env
    from pipelines.run.assemble import RunRequest, check_writable_dir
    from pipelines.run.cli import execute
    from pipelines.shop.shop import Shop, ShopSettings, with_dependencies
    from pipelines.steps import Stage

    settings = from_args(args, env, root)
    catalog = load_catalog(root, settings.services_dir, settings.source("services_dir"))
    services = tuple(with_dependencies(catalog, args.services))
    _check_ports(services, args.port_offset)
    check_writable_dir(settings.cache_dir, settings.source("cache_dir"), "cache_dir")
    if not args.no_build:
        # The shop runs on this machine, so it is built here (no report: it is not a check).
        build = RunRequest(root, settings, services, (Stage.BUILD,), env, reports=False)
        if execute(build, env, LocalKit()).failed:
            return ExitCode.STAGE_FAILED
    shop_settings = ShopSettings(
        root=root,
        workdir=settings.cache_dir / "shop",
        env=host_env(env, root),
        port_offset=args.port_offset,
    )
    with Shop(catalog, shop_settings) as shop:
        shop.up(args.services)
        _say_where(shop, shop_settings.workdir)
        while True:
            time.sleep(3600)


def _check_ports(services: Sequence[Service], offset: int) -> None:
    """Every service's port moved by `offset` is still a port, before anything starts."""
    for service in services:
        port = service.spec.port + offset
        if not 0 < port < 65536:
            raise ConfigError(
                "--port-offset", None, f"{offset} puts {service.name} on port {port} (1-65535)"
            )


def _say_where(shop: Shop, workdir: Path) -> None:
    traces = shop.receiver.endpoint if shop.receiver else "-"
    print(f"traces: {traces} (open it: recent traces, a waterfall each)", file=sys.stderr)
    for service in shop.services:
        print(f"  {service.name:<18} {shop.url(service.name)}", file=sys.stderr)
    print(f"logs: {workdir / 'logs'}; Ctrl-C stops the shop", file=sys.stderr)
