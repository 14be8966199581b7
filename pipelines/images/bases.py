"""Runtime base images built from Debian 12 packages and pushed without a Docker daemon.

Each kind a toolchain's `Runtime.base` names becomes one reproducible layer: the packages' files
(unpacked, never installed), what their maintainer scripts would have made (the CA bundle, the
Java trust store, `java`/`python3` on PATH), a non-root user, and /tmp. The package versions are
recorded in a label, so a rebuild shows what changed. A base already in the registry under
`BASE_TAG` is left alone: publishing is idempotent and pushes nothing the second time.
"""

from __future__ import annotations

import hashlib
import json
import os
import ssl
import stat
import struct
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipelines.images.config import BASE_PREFIX, BASE_TAG, ImageSettings, base_repository
from pipelines.images.debian import (
    Apt,
    BaseImageError,
    DebPackage,
    StaleIndexError,
    merge_usr,
    prune,
)
from pipelines.registry.client import OCI_MANIFEST, RegistryClient, sha256
from pipelines.registry.image import OCI_CONFIG
from pipelines.registry.layers import (
    EntryInput,
    Layer,
    LayerDir,
    LayerFile,
    LayerSymlink,
    Owner,
    build_layer,
)
from pipelines.registry.reference import Reference

__all__ = [
    "BASE_KINDS",
    "BASE_TAG",
    "BaseImageError",
    "BuiltBase",
    "PublishedBase",
    "base_repository",
    "build_base",
    "publish_base",
    "publish_bases",
]

#: Every layer entry's mtime and the config's `created`: Debian 12's release day, not the clock.
BASE_EPOCH = 1_686_355_200
BASE_CREATED = "2023-06-10T00:00:00Z"
LABEL_KIND = "dev.commerce-ci.base.kind"
LABEL_PACKAGES = "dev.commerce-ci.base.packages"
NONROOT_UID = 65532
CA_BUNDLE = "etc/ssl/certs/ca-certificates.crt"
JAVA_HOME = "usr/lib/jvm/java-17-openjdk-amd64"
PATH = "/usr/local/bin:/usr/bin:/bin"

#: Packages only maintainer scripts, package management or optional features use. Not descended:
#: openssl is the CLI (libssl3 is kept), ca-certificates-java is replaced by a trust store
#: written here, and the JRE's printing, sound and smart-card libraries serve no headless service.
EXCLUDED = frozenset(
    {
        "adduser",
        "ca-certificates-java",
        "cdebconf",
        "debconf",
        "debianutils",
        "dpkg",
        "init-system-helpers",
        "install-info",
        "java-common",
        "libasound2",
        "libcups2",
        "libpcsclite1",
        "login",
        "lsb-base",
        "openssl",
        "passwd",
        "perl-base",
        "sensible-utils",
        "ucf",
        "util-linux",
    }
)
_FILES_ONLY = ("ca-certificates", "tzdata", "netbase")
_GLIBC = (*_FILES_ONLY, "libc6", "libgcc-s1", "libssl3")


