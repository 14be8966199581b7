"""The Locust command line, derived from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

DEFAULT_PORT = 8089
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
TRUE = {"1", "true", "yes", "on"}


def target_host(env: Mapping[str, str]) -> str:
    """LOCUST_HOST as given, else the frontend at $FRONTEND_ADDR (host:port)."""
    if env.get("LOCUST_HOST"):
        return env["LOCUST_HOST"]
    return f"http://{env.get('FRONTEND_ADDR', '127.0.0.1:8080')}"


def locust_argv(env: Mapping[str, str], locustfile: Path = LOCUSTFILE) -> list[str]:
    """Web UI on $PORT; with LOCUST_RUN_TIME, a bounded run that starts and quits by itself.

    A bounded run keeps the web UI up (and /healthz with it) unless LOCUST_HEADLESS is true.
    """
    users = env.get("LOCUST_USERS", "5")
    argv = [
        "-f",
        str(locustfile),
        "--host",
        target_host(env),
        "--users",
        users,
        "--spawn-rate",
        env.get("LOCUST_SPAWN_RATE", users),
    ]
    headless = env.get("LOCUST_HEADLESS", "").lower() in TRUE
    if headless:
        argv.append("--headless")
    else:
        argv += ["--web-port", env.get("PORT", str(DEFAULT_PORT))]
    if run_time := env.get("LOCUST_RUN_TIME"):
        argv += ["--run-time", run_time, "--stop-timeout", "10"]
        if not headless:
            argv += ["--autostart", "--autoquit", "0"]
    return argv
