"""React Native apps built with Expo, and the update server that ships their bundle.

What a phone runs is a JavaScript bundle (Hermes bytecode) plus assets; the native shell around
it (APK, IPA) needs the Android SDK or Xcode and is built elsewhere (the Android APK in GitHub
Actions). So the build here is the part that ships continuously:

- `npm ci`: exactly the lockfile, tools included (Expo CLI, Jest, ESLint, tsc, esbuild come from
  the app's own devDependencies, run through `npx --no`, never fetched on the fly);
- `expo export` for Android and iOS into `dist/`: the production bundles, their assets and the
  `metadata.json` naming them;
- esbuild bundles the app's update server (`server/main.ts`) with its dependencies into one
  file, `build/server.js`, so the image carries that file and `dist/`, not the app's
  node_modules (React Native's toolchain alone is hundreds of megabytes that never run there).

The runtime is that server on Node: it serves `dist/` over the Expo Updates protocol, so a
release (image, push, GitOps commit) is an over-the-air update of the installed apps.

Tests are Jest (React Native's preset through `jest-expo`, the Testing Library), JUnit through
`jest-junit`; lint is `tsc --noEmit` then ESLint failing on any finding; SCA is shared.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pipelines.steps import REPORT_DIR, CacheMount, ReportFile, Stage, Step
from pipelines.toolchains.base import Runtime, ToolchainBase
from pipelines.toolchains.node import ENV as NPM_ENV
from pipelines.toolchains.node import IMAGE, NPM_CACHE, NPM_CI, npx
from pipelines.toolchains.node import INSTALL_HINTS as NODE_INSTALL_HINTS

if TYPE_CHECKING:
    from pipelines.catalog import Service

JUNIT = f"{REPORT_DIR}/junit.xml"
#: Where `expo export` writes the bundles, assets and metadata.json.
EXPORT_DIR = "dist"
#: The update server's source entry and its bundled form.
SERVER_ENTRY = "server/main.ts"
SERVER_BUNDLE = "build/server.js"
#: What the build leaves for the image: the export and the bundled server.
OUTPUTS = (EXPORT_DIR, SERVER_BUNDLE)
#: The runtime base's Node (Debian 12's 18.x): esbuild lowers the server's syntax to it.
SERVER_TARGET = "node18"

#: Expo CLI without prompts, usage reports or network look-ups (none is needed to export).
ENV: Mapping[str, str] = {
    **NPM_ENV,
    "CI": "1",
    "EXPO_NO_TELEMETRY": "1",
    "EXPO_OFFLINE": "1",
}

EXPORT = npx(
    "expo", "export", "--platform", "android", "--platform", "ios",
    "--output-dir", EXPORT_DIR,
)  # fmt: skip
BUNDLE_SERVER = npx(
    "esbuild", SERVER_ENTRY, "--bundle", "--platform=node", f"--target={SERVER_TARGET}",
    f"--outfile={SERVER_BUNDLE}", "--log-level=warning",
)  # fmt: skip
#: `--ci`: a missing snapshot fails instead of being written.
JEST = npx("jest", "--ci", "--reporters=default", "--reporters=jest-junit")
TSC = npx("tsc", "--noEmit")
ESLINT = npx("eslint", "--max-warnings=0", ".")


@dataclass(frozen=True)
class ExpoToolchain(ToolchainBase):
    language: str = "expo"
    image: str = IMAGE
    env: ClassVar[Mapping[str, str]] = ENV
    caches: ClassVar[tuple[CacheMount, ...]] = (NPM_CACHE,)
    tools: ClassVar[Mapping[str, str]] = NODE_INSTALL_HINTS

    def defaults(self, service: Service, stage: Stage) -> tuple[Step, ...]:
        if stage is Stage.BUILD:
            return (
                self.step(stage, "npm ci", NPM_CI),
                self.step(stage, "expo export", EXPORT),
                self.step(stage, "esbuild server", BUNDLE_SERVER, outputs=OUTPUTS),
            )
        if stage is Stage.TEST:
            return (self.step(stage, "jest", JEST),)
        if stage is Stage.LINT:
            return (self.step(stage, "tsc --noEmit", TSC), self.step(stage, "eslint", ESLINT))
        return ()

    def step(self, stage: Stage, name: str, argv: tuple[str, ...], **fields: Any) -> Step:
        """npm and npx need node itself; a test step tells jest-junit where JUnit goes."""
        if stage is Stage.TEST:
            fields.setdefault("env", {**self.env, "JEST_JUNIT_OUTPUT_FILE": JUNIT})
            fields.setdefault("reports", (ReportFile("junit", JUNIT),))
        if argv[0] in ("npm", "npx"):
            fields.setdefault("tools", ("node",))
        return super().step(stage, name, argv, **fields)

    def runtime(self, service: Service) -> Runtime:
        """The bundled update server over `dist/`, reading the runtime version from app.json."""
        return Runtime(
            base="node",
            files=(f"{EXPORT_DIR}/**", SERVER_BUNDLE, "app.json"),
            command=("node", SERVER_BUNDLE),
            env=(("NODE_ENV", "production"),),
        )


EXPO = ExpoToolchain()
