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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipelines.sca.steps import INSTALL_HINTS as SCA_INSTALL_HINTS
from pipelines.sca.steps import sca_steps
from pipelines.steps import REPORT_DIR, ReportFile, Stage, Step
from pipelines.toolchains.base import Runtime, ToolchainOptions
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
class ExpoToolchain:
    language: str = "expo"
    image: str = IMAGE
    install_hints: dict[str, str] = field(
        default_factory=lambda: {**SCA_INSTALL_HINTS, **NODE_INSTALL_HINTS}
    )

    def steps(self, service: Service, stage: Stage, options: ToolchainOptions) -> tuple[Step, ...]:
        if stage is Stage.SCA:
            return sca_steps(service, options)
        overrides: Mapping[str, tuple[str, ...]] = service.spec.commands
        if stage.value in overrides:
            argv = tuple(overrides[stage.value])
            outputs = self.outputs() if stage is Stage.BUILD else ()
            return (self._step(stage, f"{stage.value} (service command)", argv, outputs),)
        if stage is Stage.BUILD:
            return (
                self._step(stage, "npm ci", NPM_CI),
                self._step(stage, "expo export", EXPORT),
                self._step(stage, "esbuild server", BUNDLE_SERVER, self.outputs()),
            )
        if stage is Stage.TEST:
            return (self._step(stage, "jest", JEST),)
        return (self._step(stage, "tsc --noEmit", TSC), self._step(stage, "eslint", ESLINT))

    @staticmethod
    def outputs() -> tuple[str, ...]:
        return (EXPORT_DIR, SERVER_BUNDLE)

    def runtime(self, service: Service) -> Runtime:
        """The bundled update server over `dist/`, reading the runtime version from app.json."""
        return Runtime(
            base="node",
            files=(f"{EXPORT_DIR}/**", SERVER_BUNDLE, "app.json"),
            command=("node", SERVER_BUNDLE),
            env=(("NODE_ENV", "production"),),
        )

    def _step(
        self, stage: Stage, name: str, argv: tuple[str, ...], outputs: tuple[str, ...] = ()
    ) -> Step:
        test = stage is Stage.TEST
        return Step(
            stage=stage,
            name=name,
            image=self.image,
            argv=argv,
            env={**ENV, "JEST_JUNIT_OUTPUT_FILE": JUNIT} if test else ENV,
            caches=(NPM_CACHE,),
            outputs=outputs,
            reports=(ReportFile("junit", JUNIT),) if test else (),
            tools=("node",) if argv[0] in ("npm", "npx") else (),
        )


EXPO = ExpoToolchain()
