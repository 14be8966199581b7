"""JavaScript and TypeScript services on Node, with npm.

Both install exactly what `package-lock.json` pins (`npm ci`) and test with Node's own runner,
which writes JUnit for the report and a readable spec to the log at once. TypeScript adds a
compile step to build and a type check to lint. Tools such as eslint and tsc come from the
service's own devDependencies (`npx --no` refuses to fetch anything the lockfile lacks), so their
versions are the service's to pin.

Later stages use what build left in the service folder (`node_modules/`, and `dist/` for
TypeScript): stages of a service run in order, in the same folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pipelines.steps import REPORT_DIR, CacheMount, ReportFile, Stage, Step
from pipelines.toolchains.base import Runtime, ToolchainBase

if TYPE_CHECKING:
    from pipelines.catalog import Service

IMAGE = "node:20.20.2-bookworm-slim"

#: npm's download cache; `npm_config_cache` is npm's own setting for its location.
NPM_CACHE = CacheMount(name="npm", path="/root/.npm", env="npm_config_cache")

#: No update checks, audits or funding notes: they need the network and say nothing about the build.
ENV: Mapping[str, str] = {
    "npm_config_update_notifier": "false",
    "npm_config_audit": "false",
    "npm_config_fund": "false",
    "NO_COLOR": "1",
}

JUNIT = f"{REPORT_DIR}/junit.xml"

INSTALL_HINTS: Mapping[str, str] = {
    "node": "apt-get install nodejs npm (Node 20, as in the builder image)",
    "npm": "apt-get install npm",
    "npx": "apt-get install npm",
}

NPM_CI = ("npm", "ci", "--no-audit", "--no-fund")


def npx(*args: str) -> tuple[str, ...]:
    """A tool from the service's node_modules; never downloaded on the fly."""
    return ("npx", "--no", "--", *args)


def node_test(*paths: str) -> tuple[str, ...]:
    """Node's test runner: a spec to the log and JUnit to the report dir."""
    return (
        "node",
        "--test",
        "--test-reporter=spec",
        "--test-reporter-destination=stdout",
        "--test-reporter=junit",
        f"--test-reporter-destination={JUNIT}",
        *paths,
    )


ESLINT = npx("eslint", "--max-warnings=0", ".")


@dataclass(frozen=True)
class NodeToolchain(ToolchainBase):
    language: str
    #: (step name, argv) of each stage, in order.
    build: tuple[tuple[str, tuple[str, ...]], ...]
    test: tuple[str, ...]
    lint: tuple[tuple[str, tuple[str, ...]], ...]
    #: What the runtime image needs from the service folder after build.
    outputs: tuple[str, ...]
    #: The script `node` runs, relative to the service folder (package.json "main" by convention).
    entry: str
    image: str = IMAGE
    env: ClassVar[Mapping[str, str]] = ENV
    caches: ClassVar[tuple[CacheMount, ...]] = (NPM_CACHE,)
    tools: ClassVar[Mapping[str, str]] = INSTALL_HINTS

    def defaults(self, service: Service, stage: Stage) -> tuple[Step, ...]:
        if stage is Stage.BUILD:
            # The last build step declares the outputs, once they all exist.
            *first, (name, argv) = self.build
            steps = [self.step(stage, n, a) for n, a in first]
            return (*steps, self.step(stage, name, argv, outputs=self.outputs))
        if stage is Stage.TEST:
            return (self.step(stage, "node --test", self.test),)
        if stage is Stage.LINT:
            return tuple(self.step(stage, name, argv) for name, argv in self.lint)
        return ()

    def step(self, stage: Stage, name: str, argv: tuple[str, ...], **fields: Any) -> Step:
        """npm and npx need node itself; a test step writes JUnit."""
        if stage is Stage.TEST:
            fields.setdefault("reports", (ReportFile("junit", JUNIT),))
        if argv[0] in ("npm", "npx"):
            fields.setdefault("tools", ("node",))
        return super().step(stage, name, argv, **fields)

    def runtime(self, service: Service) -> Runtime:
        """`node <entry>` over the entry's top folder, package.json and the installed modules.

        The `.proto` files stay outside: services load them from PROTO_DIR at run time, which
        locally is the repository's proto/ and in an image the copy under /app/proto. An image
        carries production dependencies only (dev ones are marked in the lockfile).
        """
        code = self.entry.split("/", 1)[0]
        return Runtime(
            base="node",
            files=("package.json", f"{code}/**", "node_modules/**"),
            command=("node", self.entry),
            env=(("NODE_ENV", "production"),),
            exclude=("node_modules/.bin",),
            assets=(("proto", "proto"),),
            image_env=(("PROTO_DIR", "/app/proto"),),
            npm_lockfile="package-lock.json",
        )


NODE = NodeToolchain(
    language="node",
    build=(("npm ci", NPM_CI),),
    test=node_test(),
    lint=(("eslint", ESLINT),),
    outputs=(".",),
    entry="src/server.js",
)

TYPESCRIPT = NodeToolchain(
    language="typescript",
    build=(("npm ci", NPM_CI), ("tsc", npx("tsc", "-p", "tsconfig.json"))),
    test=node_test("dist/test/"),
    lint=(("tsc --noEmit", npx("tsc", "--noEmit", "-p", "tsconfig.json")), ("eslint", ESLINT)),
    outputs=("dist", "package.json", "package-lock.json"),
    entry="dist/src/server.js",
)
