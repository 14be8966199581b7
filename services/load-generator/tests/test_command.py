from __future__ import annotations

from pathlib import Path

from commerce_load_generator.command import LOCUSTFILE, locust_argv, target_host

FILE = Path("/app/locustfile.py")


def flag(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_the_locustfile_ships_inside_the_package() -> None:
    assert LOCUSTFILE.is_file()


def test_the_frontend_address_becomes_the_target_host() -> None:
    assert target_host({"FRONTEND_ADDR": "127.0.0.1:8080"}) == "http://127.0.0.1:8080"
    assert target_host({"LOCUST_HOST": "http://shop", "FRONTEND_ADDR": "x:1"}) == "http://shop"


def test_by_default_the_web_ui_listens_on_8089_and_runs_until_stopped() -> None:
    argv = locust_argv({}, FILE)
    assert flag(argv, "-f") == str(FILE) and flag(argv, "--web-port") == "8089"
    assert "--run-time" not in argv and "--headless" not in argv


def test_a_run_time_bounds_the_run_and_keeps_the_web_ui() -> None:
    argv = locust_argv({"LOCUST_RUN_TIME": "30s", "LOCUST_USERS": "3", "PORT": "9999"}, FILE)
    assert flag(argv, "--run-time") == "30s" and flag(argv, "--users") == "3"
    assert "--autostart" in argv and flag(argv, "--autoquit") == "0"
    assert flag(argv, "--web-port") == "9999"


def test_headless_mode_has_no_web_ui() -> None:
    argv = locust_argv({"LOCUST_RUN_TIME": "10s", "LOCUST_HEADLESS": "true"}, FILE)
    assert "--headless" in argv and "--web-port" not in argv and "--autostart" not in argv