@dataclass(frozen=True)
class BaseSpec:
    kind: str
    packages: tuple[str, ...]
    #: Symlinks that `update-alternatives` in a postinst would have made.
    links: tuple[tuple[str, str], ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    java_trust_store: bool = False


# Node.js: Debian's own 18.20.4, not the host's 20.x. services/payment, services/quote and
# services/frontend declare `engines: node >=20.19` (for their development tools), yet all three
# start and listen on 18.20.4 as uid 65532 in a chroot of this base, so the base stays built from
# Debian's packages alone, like every other kind.
SPECS: dict[str, BaseSpec] = {
    spec.kind: spec
    for spec in (
        BaseSpec("static", _FILES_ONLY),
        BaseSpec("glibc", _GLIBC),
        BaseSpec(
            "jre",
            (*_GLIBC, "openjdk-17-jre-headless"),
            links=(("usr/bin/java", "../lib/jvm/java-17-openjdk-amd64/bin/java"),),
            env=(("JAVA_HOME", f"/{JAVA_HOME}"),),
            java_trust_store=True,
        ),
        BaseSpec("node", (*_GLIBC, "nodejs")),
        # libstdc++6: compiled wheels (grpcio's cygrpc) link it.
        BaseSpec(
            "python",
            (*_GLIBC, "python3.11", "libstdc++6"),
            links=(("usr/bin/python3", "python3.11"),),
        ),
    )
}
BASE_KINDS: tuple[str, ...] = tuple(SPECS)
_UNSUPPORTED = {"dotnet": "no .NET runtime is packaged in Debian 12"}

_PASSWD = (
    "root:x:0:0:root:/root:/sbin/nologin\n"
    f"nonroot:x:{NONROOT_UID}:{NONROOT_UID}:nonroot:/home/nonroot:/sbin/nologin\n"
)
_GROUP = f"root:x:0:\nnonroot:x:{NONROOT_UID}:\n"
_OS_RELEASE = (
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\n'
    'VERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n'
)


@dataclass(frozen=True)
class BuiltBase:
    kind: str
    layer: Layer
    config: bytes
    manifest: bytes
    packages: tuple[DebPackage, ...]

    @property
    def digest(self) -> str:
        return sha256(self.manifest)


@dataclass(frozen=True)
class PublishedBase:
    kind: str
    #: `registry/<prefix>/<kind>:BASE_TAG@digest`.
    reference: Reference
    digest: str
    #: False when the registry already had the base under BASE_TAG and nothing was pushed.
    created: bool


def spec_for(kind: str) -> BaseSpec:
    if kind in SPECS:
        return SPECS[kind]
    reason = _UNSUPPORTED.get(kind, "unknown kind")
    raise BaseImageError(
        f"no runtime base for kind {kind!r}: {reason}",
        f"runtime bases exist for: {', '.join(BASE_KINDS)}",
    )


def publish_bases(
    client: RegistryClient,
    kinds: Iterable[str],
    cache_dir: Path,
    *,
    prefix: str = BASE_PREFIX,
    log: Callable[[str], None] = lambda _line: None,
    timeout_s: float = 600,
    env: Mapping[str, str] | None = None,
) -> dict[str, PublishedBase]:
    """Each kind once, one after the other (the machine's cores go to the builds)."""
    return {
        kind: publish_base(
            client, kind, cache_dir, prefix=prefix, log=log, timeout_s=timeout_s, env=env
        )
        for kind in dict.fromkeys(kinds)
    }


def publish_base(
    client: RegistryClient,
    kind: str,
    cache_dir: Path,
    *,
    prefix: str = BASE_PREFIX,
    log: Callable[[str], None] = lambda _line: None,
    timeout_s: float = 600,
    env: Mapping[str, str] | None = None,
) -> PublishedBase:
    """`<prefix>/<kind>:BASE_TAG`, built and pushed unless the registry already has it."""
    spec_for(kind)
    repository = base_repository(kind, prefix)
    existing = client.head_manifest(repository, BASE_TAG)
    if existing is not None:
        log(f"base {kind}: {repository}:{BASE_TAG} already at {existing}, nothing pushed")
        reference = Reference(client.registry, repository, BASE_TAG, existing)
        return PublishedBase(kind, reference, existing, created=False)
    built = build_base(
        kind, cache_dir, log=log, timeout_s=timeout_s, env=os.environ if env is None else env
    )
    for digest, data in (
        (built.layer.digest, built.layer.data),
        (sha256(built.config), built.config),
    ):
        if not client.blob_exists(repository, digest):
            client.upload_blob(repository, digest, data)
    digest = client.put_manifest(repository, BASE_TAG, built.manifest, OCI_MANIFEST)
    log(f"base {kind}: pushed {repository}:{BASE_TAG}@{digest}")
    return PublishedBase(
        kind, Reference(client.registry, repository, BASE_TAG, digest), digest, created=True
    )


def build_base(
    kind: str,
    cache_dir: Path,
    *,
    log: Callable[[str], None] = lambda _line: None,
    timeout_s: float = 600,
    env: Mapping[str, str],
    spec: BaseSpec | None = None,
) -> BuiltBase:
    """The base's layer, config and manifest; the same packages give the same bytes. `spec`
    builds packages other than a runtime base's the same way (the local cluster's images)."""
    spec = spec or spec_for(kind)
    root_dir = cache_dir / "bases"
    apt = Apt.locate(root_dir / "apt", env, timeout_s)
    packages, debs = _fetch(apt, spec, root_dir / "debs", log)
    with tempfile.TemporaryDirectory(prefix=f"base-{kind}-", dir=root_dir) as staging:
        root = Path(staging)
        log(f"base {kind}: unpacking {len(debs)} packages")
        for deb in debs:
            apt.unpack(deb, root)
        merge_usr(root)
        prune(root)
        entries = {**tree_entries(root), **_extras(spec, root, packages)}
        layer = build_layer(entries, epoch=BASE_EPOCH)
    log(f"base {kind}: layer {layer.digest} ({layer.size / 1e6:.1f} MB compressed)")
    config = _config(spec, layer, packages)
    return BuiltBase(kind, layer, config, _manifest(layer, config), packages)


def _fetch(
    apt: Apt, spec: BaseSpec, debs_dir: Path, log: Callable[[str], None]
) -> tuple[tuple[DebPackage, ...], tuple[Path, ...]]:
    """Resolve and download; stale or missing package lists get one `apt-get update`."""
    try:
        return _resolve_and_download(apt, spec, debs_dir, log)
    except StaleIndexError as error:
        log(f"base {spec.kind}: {error}; running apt-get update once")
        apt.update()
    return _resolve_and_download(apt, spec, debs_dir, log)


def _resolve_and_download(
    apt: Apt, spec: BaseSpec, debs_dir: Path, log: Callable[[str], None]
) -> tuple[tuple[DebPackage, ...], tuple[Path, ...]]:
    log(f"base {spec.kind}: resolving {' '.join(spec.packages)}")
    packages = apt.candidates(apt.closure(spec.packages, EXCLUDED))
    log(f"base {spec.kind}: downloading {len(packages)} packages (cached in {debs_dir})")
    return packages, apt.download(packages, debs_dir)


def tree_entries(root: Path) -> dict[str, EntryInput]:
    """Every directory, file and symlink under `root`; modes keep only the executable bit."""
    entries: dict[str, EntryInput] = {}
    for path in sorted(root.rglob("*")):
        name = path.relative_to(root).as_posix()
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            entries[name] = LayerSymlink(str(path.readlink()))
        elif stat.S_ISDIR(mode):
            entries[name] = LayerDir()
        elif stat.S_ISREG(mode):
            entries[name] = LayerFile(path, mode=0o755 if mode & 0o111 else 0o644)
    return entries


def _extras(spec: BaseSpec, root: Path, packages: Sequence[DebPackage]) -> dict[str, EntryInput]:
    """What `dpkg --configure` would have left, plus the user, /tmp and the OS identity."""
    certs = mozilla_certificates(root)
    extras: dict[str, EntryInput] = {
        "etc/passwd": _PASSWD,
        "etc/group": _GROUP,
        "etc/nsswitch.conf": "passwd: files\ngroup: files\nhosts: files dns\n",
        "usr/lib/os-release": _OS_RELEASE,
        "etc/os-release": LayerSymlink("../usr/lib/os-release"),
        "etc/localtime": LayerSymlink("../usr/share/zoneinfo/Etc/UTC"),
        "etc/timezone": "Etc/UTC\n",
        CA_BUNDLE: b"".join(pem for _, pem in certs),
        # OpenSSL's default paths (the openssl package would bring these links).
        "usr/lib/ssl/cert.pem": LayerSymlink(f"/{CA_BUNDLE}"),
        "usr/lib/ssl/certs": LayerSymlink("/etc/ssl/certs"),
        "tmp": LayerDir(0o1777),
        "home/nonroot": LayerDir(0o700, owner=Owner(NONROOT_UID, NONROOT_UID)),
    }
    for package in packages:
        extras[f"var/lib/dpkg/status.d/{package.name}"] = _status(package)
    for link, target in spec.links:
        extras[link] = LayerSymlink(target)
    if spec.java_trust_store:
        der = [(name, ssl.PEM_cert_to_DER_cert(pem.decode())) for name, pem in certs]
        extras["etc/ssl/certs/java/cacerts"] = java_trust_store(der, timestamp_ms=BASE_EPOCH * 1000)
    return extras


def mozilla_certificates(root: Path) -> list[tuple[str, bytes]]:
    """The ca-certificates package's CAs (all selected, as its default configuration does)."""
    folder = root / "usr/share/ca-certificates/mozilla"
    certs = [(path.stem, path.read_bytes()) for path in sorted(folder.glob("*.crt"))]
    if not certs:
        raise BaseImageError(
            f"ca-certificates unpacked no certificates under {folder}",
            "delete the cached ca-certificates .deb so it is downloaded again",
        )
    return [(name, pem if pem.endswith(b"\n") else pem + b"\n") for name, pem in certs]


def java_trust_store(certs: Sequence[tuple[str, bytes]], *, timestamp_ms: int) -> bytes:
    """A JKS keystore of trusted certificates, as Debian's ca-certificates-java writes it.

    Written here because its generator is a Java program run by a postinst, and its output
    carries the wall-clock time; this one is byte-for-byte reproducible. The password is the
    JDK's default, "changeit" (a trust store holds no secret).
    """

    def utf(text: str) -> bytes:
        data = text.encode()
        return struct.pack(">H", len(data)) + data

    body = bytearray(struct.pack(">III", 0xFEEDFEED, 2, len(certs)))
    for name, der in certs:
        body += struct.pack(">I", 2) + utf(f"debian:{name.lower()}.pem")
        body += struct.pack(">q", timestamp_ms) + utf("X.509")
        body += struct.pack(">I", len(der)) + der
    check = hashlib.sha1(usedforsecurity=False)
    check.update("changeit".encode("utf-16-be") + b"Mighty Aphrodite" + bytes(body))
    return bytes(body) + check.digest()


def _status(package: DebPackage) -> str:
    """A dpkg status paragraph: image scanners read these to list the OS packages."""
    lines = [f"Package: {package.name}", "Status: install ok installed"]
    if package.source:
        lines.append(f"Source: {package.source}")
    lines += [f"Version: {package.version}", f"Architecture: {package.architecture}"]
    return "\n".join(lines) + "\n"


def _config(spec: BaseSpec, layer: Layer, packages: Sequence[DebPackage]) -> bytes:
    env = [("PATH", PATH), ("SSL_CERT_FILE", f"/{CA_BUNDLE}"), *spec.env]
    document = {
        "architecture": "amd64",
        "os": "linux",
        "created": BASE_CREATED,
        "config": {
            "Env": [f"{key}={value}" for key, value in env],
            "User": f"{NONROOT_UID}:{NONROOT_UID}",
            "WorkingDir": "/home/nonroot",
            "Labels": {
                LABEL_KIND: spec.kind,
                LABEL_PACKAGES: " ".join(sorted(p.pin for p in packages)),
            },
        },
        "rootfs": {"type": "layers", "diff_ids": [layer.diff_id]},
        "history": [
            {"created": BASE_CREATED, "created_by": f"commerce-ci base {spec.kind} (Debian 12)"}
        ],
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def _manifest(layer: Layer, config: bytes) -> bytes:
    document = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": sha256(config), "size": len(config)},
        "layers": [{"mediaType": layer.media_type, "digest": layer.digest, "size": layer.size}],
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def ensure_bases(
    image: ImageSettings,
    kinds: Iterable[str],
    cache_dir: Path,
    log: Callable[[str], None],
    env: Mapping[str, str] | None = None,
) -> None:
    """Publish missing runtime bases into the base registry (built from Debian packages)."""
    target = image.base_target
    credentials = image.base_credentials if image.bases else image.credentials
    with RegistryClient(target.registry, credentials, retry=image.retry) as client:
        publish_bases(client, sorted(set(kinds)), cache_dir, prefix=target.prefix, log=log, env=env)
