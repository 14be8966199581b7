"""Headless Chromium driven over the DevTools protocol: load a page as a person would, then
read its DOM, its console errors and a screenshot.

Chromium (Debian's `chromium`, scripts/tools.d/70-chromium.sh) listens on 127.0.0.1 on a port
it picks itself (`--remote-debugging-port=0`, read back from DevToolsActivePort); the client is
a few CDP commands over websocket-client.
"""

from __future__ import annotations

import base64
import json
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websocket
from testenv import require_tool

CHROMIUM_HINT = "apt-get install chromium (scripts/tools.d/70-chromium.sh)"


@dataclass
class Page:
    """One tab: navigate, evaluate, screenshot; console errors are collected as they come."""

    ws: websocket.WebSocket
    errors: list[str] = field(default_factory=list)
    _next: int = 0

    def send(self, method: str, timeout_s: float = 30.0, **params: Any) -> dict[str, Any]:
        self._next += 1
        ident = self._next
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            message = self._receive(deadline)
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
        raise TimeoutError(f"{method}: no answer in {timeout_s}s")

    def _receive(self, deadline: float) -> dict[str, Any]:
        self.ws.settimeout(max(0.1, deadline - time.monotonic()))
        message = json.loads(self.ws.recv())
        self._note(message)
        return message

    def _note(self, message: dict[str, Any]) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.errors.append(" ".join(str(a.get("value", a)) for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            self.errors.append(str(params.get("exceptionDetails", {}).get("text")))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            self.errors.append(f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}")

    def goto(self, url: str, timeout_s: float = 60.0) -> float:
        """Navigate and wait for the load event; returns the seconds that took."""
        started = time.monotonic()
        self._next += 1
        self.ws.send(
            json.dumps({"id": self._next, "method": "Page.navigate", "params": {"url": url}})
        )
        deadline = started + timeout_s
        while time.monotonic() < deadline:
            if self._receive(deadline).get("method") == "Page.loadEventFired":
                return time.monotonic() - started
        raise TimeoutError(f"{url} did not load in {timeout_s}s")

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path, full_page: bool = True) -> Path:
        shot = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=full_page)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path


def _devtools_port(profile: Path, process: subprocess.Popen[bytes]) -> int:
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chromium exited with code {process.returncode}")
        if marker.exists() and marker.read_text().strip():
            return int(marker.read_text().split()[0])
        time.sleep(0.05)
    raise TimeoutError("chromium did not open its DevTools port in 60s")


@contextmanager
def chromium(profile: Path, width: int = 1400, height: int = 900) -> Iterator[Page]:
    """A fresh headless Chromium with one tab; stopped (terminate, then kill) on exit."""
    binary = require_tool("chromium", CHROMIUM_HINT)
    profile.mkdir(parents=True, exist_ok=True)
    argv = [
        binary,
        "--headless",
        "--no-sandbox",  # tests run as root in CI
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
        "about:blank",
    ]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ws = None
    try:
        port = _devtools_port(profile, process)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            targets = json.load(answer)
        tab = next(t for t in targets if t.get("type") == "page")
        ws = websocket.create_connection(
            tab["webSocketDebuggerUrl"], timeout=30, suppress_origin=True
        )
        page = Page(ws)
        for domain in ("Page.enable", "Runtime.enable", "Log.enable"):
            page.send(domain)
        page.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )
        yield page
    finally:
        if ws is not None:
            ws.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
