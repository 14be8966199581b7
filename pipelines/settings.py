"""Run settings, each declared once: its flag, env var and file key derive from the declaration.

Precedence is flag > environment (`COMMERCE_CI_<NAME>`) > `commerce-ci.toml` > default, and every
resolved value remembers where it came from, for `doctor` and for error messages.

`plan` and `services` resolve their settings at start-up, so this module imports nothing it can
do without: tomllib only when there is a file to read, difflib only to suggest a name, pathlib
only in `resolve` (`resolve_plain` gives paths as strings), and named tuples instead of
dataclasses (see `pipelines.plan.model`).
"""

from __future__ import annotations

import os
from collections import namedtuple

from pipelines.engines import REGISTRY as ENGINES
from pipelines.errors import ConfigError
from pipelines.severity import NAMES as SEVERITY_CHOICES

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Mapping, Sequence
    from pathlib import Path
    from typing import Any

CONFIG_FILE = "commerce-ci.toml"
ENGINE_CHOICES = tuple(ENGINES)


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError("must be at least 1")
    return number


def _positive_float(value: str) -> float:
    number = float(value)
    if not 0 < number < float("inf"):  # nan compares false both ways
        raise ValueError("must be a finite number greater than 0")
    return number


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered not in ("true", "false", "1", "0", "yes", "no"):
        raise ValueError("must be true or false")
    return lowered in ("true", "1", "yes")


def _choice(choices: tuple[str, ...]) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return value

    return parse


class Setting(
    namedtuple("Setting", ("name", "help", "default", "parse", "is_path"), defaults=(str, False))
):
    """One setting. A path (`is_path`) is resolved against the repository root when it comes
    from the file or the default, against the cwd when it comes from a flag or the env."""

    __slots__ = ()
    name: str
    help: str
    default: Any
    parse: Callable[[str], Any]
    is_path: bool

    @property
    def env(self) -> str:
        return "COMMERCE_CI_" + self.name.upper()

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


SETTINGS: tuple[Setting, ...] = (
    Setting("engine", "engine that runs the steps", "local", _choice(ENGINE_CHOICES)),
    Setting("jobs", "services run at once", 2, _positive_int),
    Setting("report_dir", "where reports and logs are written", "reports", is_path=True),
    Setting("cache_dir", "module caches of the local engine", ".cache/commerce-ci", is_path=True),
    Setting(
        "vuln_db",
        "offline OSV database (osv-scanner's offline layout); unset: query OSV online",
        None,
        is_path=True,
    ),
    Setting(
        "fail_on",
        "lowest severity of a finding that fails the SCA gate",
        "low",
        _choice(SEVERITY_CHOICES),
    ),
    Setting("step_timeout", "seconds one step may run", 1800.0, _positive_float),
    Setting("services_dir", "folder holding services/<name>/service.yaml", "services"),
    Setting(
        "registry",
        "where images are pushed, HOST[:PORT][/PREFIX]; logins from COMMERCE_CI_REGISTRY_USERNAME"
        "/_PASSWORD, a Docker config.json, or ECR (release default: an embedded local registry)",
        None,
    ),
    Setting(
        "base_registry",
        "where runtime bases (PREFIX/<kind>:bookworm) are read, HOST[:PORT][/PREFIX] "
        "(default: the target registry, prefix commerce-ci/base)",
        None,
    ),
    Setting(
        "base_mirror",
        "pull-through cache of the base registry, HOST[:PORT]; logins from "
        "COMMERCE_CI_MIRROR_USERNAME/_PASSWORD",
        None,
    ),
    Setting(
        "gitops_remote",
        "GitOps remote: a path or git URL (default: a local bare repo seeded from argocd/)",
        None,
    ),
    Setting("gitops_branch", "branch ArgoCD follows", "main"),
    Setting(
        "cosign_key",
        "cosign signing key: a cosign.key file, env://VAR (the PEM in an env var, a Secret; "
        "its password in COSIGN_PASSWORD), or 'keyless' (OIDC; the default in GitHub Actions); "
        "unset elsewhere: a key pair generated once under the cache dir",
        None,
    ),
    Setting(
        "cosign_pub",
        "public key that verifies the signatures (default: beside the key file, as .pub)",
        None,
        is_path=True,
    ),
    Setting(
        "verify_signatures",
        "promote/rollback refuse a digest cosign cannot verify with cosign_pub (true|false)",
        True,
        _bool,
    ),
    Setting(
        "source_url",
        "repository URL images name in org.opencontainers.image.source (default: GitHub "
        "Actions' repository, else the origin remote when it is a URL, else the project's)",
        None,
    ),
    Setting(
        "gitops_token_env",
        "name of the environment variable holding an https token (the name, not the token)",
        None,
    ),
    Setting(
        "gitops_workdir",
        "where the GitOps remote is cloned",
        ".cache/commerce-ci/gitops/work",
        is_path=True,
    ),
)
BY_NAME = {s.name: s for s in SETTINGS}


class Resolved(namedtuple("Resolved", ("value", "origin"))):
    """A value and its origin: "flag", "env COMMERCE_CI_X", "commerce-ci.toml" or "default"."""

    __slots__ = ()
    value: Any
    origin: str


