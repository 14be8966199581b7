"""Java and Kotlin services, both built by Maven.

The two share every stage but lint: Java is checked by Checkstyle, Kotlin by ktlint, each through
its Maven plugin at a version pinned here, so that a service's lint cannot drift with whatever
plugin version Maven Central calls newest. The plugin's configuration (rules file, severity)
still comes from the service's `pom.xml` when it declares the plugin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pipelines.steps import REPORT_DIR, CacheMount, ReportFile, Stage, Step, cache_path
from pipelines.toolchains.base import Runtime, ToolchainBase

if TYPE_CHECKING:
    from pipelines.catalog import Service

#: The builder image: the Maven line the host tools are expected to match, on Java 17.
IMAGE = "maven:3.9.11-eclipse-temurin-17"

#: Where Maven keeps downloaded artifacts: Maven's default location in the container, a folder of
#: the run's cache dir on a host (each engine resolves the `{cache:...}` placeholder).
REPOSITORY_CACHE = CacheMount(name="maven-repository", path="/root/.m2/repository")

#: Maven takes its repository location only as a flag; each engine fills in where the cache is.
_MVN_PRELUDE = ("mvn", "-Dmaven.repo.local=" + cache_path(REPOSITORY_CACHE.name))
#: The service's jar and the runtime dependencies its pom copies beside it (its runtime needs both).
BUILD_OUTPUTS = ("target/*.jar", "target/lib/*.jar")
#: Batch mode, no transfer progress, and colour off: logs are read by people and parsers alike.
_MVN_FLAGS = ("-B", "-ntp", "-Dstyle.color=never")

CHECKSTYLE_PLUGIN = "org.apache.maven.plugins:maven-checkstyle-plugin:3.6.0"
KTLINT_PLUGIN = "com.github.gantsign.maven:ktlint-maven-plugin:3.5.0"

#: Where a service's pom copies its runtime dependencies (see `MavenToolchain.runtime`).
RUNTIME_LIB_DIR = "target/lib"

#: What surefire writes for every test class, whatever the command that ran the tests.
SUREFIRE_REPORTS = ReportFile("junit", "target/surefire-reports/TEST-*.xml")

#: Checkstyle findings as SARIF, for the run report.
CHECKSTYLE_SARIF = f"{REPORT_DIR}/checkstyle.sarif"

INSTALL_HINTS: Mapping[str, str] = {
    "mvn": "apt-get install maven (or unpack org.apache.maven:apache-maven:3.9.11:bin from "
    "Maven Central into .tools and link bin/mvn into .tools/bin)",
    "java": "apt-get install openjdk-17-jdk-headless",
}


def mvn(*args: str) -> tuple[str, ...]:
    """A Maven command line that uses the shared repository cache."""
    return (*_MVN_PRELUDE, *_MVN_FLAGS, *args)


def with_repository_cache(argv: tuple[str, ...]) -> tuple[str, ...]:
    """A service's own `mvn ...` command, routed through the cache prelude; others untouched."""
    if argv and argv[0] == "mvn":
        return (*_MVN_PRELUDE, *argv[1:])
    return argv


#: A lint step as (name, argv, reports).
LintStep = tuple[str, tuple[str, ...], tuple[ReportFile, ...]]


def checkstyle_lint() -> tuple[LintStep, ...]:
    return (
        (
            "checkstyle",
            mvn(
                f"{CHECKSTYLE_PLUGIN}:check",
                "-Dcheckstyle.failOnViolation=true",
                "-Dcheckstyle.violationSeverity=warning",
                "-Dcheckstyle.consoleOutput=true",
                "-Dcheckstyle.output.format=sarif",
                f"-Dcheckstyle.output.file={CHECKSTYLE_SARIF}",
            ),
            (ReportFile("sarif", CHECKSTYLE_SARIF),),
        ),
    )


def ktlint_lint() -> tuple[LintStep, ...]:
    return (("ktlint", mvn(f"{KTLINT_PLUGIN}:check", "-Dktlint.failOnViolation=true"), ()),)


@dataclass(frozen=True)
class MavenToolchain(ToolchainBase):
    language: str
    #: The lint stage's steps, in order.
    lint: tuple[LintStep, ...]
    #: Properties every `mvn` command of this language gets, the service's own included.
    properties: tuple[str, ...] = ()
    image: str = IMAGE
    caches: ClassVar[tuple[CacheMount, ...]] = (REPOSITORY_CACHE,)
    tools: ClassVar[Mapping[str, str]] = INSTALL_HINTS

    def defaults(self, service: Service, stage: Stage) -> tuple[Step, ...]:
        if stage is Stage.BUILD:
            return (self.step(stage, "mvn package", mvn("-DskipTests", "package")),)
        if stage is Stage.TEST:
            return (self.step(stage, "mvn test", mvn("test")),)
        if stage is Stage.LINT:
            return tuple(self.step(stage, n, argv, reports=r) for n, argv, r in self.lint)
        return ()

    def command(self, service: Service, stage: Stage, argv: tuple[str, ...]) -> tuple[Step, ...]:
        """The service's command; a `mvn ...` one shares the run's repository cache."""
        return super().command(service, stage, with_repository_cache(argv))

    def runtime(self, service: Service) -> Runtime:
        """`java -jar target/<name>.jar`, its runtime classpath in `target/lib`.

        The convention a service's pom follows: `<finalName>` is the service name, the jar's
        manifest names the main class and `lib/` as its class path (`addClasspath`,
        `classpathPrefix`), and maven-dependency-plugin's `copy-dependencies` puts the runtime
        scope into `target/lib` at `package`. Plain jars side by side, unlike a shaded jar, keep
        each library's service files (gRPC, OpenTelemetry) intact.
        """
        jar = f"target/{service.name}.jar"
        return Runtime(
            base="jre", files=(jar, f"{RUNTIME_LIB_DIR}/*.jar"), command=("java", "-jar", jar)
        )

    def step(self, stage: Stage, name: str, argv: tuple[str, ...], **fields: Any) -> Step:
        """mvn needs java; a build declares the jars, a test what surefire writes."""
        if stage is Stage.BUILD:
            fields.setdefault("outputs", BUILD_OUTPUTS)
        if stage is Stage.TEST:
            fields["reports"] = (*fields.get("reports", ()), SUREFIRE_REPORTS)
        if argv[0] == "mvn":
            fields.setdefault("tools", ("java",))
            argv = (*argv, *self.properties)
        return super().step(stage, name, argv, **fields)


#: kotlin-maven-plugin compiles in a Kotlin daemon by default: a second JVM (6 GB heap here)
#: that outlives the build by hours, left on every developer machine and CI runner that built
#: a Kotlin service. In the Maven process instead, nothing is left running.
KOTLIN_IN_PROCESS = ("-Dkotlin.compiler.daemon=false",)

JAVA = MavenToolchain(language="java", lint=checkstyle_lint())
KOTLIN = MavenToolchain(language="kotlin", lint=ktlint_lint(), properties=KOTLIN_IN_PROCESS)
