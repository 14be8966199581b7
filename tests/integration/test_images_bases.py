"""Runtime bases from Debian's packages: pushed to a real registry, then run as uid 65532.

Every base is published once for the module; each test then pulls the layer back with the
registry client, unpacks it and runs the base's interpreter (or a small binary) in a chroot with
its own /proc, as the non-root user, with the Env of the pushed config. Downloaded .debs are kept
under .cache/commerce-ci, so only the first run on a machine fetches them.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from registry_fixtures import UPSTREAM_USERS, RegistryServer, start_registry, stop
from testenv import PROJECT_ROOT, require_tool

from pipelines.errors import ToolMissingError
from pipelines.images.bases import (
    BASE_KINDS,
    BASE_TAG,
    LABEL_PACKAGES,
    BaseImageError,
    PublishedBase,
    base_repository,
    build_base,
    publish_base,
    publish_bases,
)
from pipelines.images.debian import Apt, DebPackage, StaleIndexError

pytestmark = pytest.mark.slow

CACHE = PROJECT_ROOT / ".cache" / "commerce-ci"
NONROOT = "65532:65532"
HOST_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
APT_HINT = "Debian's apt and dpkg (build runtime bases on a Debian 12 host)"


@dataclass(frozen=True)
class Published:
    server: RegistryServer
    bases: dict[str, PublishedBase]
    log: tuple[str, ...]


@dataclass(frozen=True)
class Rootfs:
    path: Path
    config: dict[str, object]

    @property
    def env(self) -> dict[str, str]:
        runtime = self.config["config"]
        assert isinstance(runtime, dict)
        return dict(item.split("=", 1) for item in runtime["Env"])


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    for tool in ("apt-get", "apt-cache", "dpkg-deb"):
        require_tool(tool, APT_HINT)
    server = start_registry(tmp_path_factory.mktemp("bases-registry"), UPSTREAM_USERS)
    lines: list[str] = []
    try:
        with server.client() as client:
            bases = publish_bases(client, BASE_KINDS, CACHE, log=lines.append, env=HOST_ENV)
        yield Published(server, bases, tuple(lines))
    finally:
        stop(server.process)


def pull_rootfs(published: Published, kind: str, into: Path) -> Rootfs:
    """The pushed base as the registry serves it: manifest by tag, config, the one layer."""
    repository = base_repository(kind)
    with published.server.client() as client:
        manifest = client.get_manifest(repository, BASE_TAG).json()
        config = json.loads(client.get_blob(repository, manifest["config"]["digest"]))
        (layer,) = manifest["layers"]
        data = client.get_blob(repository, layer["digest"])
    root = into / kind
    root.mkdir()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(root, filter="fully_trusted")  # our own layer; keeps /tmp's 1777
    (root / "proc").mkdir(exist_ok=True)
    return Rootfs(root, config)


def run_in(
    rootfs: Rootfs, *argv: str, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`argv` in the root as uid 65532, with a fresh /proc (as a container has) and the config's
    Env only; `argv[0]` is looked up on the config's PATH inside the root."""
    unshare = require_tool("unshare", "apt-get install util-linux")
    chroot = require_tool("chroot", "apt-get install coreutils")
    return subprocess.run(
        [
            unshare,
            "--mount",
            "--pid",
            "--fork",
            f"--mount-proc={rootfs.path / 'proc'}",
            chroot,
            f"--userspec={NONROOT}",
            str(rootfs.path),
            *argv,
        ],
        env={**rootfs.env, **(extra_env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_kind_is_pushed_under_its_repository_and_the_bookworm_tag(
    published: Published,
) -> None:
    assert set(published.bases) == set(BASE_KINDS) == {"static", "glibc", "jre", "node", "python"}
    for kind, base in published.bases.items():
        assert base.created
        assert base.reference.repository == f"commerce-ci/base/{kind}"
        assert (base.reference.tag, base.reference.digest) == (BASE_TAG, base.digest)
        response = published.server.read(f"/v2/commerce-ci/base/{kind}/manifests/{BASE_TAG}")
        assert response.headers["Docker-Content-Digest"] == base.digest


def test_each_phase_of_a_build_is_logged(published: Published) -> None:
    text = "\n".join(published.log)
    for phase in ("resolving", "downloading", "unpacking", "layer sha256:", "pushed"):
        assert f"base jre: {phase}" in text, phase


def test_the_config_runs_as_nonroot_and_records_every_package_version(
    published: Published, tmp_path: Path
) -> None:
    rootfs = pull_rootfs(published, "python", tmp_path)
    runtime = rootfs.config["config"]
    assert isinstance(runtime, dict)
    assert runtime["User"] == NONROOT
    pins = dict(pin.split("=", 1) for pin in runtime["Labels"][LABEL_PACKAGES].split())
    assert {"python3.11", "libpython3.11-stdlib", "libc6", "libssl3", "ca-certificates"} <= set(
        pins
    )
    assert pins["python3.11"].startswith("3.11.")
    assert not {"dpkg", "debconf", "perl-base", "adduser"} & set(pins)
    status = (rootfs.path / "var/lib/dpkg/status.d/python3.11").read_text()
    assert f"Version: {pins['python3.11']}" in status


def test_the_static_base_has_users_certificates_and_zones_a_go_binary_finds(
    published: Published, tmp_path: Path
) -> None:
    go = require_tool("go", "Go from the machine image (https://go.dev/doc/install)")
    rootfs = pull_rootfs(published, "static", tmp_path)
    assert (
        "nonroot:x:65532:65532:nonroot:/home/nonroot:" in (rootfs.path / "etc/passwd").read_text()
    )
    assert "nonroot:x:65532:" in (rootfs.path / "etc/group").read_text()
    assert (rootfs.path / "tmp").stat().st_mode & 0o7777 == 0o1777
    home = (rootfs.path / "home" / "nonroot").stat()
    assert (home.st_uid, home.st_gid, home.st_mode & 0o7777) == (65532, 65532, 0o700)
    bundle = (rootfs.path / "etc/ssl/certs/ca-certificates.crt").read_text()
    assert bundle.count("BEGIN CERTIFICATE") > 100
    source = tmp_path / "probe" / "main.go"
    source.parent.mkdir()
    source.write_text(GO_PROBE)
    (source.parent / "go.mod").write_text("module probe\n\ngo 1.21\n")
    subprocess.run(
        [go, "build", "-o", str(rootfs.path / "probe"), "."],
        cwd=source.parent,
        env={**HOST_ENV, "CGO_ENABLED": "0", "HOME": str(Path.home())},
        check=True,
        capture_output=True,
        timeout=300,
    )
    result = run_in(rootfs, "/probe")
    assert result.returncode == 0, result.stderr
    user, pool, zone = result.stdout.split()
    assert user == "nonroot"
    assert int(pool) > 100
    assert zone == "CET"


GO_PROBE = """\
package main

import (
\t"crypto/x509"
\t"fmt"
\t"os/user"
\t"time"
)

func main() {
\tme, err := user.Current()
\tif err != nil {
\t\tpanic(err)
\t}
\tpool, err := x509.SystemCertPool()
\tif err != nil {
\t\tpanic(err)
\t}
\tzone, err := time.LoadLocation("Europe/Berlin")
\tif err != nil {
\t\tpanic(err)
\t}
\tname, _ := time.Date(2024, 1, 1, 0, 0, 0, 0, zone).Zone()
\tfmt.Println(me.Username, len(pool.Subjects()), name)
}
"""

C_PROBE = """\
#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>

int main(void) {
    const char *libraries[] = {"libssl.so.3", "libgcc_s.so.1"};
    for (int i = 0; i < 2; i++) {
        if (dlopen(libraries[i], RTLD_NOW) == NULL) {
            fprintf(stderr, "%s\\n", dlerror());
            return 1;
        }
    }
    printf("uid %d\\n", (int)getuid());
    return 0;
}
"""


def test_the_glibc_base_runs_a_dynamic_binary_that_loads_libssl_and_libgcc_s(
    published: Published, tmp_path: Path
) -> None:
    gcc = require_tool("gcc", "apt-get install gcc")
    rootfs = pull_rootfs(published, "glibc", tmp_path)
    source = tmp_path / "probe.c"
    source.write_text(C_PROBE)
    subprocess.run(
        [gcc, "-O2", "-o", str(rootfs.path / "probe"), str(source)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert (rootfs.path / "lib64").readlink() == Path("usr/lib64")
    result = run_in(rootfs, "/probe")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "uid 65532\n"


JAVA_PROBE = """\
import java.security.KeyStore;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

public class TrustProbe {
    public static void main(String[] args) throws Exception {
        TrustManagerFactory factory =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init((KeyStore) null);
        X509TrustManager manager = (X509TrustManager) factory.getTrustManagers()[0];
        int trusted = manager.getAcceptedIssuers().length;
        System.out.println(System.getProperty("user.name") + " " + trusted);
    }
}
"""


def test_the_jre_base_runs_java_17_from_path(published: Published, tmp_path: Path) -> None:
    rootfs = pull_rootfs(published, "jre", tmp_path)
    result = run_in(rootfs, "java", "-version")
    assert result.returncode == 0, result.stderr
    assert 'openjdk version "17.' in result.stderr


def test_the_jre_base_trusts_the_ca_certificates(published: Published, tmp_path: Path) -> None:
    javac = require_tool("javac", "bash scripts/tools.d/20-jvm-node.sh")
    rootfs = pull_rootfs(published, "jre", tmp_path)
    source = tmp_path / "TrustProbe.java"
    source.write_text(JAVA_PROBE)
    classes = rootfs.path / "probe"
    subprocess.run(
        [javac, "--release", "17", "-d", str(classes), str(source)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    result = run_in(rootfs, "java", "-cp", "/probe", "TrustProbe")
    assert result.returncode == 0, result.stderr
    user, trusted = result.stdout.split()
    assert user == "nonroot"
    assert int(trusted) > 100


def test_the_node_base_runs_node(published: Published, tmp_path: Path) -> None:
    rootfs = pull_rootfs(published, "node", tmp_path)
    script = (
        "const os = require('os'); const tls = require('tls');"
        "console.log(process.version, os.userInfo().username, tls.rootCertificates.length)"
    )
    result = run_in(rootfs, "node", "-e", script)
    assert result.returncode == 0, result.stderr
    version, user, roots = result.stdout.split()
    assert version.startswith("v18.")
    assert user == "nonroot"
    assert int(roots) > 100


def test_the_python_base_imports_ssl_and_a_compiled_cp311_wheel(
    published: Published, tmp_path: Path
) -> None:
    rootfs = pull_rootfs(published, "python", tmp_path)
    requirement = next(
        line.strip()
        for line in (PROJECT_ROOT / "services/email/requirements.txt").read_text().splitlines()
        if line.startswith("grpcio==")
    )
    subprocess.run(
        [
            str(PROJECT_ROOT / ".venv/bin/python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--only-binary=:all:",
            "--target",
            str(rootfs.path / "deps"),
            requirement,
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    script = (
        "import getpass, grpc, json, ssl;"
        "stats = ssl.create_default_context().cert_store_stats();"
        "print(getpass.getuser(), stats['x509_ca'], grpc.__version__, json.dumps([1]))"
    )
    result = run_in(rootfs, "python3", "-c", script, extra_env={"PYTHONPATH": "/deps"})
    assert result.returncode == 0, result.stderr
    user, cas, version, dumped = result.stdout.split()
    assert user == "nonroot"
    assert int(cas) > 100
    assert requirement == f"grpcio=={version}"
    assert dumped == "[1]"


def test_the_nonroot_user_can_write_tmp_and_its_home(published: Published, tmp_path: Path) -> None:
    rootfs = pull_rootfs(published, "python", tmp_path)
    script = (
        "import pathlib;"
        "[pathlib.Path(d, 'probe').write_text('x') for d in ('/tmp', '/home/nonroot')];"
        "print('ok')"
    )
    result = run_in(rootfs, "python3", "-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n"


def test_publishing_again_pushes_nothing(published: Published) -> None:
    before = len(published.server.access_log())
    with published.server.client() as client:
        again = publish_bases(client, BASE_KINDS, CACHE, env=HOST_ENV)
    requests = published.server.access_log()[before:]
    assert all(not base.created for base in again.values())
    assert {k: b.digest for k, b in again.items()} == {
        k: b.digest for k, b in published.bases.items()
    }
    assert requests, "the second publish asked the registry nothing"
    assert {r.method for r in requests} <= {"GET", "HEAD"}


def test_two_builds_of_a_base_are_byte_identical(published: Published) -> None:
    first = build_base("glibc", CACHE, env=HOST_ENV)
    second = build_base("glibc", CACHE, env=HOST_ENV)
    assert first.layer.digest == second.layer.digest
    assert first.digest == second.digest == published.bases["glibc"].digest


def test_dotnet_has_no_base_and_the_error_says_which_exist(published: Published) -> None:
    with (
        published.server.client() as client,
        pytest.raises(BaseImageError, match="dotnet") as raised,
    ):
        publish_base(client, "dotnet", CACHE, env=HOST_ENV)
    assert raised.value.hint is not None
    assert "jre" in raised.value.hint


def test_a_package_apt_cannot_download_is_named_with_the_command_to_check_it(
    tmp_path: Path,
) -> None:
    require_tool("apt-get", APT_HINT)
    apt = Apt.locate(tmp_path / "apt", HOST_ENV, timeout_s=120)
    missing = DebPackage("libc6", "0.0.0-no-such-version", "amd64", "0" * 64)
    with pytest.raises(StaleIndexError, match=re.escape("libc6=0.0.0-no-such-version")) as raised:
        apt.download([missing], tmp_path / "debs")
    assert raised.value.hint is not None
    assert "apt-get download libc6=0.0.0-no-such-version" in raised.value.hint


def test_a_package_without_a_candidate_is_named(tmp_path: Path) -> None:
    require_tool("apt-cache", APT_HINT)
    apt = Apt.locate(tmp_path / "apt", HOST_ENV, timeout_s=120)
    with pytest.raises(StaleIndexError, match="no-such-package-commerce-ci") as raised:
        apt.candidates(["libc6", "no-such-package-commerce-ci"])
    assert raised.value.hint == "run `apt-get update`"


def test_a_host_without_apt_gets_a_missing_tool_error(tmp_path: Path) -> None:
    with pytest.raises(ToolMissingError, match="apt-get"):
        Apt.locate(tmp_path / "apt", {"PATH": str(tmp_path)}, timeout_s=10)
