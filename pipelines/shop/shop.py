"""The shop as a whole: Redis, an OTLP receiver, and every service in dependency order.

Each service runs its toolchain's runtime recipe (the same one its image is built from) in its
own folder, after the build stage. Peers find each other through `<NAME>_ADDR` env vars, all on
127.0.0.1; every port is the service.yaml port plus an offset, so two shops can run side by side.
No service opens Prometheus /metrics unless the settings ask for it: then each gets a free
loopback port of its own as METRICS_PORT (a fixed one, as in the chart, would be taken by all).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.catalog import Catalog, Service
from pipelines.errors import ConfigError, ToolMissingError
from pipelines.shop.otlp import OtlpReceiver
from pipelines.shop.processes import ShopError, Started, free_port, start
from pipelines.toolchains.base import Runtime

#: Seconds a service may take to listen (a JVM on a busy 2-core runner takes a while).
READY_TIMEOUT_S = 90.0
#: What the services read to open /metrics (libs/*/telemetry, ad, fraud-detection).
METRICS_VARS = ("METRICS_PORT", "METRICS_HOST")


def addr_var(name: str) -> str:
    """product-catalog -> PRODUCT_CATALOG_ADDR."""
    return name.upper().replace("-", "_") + "_ADDR"


def start_order(services: Sequence[Service]) -> list[Service]:
    """Dependencies first (depends_on), otherwise by name; a cycle is bad input."""
    by_name = {s.name: s for s in services}
    order: list[Service] = []
    state: dict[str, str] = {}

    def visit(service: Service, path: tuple[str, ...]) -> None:
        if state.get(service.name) == "done":
            return
        if state.get(service.name) == "visiting":
            cycle = " -> ".join((*path, service.name))
            raise ConfigError(f"{service.path}/service.yaml", "depends_on", f"cycle: {cycle}")
        state[service.name] = "visiting"
        for dep in sorted(service.spec.depends_on):
            if dep in by_name:
                visit(by_name[dep], (*path, service.name))
        state[service.name] = "done"
        order.append(service)

    for service in sorted(services, key=lambda s: s.name):
        visit(service, ())
    return order


def with_dependencies(catalog: Catalog, names: Sequence[str]) -> list[Service]:
    """The named services (all when none are named) and everything they depend on."""
    chosen = catalog.select(names)
    wanted = {s.name for s in chosen}
    queue = list(chosen)
    while queue:
        for dep in queue.pop().spec.depends_on:
            if dep not in wanted and (service := catalog.get(dep)) is not None:
                wanted.add(dep)
                queue.append(service)
    return [s for s in catalog if s.name in wanted]


def _toolchain_runtime(service: Service) -> Runtime:
    from pipelines.toolchains import toolchain_for

    return toolchain_for(service).runtime(service)


@dataclass(frozen=True)
class ShopSettings:
    root: Path
    #: Logs, Redis data and the received spans go here.
    workdir: Path
    env: Mapping[str, str]
    port_offset: int = 0
    ready_timeout_s: float = READY_TIMEOUT_S
    #: Give every service a METRICS_PORT of its own (and METRICS_HOST 127.0.0.1).
    metrics: bool = False


@dataclass
class Shop:
    catalog: Catalog
    settings: ShopSettings
    services: list[Service] = field(default_factory=list)
    started: list[Started] = field(default_factory=list)
    receiver: OtlpReceiver | None = None
    redis_port: int = 0
    runtime_for: Callable[[Service], Runtime] = _toolchain_runtime
    #: Service name -> the port its /metrics listens on (settings.metrics only).
    metrics_ports: dict[str, int] = field(default_factory=dict)

    def port(self, service: Service) -> int:
        return service.spec.port + self.settings.port_offset

    def url(self, name: str) -> str:
        service = self.catalog.get(name)
        if service is None:
            raise ConfigError("shop", None, f"no service {name!r}")
        return f"http://127.0.0.1:{self.port(service)}"

    def metrics_url(self, name: str) -> str:
        if name not in self.metrics_ports:
            raise ConfigError("shop", None, f"{name!r} serves no /metrics in this shop")
        return f"http://127.0.0.1:{self.metrics_ports[name]}/metrics"

    def _metrics_env(self, service: Service) -> dict[str, str]:
        if not self.settings.metrics:
            return {}
        port = self.metrics_ports.setdefault(service.name, free_port())
        return {"METRICS_PORT": str(port), "METRICS_HOST": "127.0.0.1"}

    def _env(self, service: Service, extra: Sequence[tuple[str, str]]) -> dict[str, str]:
        # A METRICS_PORT inherited from the caller would send every service to one port.
        env = {k: v for k, v in self.settings.env.items() if k not in METRICS_VARS}
        for peer in self.catalog:
            env[addr_var(peer.name)] = f"127.0.0.1:{self.port(peer)}"
        env.update(
            {
                "PORT": str(self.port(service)),
                "REDIS_ADDR": f"127.0.0.1:{self.redis_port}",
                "OTEL_SERVICE_NAME": service.name,
                "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=local",
                # Short export intervals so a test sees its spans within seconds.
                "OTEL_BSP_SCHEDULE_DELAY": "500",
                "OTEL_METRIC_EXPORT_INTERVAL": "5000",
            }
        )
        if self.receiver is not None:
            env["OTEL_EXPORTER_OTLP_ENDPOINT"] = self.receiver.endpoint
            env["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf"
        env.update(self._metrics_env(service))
        env.update(extra)
        return env

    def _argv(self, service: Service, command: Sequence[str]) -> list[str]:
        program = command[0]
        folder = service.folder(self.settings.root)
        if "/" in program:
            path = folder / program
            if not path.exists():
                raise ShopError(f"{service.name}: {program} does not exist; run the build first")
            return [str(path), *command[1:]]
        found = shutil.which(program, path=self.settings.env.get("PATH"))
        if found is None:
            raise ToolMissingError(program, f"{service.name} runs on {program}; install it")
        return [found, *command[1:]]

    def _start_redis(self) -> None:
        redis = shutil.which("redis-server", path=self.settings.env.get("PATH"))
        if redis is None:
            raise ToolMissingError("redis-server", "apt-get install redis-server")
        self.redis_port = free_port()
        data = self.settings.workdir / "redis"
        data.mkdir(parents=True, exist_ok=True)
        argv = [redis, "--port", str(self.redis_port), "--bind", "127.0.0.1"]
        argv += ["--save", "", "--appendonly", "no", "--dir", str(data)]
        started = start(
            "redis",
            argv,
            data,
            dict(self.settings.env),
            self.settings.workdir / "logs" / "redis.log",
            self.redis_port,
        )
        self.started.append(started)
        started.wait_ready(30, http=False)

    def up(self, names: Sequence[str] = ()) -> None:
        """Start Redis, the receiver and the services (all, or `names` and what they need)."""
        self.settings.workdir.mkdir(parents=True, exist_ok=True)
        self.services = start_order(with_dependencies(self.catalog, names))
        self.receiver = OtlpReceiver(self.settings.workdir / "spans.jsonl").start()
        try:
            self._start_redis()
            for service in self.services:
                runtime = self.runtime_for(service)
                argv = self._argv(service, runtime.command)
                log = self.settings.workdir / "logs" / f"{service.name}.log"
                started = start(
                    service.name,
                    argv,
                    service.folder(self.settings.root),
                    self._env(service, runtime.env),
                    log,
                    self.port(service),
                )
                self.started.append(started)
                started.wait_ready(self.settings.ready_timeout_s, http=True)
        except BaseException:
            self.down()
            raise

    def down(self) -> None:
        for started in reversed(self.started):
            started.stop()
        self.started.clear()
        self.metrics_ports.clear()
        if self.receiver is not None:
            self.receiver.stop()
            self.receiver = None

    def __enter__(self) -> Shop:
        return self

    def __exit__(self, *exc: object) -> None:
        self.down()
