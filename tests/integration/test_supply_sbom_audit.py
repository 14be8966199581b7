"""The SBOM audit sees what ships, transitive Maven dependencies included.

A Java fixture service depends on jackson-databind with its version from an imported BOM
(jackson-bom), and so, transitively, on jackson-core, whose version no pom.xml in the tree
writes. An advisory is planted for that jackson-core version. The lockfile audit of the SCA
stage (osv-scanner offline on pom.xml) cannot see it and passes; the sbom stage, which audits
the SBOM syft made of the pushed image (the jars in target/lib), fails with the advisory's id.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _osvdb import advisory, write_db
from registry_fixtures import UPSTREAM_USERS, RegistryServer, require_binary, start_registry, stop
from testenv import PROJECT_ROOT

FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "services" / "java-svc"
SHARED_CACHE = PROJECT_ROOT / ".cache" / "commerce-ci"
JACKSON = "2.17.2"
PLANTED = "TEST-2099-0077"
pytestmark = pytest.mark.toolchain("java")

BOM = f"""
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>com.fasterxml.jackson</groupId>
        <artifactId>jackson-bom</artifactId>
        <version>{JACKSON}</version>
        <type>pom</type>
        <scope>import</scope>
      </dependency>
    </dependencies>
  </dependencyManagement>

  <dependencies>
    <dependency>
      <groupId>com.fasterxml.jackson.core</groupId>
      <artifactId>jackson-databind</artifactId>
    </dependency>"""
COPY_DEPENDENCIES = """
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>3.11.0</version>
        <executions>
          <execution>
            <id>runtime-classpath</id>
            <phase>package</phase>
            <goals>
              <goal>copy-dependencies</goal>
            </goals>
            <configuration>
              <includeScope>runtime</includeScope>
              <outputDirectory>${project.build.directory}/lib</outputDirectory>
            </configuration>
          </execution>
        </executions>
      </plugin>
    </plugins>"""


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_binary("syft", "run scripts/tools.d/70-syft.sh")
    require_binary("cosign", "run scripts/tools.d/71-cosign.sh")
    root = tmp_path_factory.mktemp("bom") / "repo"
    service = root / "services" / "java-svc"
    shutil.copytree(FIXTURE, service)
    shutil.copytree(PROJECT_ROOT / "sca", root / "sca")  # the SCA stage's semgrep rules
    pom = (service / "pom.xml").read_text()
    pom = pom.replace("\n  <dependencies>", BOM, 1)
    # The toolchain's convention: target/<service>.jar, its runtime classpath in target/lib.
    pom = pom.replace("<build>", "<build>\n    <finalName>java-svc</finalName>", 1)
    pom = pom.replace("\n    </plugins>", COPY_DEPENDENCIES, 1)
    (service / "pom.xml").write_text(pom)
    (root / ".gitignore").write_text("target/\n/reports/\n.commerce-ci/\n")
    _git(root, "init", "-q", "--initial-branch=main")
    _git(root, "add", ".")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "java-svc")
    return root


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory):
    server = start_registry(tmp_path_factory.mktemp("registry"), UPSTREAM_USERS)
    yield server
    stop(server.process)


@pytest.fixture(scope="module")
def ran(repo: Path, registry: RegistryServer, tmp_path_factory: pytest.TempPathFactory):
    planted = advisory(PLANTED, "Maven", "com.fasterxml.jackson.core:jackson-core", JACKSON)
    vulndb = write_db(tmp_path_factory.mktemp("vulndb"), {"Maven": [planted]})
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "COMMERCE_CI_REGISTRY_USERNAME": registry.username,
        "COMMERCE_CI_REGISTRY_PASSWORD": registry.password,
        # The repository is elsewhere; the scanners are this project's (.tools/bin).
        "PATH": os.pathsep.join((str(PROJECT_ROOT / ".tools" / "bin"), os.environ["PATH"])),
    }
    for name in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        env.pop(name, None)
    cli = [sys.executable, "-m", "pipelines.cli", "--root", str(repo)]
    common = ["--registry", registry.address, "--cache-dir", str(SHARED_CACHE)]
    subprocess.run(
        [*cli, "bases", "jre", *common], env=env, check=True, capture_output=True, timeout=900
    )
    argv = [*cli, "run", "java-svc", "--stages", "build,sca,image,push,sbom", *common]
    argv += ["--vuln-db", str(vulndb), "--keep-going", "--report-dir", str(repo / "reports")]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=1200)
    report = json.loads((repo / "reports" / "report.json").read_text())
    return done, report["services"]["java-svc"]["stages"]


def test_the_lockfile_audit_cannot_see_a_version_that_only_a_bom_pins(ran) -> None:
    _, stages = ran
    assert stages["sca"]["status"] == "passed", stages["sca"]


def test_the_sbom_audit_fails_on_the_transitive_jar_with_the_advisory_id(ran) -> None:
    done, stages = ran
    assert done.returncode == 1
    assert stages["sbom"]["status"] == "failed"
    assert PLANTED in stages["sbom"]["reason"]
    assert f"jackson-core {JACKSON}" in stages["sbom"]["reason"]
