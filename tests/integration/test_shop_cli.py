"""`commerce-ci shop up` as a user runs it: it serves until stopped, then leaves nothing behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from testenv import PROJECT_ROOT, require_tool

#: A prebuilt Python "service": what the build stage would have put in dist/app.
SERVER = """
import http.server, os
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
"""
OFFSET = 25000


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_sigterm_stops_the_shop_and_every_service_it_started(tmp_path: Path) -> None:
    require_tool("redis-server", "scripts/tools.d/60-redis.sh")
    folder = tmp_path / "services" / "cart"
    (folder / "dist" / "app" / "commerce_cart").mkdir(parents=True)
    (folder / "dist" / "app" / "commerce_cart" / "__main__.py").write_text(SERVER)
    (folder / "requirements.txt").write_text("")
    (folder / "service.yaml").write_text(
        "name: cart\nlanguage: python\ndescription: x\nport: 7070\n"
        "image:\n  repository: commerce/cart\n"
    )
    port = 7070 + OFFSET
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "--root",
            str(tmp_path),
            "shop",
            "up",
            "--no-build",
            "--port-offset",
            str(OFFSET),
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not listening(port):
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "the service never listened"
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert not listening(port), "the service outlived the shop"
