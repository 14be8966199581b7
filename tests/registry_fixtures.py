"""Real registries for the image tests: Debian's CNCF distribution registry on 127.0.0.1.

`upstream_registry` requires htpasswd logins; `mirror_registry` is a second instance in proxy
mode in front of it (the pull-through cache, with its own logins); `static_base` pushes a tiny
multi-platform base image the tests build themselves; `FaultProxy` sits in front of a registry
and injects 5xx answers or cut connections. Everything lives in tmp dirs and stops at teardown.

Only a "static" base exists so far (passwd with a nonroot user, the host's CA bundle); bases
with a glibc, a JRE, Node.js or Python built from Debian packages come with the runtime recipes.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import bcrypt
import httpx
import pytest
from testenv import require_tool

from pipelines.registry import Credentials, RegistryClient, RetryPolicy, StaticCredentials
from pipelines.registry.client import OCI_INDEX, OCI_MANIFEST, sha256
from pipelines.registry.image import OCI_CONFIG
from pipelines.registry.layers import Layer, LayerFile, build_layer
from pipelines.registry.reference import Reference

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FAST_RETRY = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05)
BASE_EPOCH = 1_700_000_000
_ACCESS = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3})')


def require_binary(name: str, hint: str) -> str:
    """A missing server binary fails under CI and skips, loudly, elsewhere; the venv's own
    programs count too."""
    return require_tool(name, hint, Path(sys.executable).parent)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(
    ready: Callable[[], bool],
    what: str,
    process: subprocess.Popen[bytes] | None = None,
    timeout: float = 20.0,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} before it was ready")
        try:
            if ready():
                return
        except (httpx.TransportError, OSError):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{what} not ready after {timeout}s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@dataclass(frozen=True)
class Access:
    method: str
    path: str
    status: int


@dataclass
class RegistryServer:
    address: str
    username: str
    password: str
    root: Path
    process: subprocess.Popen[bytes] = field(repr=False)
    issuer: TokenIssuer | None = None

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    @property
    def credentials(self) -> StaticCredentials:
        return StaticCredentials(Credentials(self.username, self.password))

    def client(self, password: str | None = None, **options: object) -> RegistryClient:
        login = Credentials(self.username, password if password is not None else self.password)
        options.setdefault("retry", FAST_RETRY)
        return RegistryClient(self.address, StaticCredentials(login), **options)  # type: ignore[arg-type]

    def access_log(self) -> list[Access]:
        """Requests the registry logged (its access log goes to stdout, after each response)."""
        path = self.root / "access.log"
        size = -1
        while size != path.stat().st_size:  # let trailing lines land
            size = path.stat().st_size
            time.sleep(0.05)
        entries = []
        for line in path.read_text().splitlines():
            match = _ACCESS.search(line)
            if match:
                entries.append(Access(match["method"], match["path"], int(match["status"])))
        return entries

    def read(self, path: str, accept: str = OCI_MANIFEST) -> httpx.Response:
        """GET with plain httpx and a login of its own: checks that share no code under test."""
        url = f"{self.url}{path}"
        headers = {"Accept": accept, **basic_auth(self)}
        if self.issuer is not None:
            repository = "/".join(path.split("/")[2:4])
            token = self.issuer.token(self.username, [f"repository:{repository}:pull"])
            headers["Authorization"] = f"Bearer {token}"
        response = httpx.get(url, headers=headers, follow_redirects=True)
        response.raise_for_status()
        return response

    def logs_text(self) -> str:
        return (self.root / "access.log").read_text() + (self.root / "server.log").read_text()


class _TokenHandler(BaseHTTPRequestHandler):
    """A Docker-style token service: Basic login in, a short-lived signed JWT out."""

    server: _TokenServer

    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        issuer = self.server.issuer
        query = parse_qs(urlsplit(self.path).query)
        user = issuer.check_login(self.headers.get("Authorization", ""))
        issuer.record(user)
        if user is None:
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps({"token": issuer.token(user, query.get("scope", []))}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _TokenServer(ThreadingHTTPServer):
    daemon_threads = True
    issuer: TokenIssuer


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class TokenIssuer:
    """Signs registry tokens with a throwaway EC key whose self-signed cert the registry trusts."""

    users: dict[str, str]
    root: Path
    service: str = "commerce-ci-tests"
    name: str = "commerce-ci-test-issuer"
    logins: list[str | None] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    realm: str = ""

    def __post_init__(self) -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        self._key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.name)])
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self._key, hashes.SHA256())
        )
        self._cert_der = cert.public_bytes(serialization.Encoding.DER)
        self.bundle = self.root / "token-ca.pem"
        self.bundle.write_bytes(cert.public_bytes(serialization.Encoding.PEM))

    def check_login(self, header: str) -> str | None:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return None
        user, _, password = base64.b64decode(encoded).decode().partition(":")
        expected = self.users.get(user)
        return user if expected is not None and password == expected else None

    def record(self, user: str | None) -> None:
        with self.lock:
            self.logins.append(user)

    def token(self, user: str, scopes: list[str]) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        access = []
        for scope in scopes:
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            access.append({"type": kind, "name": name, "actions": actions.split(",")})
        now = int(time.time())
        header = {"alg": "ES256", "typ": "JWT", "x5c": [base64.b64encode(self._cert_der).decode()]}
        claims = {
            "iss": self.name,
            "sub": user,
            "aud": self.service,
            "iat": now,
            "nbf": now - 10,
            "exp": now + 300,
            "jti": os.urandom(8).hex(),
            "access": access,
        }
        signing_input = (
            _b64url(json.dumps(header).encode()) + "." + _b64url(json.dumps(claims).encode())
        )
        der = self._key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return signing_input + "." + _b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def start_token_issuer(root: Path, users: dict[str, str]) -> tuple[TokenIssuer, _TokenServer]:
    root.mkdir(parents=True, exist_ok=True)
    issuer = TokenIssuer(users, root)
    server = _TokenServer(("127.0.0.1", 0), _TokenHandler)
    server.issuer = issuer
    issuer.realm = f"http://127.0.0.1:{server.server_address[1]}/token"
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return issuer, server


def _htpasswd(users: dict[str, str]) -> str:
    return "".join(
        f"{user}:{bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()}\n"
        for user, password in users.items()
    )


def start_registry(
    root: Path,
    users: dict[str, str],
    *,
    proxy: RegistryServer | None = None,
    issuer: TokenIssuer | None = None,
) -> RegistryServer:
    """A distribution registry (first user is the fixture's login).

    Logins are checked against an htpasswd file (bcrypt), either by the registry itself (Basic
    challenge) or, with `issuer`, by a token service (Bearer challenge): the registry's proxy
    mode can only log in to an upstream that hands out tokens.
    """
    binary = require_binary("docker-registry", "bash scripts/tools.d/40-registry.sh (apt)")
    root.mkdir(parents=True, exist_ok=True)
    (root / "htpasswd").write_text(_htpasswd(users))
    port = free_port()
    lines = [
        "version: 0.1",
        "log:",
        "  level: error",
        "  accesslog:",
        "    disabled: false",
        "storage:",
        "  filesystem:",
        f"    rootdirectory: {root / 'data'}",
        "  delete:",
        "    enabled: true",
        "  maintenance:",
        "    uploadpurging:",
        "      enabled: false",
        "http:",
        f"  addr: 127.0.0.1:{port}",
        "  secret: test-only-http-secret",
        "auth:",
    ]
    if issuer is None:
        lines += [
            "  htpasswd:",
            "    realm: commerce-ci-tests",
            f"    path: {root / 'htpasswd'}",
        ]
    else:
        lines += [
            "  token:",
            f"    realm: {issuer.realm}",
            f"    service: {issuer.service}",
            f"    issuer: {issuer.name}",
            f"    rootcertbundle: {issuer.bundle}",
        ]
    if proxy is not None:
        lines += [
            "proxy:",
            f"  remoteurl: {proxy.url}",
            f"  username: {proxy.username}",
            f"  password: {proxy.password}",
        ]
    (root / "config.yml").write_text("\n".join(lines) + "\n")
    with (root / "access.log").open("wb") as out, (root / "server.log").open("wb") as err:
        process = subprocess.Popen(
            [binary, "serve", str(root / "config.yml")],
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    address = f"127.0.0.1:{port}"
    try:
        wait_until(
            lambda: httpx.get(f"http://{address}/v2/", timeout=1).status_code == 401,
            f"docker-registry on {address} (logs in {root})",
            process,
        )
    except RuntimeError:
        stop(process)
        raise
    user, password = next(iter(users.items()))
    return RegistryServer(address, user, password, root, process)


UPSTREAM_USERS = {"pusher": "upstream-s3cret-Pa55", "AWS": "123456789012-auth-token"}


@pytest.fixture
def upstream_registry(tmp_path: Path) -> Iterator[RegistryServer]:
    """The registry images are pushed to; Bearer tokens from a token service (like Docker Hub)."""
    issuer, token_server = start_token_issuer(tmp_path / "upstream", UPSTREAM_USERS)
    server = start_registry(tmp_path / "upstream", UPSTREAM_USERS, issuer=issuer)
    server.issuer = issuer
    yield server
    stop(server.process)
    token_server.shutdown()
    token_server.server_close()


@pytest.fixture
def basic_registry(tmp_path: Path) -> Iterator[RegistryServer]:
    """A registry that checks logins itself (Basic challenge, like ECR)."""
    server = start_registry(tmp_path / "basic", UPSTREAM_USERS)
    yield server
    stop(server.process)


@pytest.fixture
def mirror_registry(tmp_path: Path, upstream_registry: RegistryServer) -> Iterator[RegistryServer]:
    server = start_registry(
        tmp_path / "mirror", {"puller": "mirror-s3cret-Pa55"}, proxy=upstream_registry
    )
    yield server
    stop(server.process)


# -- a base image the tests make themselves ---------------------------------------------------

PASSWD = (
    "root:x:0:0:root:/root:/sbin/nologin\n"
    "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
)
GROUP = "root:x:0:\nnonroot:x:65532:\n"


@dataclass(frozen=True)
class StaticBase:
    reference: Reference
    index_digest: str
    amd64_digest: str
    arm64_digest: str
    layer: Layer
    amd64_config_digest: str

    @property
    def blob_digests(self) -> tuple[str, ...]:
        return (self.layer.digest, self.amd64_config_digest)


def static_base_layer() -> Layer:
    files: dict[str, bytes | LayerFile] = {
        "etc/passwd": PASSWD.encode(),
        "etc/group": GROUP.encode(),
        "etc/nsswitch.conf": b"passwd: files\ngroup: files\nhosts: files dns\n",
        "home/nonroot/.keep": b"",
        "tmp/.keep": b"",
    }
    bundle = Path("/etc/ssl/certs/ca-certificates.crt")
    if bundle.is_file():
        files["etc/ssl/certs/ca-certificates.crt"] = LayerFile(bundle)
    return build_layer(files, epoch=BASE_EPOCH)


def _config(architecture: str, layer: Layer) -> bytes:
    document = {
        "architecture": architecture,
        "os": "linux",
        "created": "2023-11-14T22:13:20Z",
        "config": {
            "Env": [
                "PATH=/usr/local/bin:/usr/bin:/bin",
                "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
            ],
            "User": "0",
            "WorkingDir": "/",
        },
        "rootfs": {"type": "layers", "diff_ids": [layer.diff_id]},
        "history": [
            {"created": "2023-11-14T22:13:20Z", "created_by": "registry_fixtures static base"}
        ],
    }
    return json.dumps(document, sort_keys=True).encode()


def push_static_base(
    client: RegistryClient, repository: str = "base/static", tag: str = "1"
) -> StaticBase:
    """A manifest list (linux/amd64 + linux/arm64) over one files-only layer."""
    layer = static_base_layer()
    client.upload_blob(repository, layer.digest, layer.data)
    digests: dict[str, tuple[str, int, str]] = {}
    for architecture in ("amd64", "arm64"):
        config = _config(architecture, layer)
        client.upload_blob(repository, sha256(config), config)
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": {"mediaType": OCI_CONFIG, "digest": sha256(config), "size": len(config)},
                "layers": [
                    {"mediaType": layer.media_type, "digest": layer.digest, "size": layer.size}
                ],
            }
        ).encode()
        digest = client.put_manifest(repository, sha256(manifest), manifest, OCI_MANIFEST)
        digests[architecture] = (digest, len(manifest), sha256(config))
    index = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                {
                    "mediaType": OCI_MANIFEST,
                    "digest": digests[arch][0],
                    "size": digests[arch][1],
                    "platform": {"os": "linux", "architecture": arch},
                }
                for arch in ("arm64", "amd64")  # amd64 second: resolution must really look
            ],
        }
    ).encode()
    index_digest = client.put_manifest(repository, tag, index, OCI_INDEX)
    return StaticBase(
        reference=Reference(client.registry, repository, tag),
        index_digest=index_digest,
        amd64_digest=digests["amd64"][0],
        arm64_digest=digests["arm64"][0],
        layer=layer,
        amd64_config_digest=digests["amd64"][2],
    )


@pytest.fixture
def static_base(upstream_registry: RegistryServer) -> StaticBase:
    with upstream_registry.client() as client:
        return push_static_base(client)


def basic_auth(server: RegistryServer) -> dict[str, str]:
    """Headers for checking a registry with plain httpx, independent of the client under test."""
    token = base64.b64encode(f"{server.username}:{server.password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


# -- fault injection ---------------------------------------------------------------------------


@dataclass
class Fault:
    method: str
    path: str  # regex searched in the request path
    kind: str  # "status" (answer `status` without forwarding) or "cut" (drop mid-body)
    times: int
    status: int = 503


@dataclass
class FaultProxy:
    """An HTTP proxy in front of a real registry that misbehaves on purpose, and records."""

    upstream: str
    faults: list[Fault] = field(default_factory=list)
    seen: list[Access] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    address: str = ""

    def add(self, method: str, path: str, kind: str, times: int, status: int = 503) -> None:
        with self.lock:
            self.faults.append(Fault(method, path, kind, times, status))

    def client(self, server: RegistryServer, **options: object) -> RegistryClient:
        """A client for `server`'s logins that talks through this proxy."""
        options.setdefault("retry", FAST_RETRY)
        return RegistryClient(self.address, server.credentials, **options)  # type: ignore[arg-type]

    def take(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times and fault.method == method and re.search(fault.path, path):
                    fault.times -= 1
                    return fault
        return None

    def record(self, method: str, path: str, status: int) -> None:
        with self.lock:
            self.seen.append(Access(method, path, status))


_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "te", "upgrade"}


class _FaultHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _FaultServer

    def log_message(self, format: str, *args: object) -> None:
        return

    def _handle(self) -> None:
        proxy = self.server.proxy
        length = int(self.headers.get("Content-Length") or 0)
        fault = proxy.take(self.command, self.path)
        if fault is not None and fault.kind == "cut":
            self.rfile.read(max(1, length // 2) if length else 0)
            proxy.record(self.command, self.path, 0)
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        body = self.rfile.read(length) if length else b""
        if fault is not None:
            proxy.record(self.command, self.path, fault.status)
            self.send_response(fault.status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        host, port = proxy.upstream.split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        if length:
            headers["Content-Length"] = str(length)
        connection.request(self.command, self.path, body=body or None, headers=headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        proxy.record(self.command, self.path, response.status)
        self.send_response(response.status)
        for key, value in response.getheaders():
            if key.lower() not in _HOP_BY_HOP and key.lower() not in ("date", "server"):
                self.send_header(key, value)
        if self.command == "HEAD":
            self.send_header("Content-Length", response.getheader("Content-Length") or "0")
        else:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


class _FaultServer(ThreadingHTTPServer):
    daemon_threads = True
    proxy: FaultProxy


@pytest.fixture
def fault_proxy(upstream_registry: RegistryServer) -> Iterator[FaultProxy]:
    server = _FaultServer(("127.0.0.1", 0), _FaultHandler)
    proxy = FaultProxy(upstream=upstream_registry.address)
    proxy.address = f"127.0.0.1:{server.server_address[1]}"
    server.proxy = proxy
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield proxy
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


# -- moto in server mode, for ECR ---------------------------------------------------------------


@dataclass(frozen=True)
class MotoServer:
    endpoint: str


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    binary = require_binary("moto_server", "pip install 'moto[server]' into the venv")
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: httpx.get(f"{endpoint}/moto-api/", timeout=1).status_code < 500,
            f"moto_server on {endpoint} (log {log})",
            process,
        )
        yield MotoServer(endpoint)
    finally:
        stop(process)
