"""An https-style remote with a token: the token authenticates, and shows up nowhere else.

The remote is git's own smart-HTTP server (`git http-backend`, run as CGI behind a small Basic
auth check on 127.0.0.1). While the write-back runs, a thread reads every process's command line
from /proc; afterwards the logs, the error texts and every file under the work tree's .git are
searched for the token and its Basic-auth encoding.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from testenv import PROJECT_ROOT

from pipelines.errors import ConfigError
from pipelines.gitops.commands import GitOpsOptions, ImageUpdate, write_back
from pipelines.gitops.errors import GitCommandError
from pipelines.gitops.git import AUTH_HINT, GitOpsRemote, seed_local_remote

TOKEN = "ghs_S3cretT0kenValue0123456789abcdefXYZ"
TOKEN_ENV = "GITOPS_TOKEN"
DIGEST = "sha256:" + "4" * 64


def _forms(token: str) -> list[bytes]:
    return [token.encode(), base64.b64encode(f"x-access-token:{token}".encode())]


class GitHttp(BaseHTTPRequestHandler):
    """git http-backend as CGI, behind Basic auth; `server.project_root` holds the repos."""

    def log_message(self, format: str, *args: object) -> None:
        return None

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().strip(), 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            self.rfile.readline()
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _serve(self) -> None:
        server = self.server
        expected = "Basic " + base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
        server.authorizations.append(self.headers.get("Authorization", ""))  # type: ignore[attr-defined]
        if self.headers.get("Authorization") != expected:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="gitops"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        body = self._body()
        env = {
            "PATH": os.environ.get("PATH", ""),
            "GIT_PROJECT_ROOT": str(server.project_root),  # type: ignore[attr-defined]
            "GIT_HTTP_EXPORT_ALL": "1",
            "REMOTE_USER": "x-access-token",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
            "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
        }
        out = subprocess.run(
            ["git", "http-backend"],
            input=body,
            env=env,
            capture_output=True,
            timeout=60,
            check=False,
        ).stdout
        split = re.search(rb"\r?\n\r?\n", out)
        head, payload = (out[: split.start()], out[split.end() :]) if split else (out, b"")
        headers = [h.split(b":", 1) for h in head.splitlines() if b":" in h]
        status = next((int(v.split()[0]) for k, v in headers if k.lower() == b"status"), 200)
        self.send_response(status)
        for key, value in headers:
            if key.lower() != b"status":
                self.send_header(key.decode(), value.strip().decode())
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def http_remote(tmp_path: Path) -> Iterator[tuple[str, ThreadingHTTPServer]]:
    repos = tmp_path / "srv"
    seed_local_remote(PROJECT_ROOT, repos / "gitops.git", os.environ)
    server = ThreadingHTTPServer(("127.0.0.1", 0), GitHttp)
    server.project_root = repos  # type: ignore[attr-defined]
    server.authorizations = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/gitops.git", server
    finally:
        server.shutdown()
        server.server_close()


class ArgvWatch:
    """Reads /proc/*/cmdline in a loop; any command line holding a secret form is recorded."""

    def __init__(self, secrets: list[bytes]) -> None:
        self.secrets, self.hits, self.seen = secrets, list[bytes](), 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            for proc in Path("/proc").iterdir():
                if not proc.name.isdigit():
                    continue
                try:
                    cmdline = (proc / "cmdline").read_bytes()
                except OSError:
                    continue
                if b"git" in cmdline:
                    self.seen += 1
                if any(s in cmdline for s in self.secrets):
                    self.hits.append(cmdline)

    def __enter__(self) -> ArgvWatch:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(10)


def update() -> ImageUpdate:
    return ImageUpdate("cart", "dev", "registry.local/commerce/cart", "v1", DIGEST, "f" * 40)


def test_the_token_authenticates_and_appears_in_no_argv_log_or_git_file(
    http_remote: tuple[str, ThreadingHTTPServer], tmp_path: Path
) -> None:
    url, server = http_remote
    logs: list[str] = []
    env = {**os.environ, TOKEN_ENV: TOKEN}
    options = GitOpsOptions(workdir=tmp_path / "work", environ=env, log=logs.append)
    remote = GitOpsRemote(url, token_env=TOKEN_ENV)
    with ArgvWatch(_forms(TOKEN)) as watch:
        result = write_back(remote, [update()], options=options)
    assert result.changed
    assert watch.seen > 0, "the /proc watch saw no git process at all"
    assert watch.hits == []
    assert any(a.startswith("Basic ") for a in server.authorizations)  # type: ignore[attr-defined]
    text = "\n".join(logs) + repr(result)
    assert logs and not any(form.decode() in text for form in _forms(TOKEN))
    for path in (tmp_path / "work").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(form in data for form in _forms(TOKEN)), path


def test_without_the_token_the_remote_refuses_and_the_error_says_so(
    http_remote: tuple[str, ThreadingHTTPServer], tmp_path: Path
) -> None:
    url, _ = http_remote
    env = {**os.environ, TOKEN_ENV: "wrong-" + TOKEN[::-1]}
    options = GitOpsOptions(workdir=tmp_path / "work", environ=env)
    with pytest.raises(GitCommandError) as caught:
        write_back(GitOpsRemote(url, token_env=TOKEN_ENV), [update()], options=options)
    message = str(caught.value)
    assert "git clone" in message and "could not read Username" in message
    assert caught.value.hint == AUTH_HINT
    assert TOKEN[::-1] not in message


def test_an_unset_token_variable_is_a_config_error_naming_it(tmp_path: Path) -> None:
    options = GitOpsOptions(workdir=tmp_path / "work", environ={"PATH": os.environ["PATH"]})
    with pytest.raises(ConfigError, match=f"env {TOKEN_ENV}"):
        write_back(
            GitOpsRemote("https://git.example/gitops.git", token_env=TOKEN_ENV),
            [update()],
            options=options,
        )


def test_a_token_is_never_sent_over_plain_http_to_another_host(tmp_path: Path) -> None:
    options = GitOpsOptions(workdir=tmp_path / "work", environ={**os.environ, TOKEN_ENV: TOKEN})
    with pytest.raises(ConfigError, match="refusing to send a token") as caught:
        write_back(
            GitOpsRemote("http://git.example/gitops.git", token_env=TOKEN_ENV),
            [update()],
            options=options,
        )
    assert TOKEN not in str(caught.value)


def test_a_url_with_credentials_in_it_is_refused() -> None:
    with pytest.raises(ConfigError, match="carries credentials"):
        GitOpsRemote(f"https://x-access-token:{TOKEN}@git.example/gitops.git")


def test_the_argv_watch_catches_a_secret_on_a_command_line() -> None:
    with ArgvWatch(_forms(TOKEN)) as watch:
        subprocess.run(["sh", "-c", "sleep 0.3", "git", TOKEN], timeout=10, check=True)
    assert watch.hits