class Settings(namedtuple("Settings", ("values",))):
    """Every resolved setting by name; each is also an attribute (`settings.cache_dir`)."""

    __slots__ = ()
    values: Mapping[str, Resolved]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name].value
        except KeyError:
            raise AttributeError(name) from None

    def source(self, name: str) -> str:
        """Where a value came from, as a user names it in an error: the flag itself for a
        flag (`--registry`), else its origin (`env COMMERCE_CI_REGISTRY`, the file...)."""
        origin = self.values[name].origin
        return BY_NAME[name].flag if origin == "flag" else origin


def _read_file(root: str | os.PathLike[str]) -> dict[str, Any]:
    path = os.path.join(root, CONFIG_FILE)
    if not os.path.isfile(path):
        return {}
    import tomllib

    from pipelines.limits import read_text

    text = read_text(path, CONFIG_FILE)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(CONFIG_FILE, None, f"malformed TOML: {exc}") from None
    for key in data:
        if key not in BY_NAME:
            import difflib

            close = difflib.get_close_matches(key, BY_NAME, n=1)
            suffix = f" (did you mean '{close[0]}'?)" if close else ""
            raise ConfigError(CONFIG_FILE, key, f"unknown setting{suffix}")
    return data


#: The TOML types a setting's file value may have, by its parser (any other parser: a string).
_FILE_TYPES: dict[Callable[[str], Any], tuple[type, ...]] = {
    _positive_int: (int,),
    _positive_float: (int, float),
    _bool: (bool,),
}
_TYPE_NAMES = {int: "an integer", float: "a number", bool: "true or false", str: "a string"}


def _parse(setting: Setting, raw: Any, source: str, field: str) -> Any:
    """A flag's or variable's text, or a file's TOML value (whose type must be the setting's:
    `true` is not a number of jobs, `3` is not a path), parsed and checked."""
    if raw is None:
        return None
    if source == CONFIG_FILE:
        expected = _FILE_TYPES.get(setting.parse, (str,))
        if type(raw) not in expected:
            want = _TYPE_NAMES[expected[-1]]
            raise ConfigError(source, field, f"must be {want}, not {type(raw).__name__}")
    if isinstance(raw, bool):  # from the file, or the Dagger module's arguments
        return raw
    try:
        return setting.parse(str(raw))
    except ValueError as exc:
        from pipelines.errors import shown

        raise ConfigError(source, field, f"{exc} (got {shown(raw)})") from None


def resolve(flags: Mapping[str, Any], env: Mapping[str, str], root: Path, cwd: Path) -> Settings:
    """Resolve every setting; `flags` holds only the flags the user actually gave. Paths are
    absolute `Path`s."""
    from pathlib import Path

    plain = resolve_plain(flags, env, root, cwd)
    return Settings(
        {
            name: Resolved(Path(r.value), r.origin)
            if BY_NAME[name].is_path and r.value is not None
            else r
            for name, r in plain.items()
        }
    )


def resolve_plain(
    flags: Mapping[str, Any],
    env: Mapping[str, str],
    root: str | os.PathLike[str],
    cwd: str | os.PathLike[str],
) -> dict[str, Resolved]:
    """What `resolve` resolves, with the same checks and errors, but paths as absolute strings:
    the form `plan` and `services` read at start-up, where pathlib is not imported."""
    from_file = _read_file(root)
    values: dict[str, Resolved] = {}
    for setting in SETTINGS:
        if flags.get(setting.name) is not None:
            raw, origin, base = flags[setting.name], "flag", cwd
            value = _parse(setting, raw, setting.flag, setting.name)
        elif env.get(setting.env):
            raw, origin, base = env[setting.env], f"env {setting.env}", cwd
            value = _parse(setting, raw, f"environment {setting.env}", setting.name)
        elif setting.name in from_file:
            raw, origin, base = from_file[setting.name], CONFIG_FILE, root
            value = _parse(setting, raw, CONFIG_FILE, setting.name)
        else:
            value, origin, base = setting.default, "default", root
        if setting.is_path and value is not None:
            value = os.path.realpath(os.path.join(base, value))
        values[setting.name] = Resolved(value, origin)
    return values


def add_flags(parser: argparse.ArgumentParser, names: Sequence[str]) -> None:
    """Add the flags of the named settings; the values land in `setting_<name>`."""
    for setting in SETTINGS:
        if setting.name in names:
            default = f" (default: {setting.default})" if setting.default is not None else ""
            parser.add_argument(
                setting.flag,
                dest=f"setting_{setting.name}",
                metavar=setting.name.split("_")[-1].upper(),
                help=f"{setting.help}{default}; env {setting.env}",
            )


def from_args(args: argparse.Namespace, env: Mapping[str, str], root: Path) -> Settings:
    """Resolve every setting from parsed flags (only those given), env and the file."""
    flags = {
        key.removeprefix("setting_"): value
        for key, value in vars(args).items()
        if key.startswith("setting_")
    }
    return resolve(flags, env, root, os.getcwd())
