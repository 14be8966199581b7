"""`plan` and `services`: the questions every CI run asks first, answered on a lean path.

Both are read-only and quick, so what a user waits for is Python starting, not planning. This
module reads their argv itself, finds the repository root without a process when it is the
current directory, resolves settings with `settings.resolve_plain`, and imports nothing beyond
the catalog index and the plan (no argparse, pathlib, dataclasses, pydantic or yaml); nor `re`
before `plan` has started git, which then works while the rest is imported. Whatever
it is not sure to read exactly as argparse would (`--help`, an abbreviation, an unknown option,
a value that looks like an option) it leaves to `pipelines.cli`, which defines the same commands
with argparse and calls the same `print_services` and `print_plan`; so every spelling gives the
same answer, and the common spellings give it sooner.
"""

from __future__ import annotations

import os
from collections import namedtuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from typing import TextIO

    from pipelines.catalog.index import CatalogIndex
    from pipelines.plan import Plan
    from pipelines.plan.changes import PendingChanges

_SETTING_OPTIONS = {"--services-dir": "setting_services_dir", "--cache-dir": "setting_cache_dir"}
#: The options each command takes that have a value (beyond the flag `--json`), by the `dest`
#: argparse gives them in `pipelines.cli`.
_VALUED = {
    "plan": {"--base": "base", "--head": "head", **_SETTING_OPTIONS},
    "services": dict(_SETTING_OPTIONS),
}
#: Environment variables that move git's idea of the repository away from the cwd.
_GIT_PLACES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR")


class Query(namedtuple("Query", ("command", "root", "options"))):
    """A `plan` or `services` command line: `root` as given by `--root` (None when not),
    `options` by argparse's dest names (`json`, `base`, `head`, `setting_cache_dir`...)."""

    __slots__ = ()
    command: str
    root: str | None
    options: Mapping[str, object]


def read_argv(argv: Sequence[str]) -> Query | None:
    """The query `argv` states, when argparse would certainly read it the same way; else None."""
    words = list(argv)
    root, i = None, 0
    while i < len(words) and words[i].startswith("-"):
        taken = _option(words, i, "--root")
        if taken is None:
            return None
        root, i = taken
    if i >= len(words) or words[i] not in _VALUED:
        return None
    command, valued = words[i], _VALUED[words[i]]
    options: dict[str, object] = {"json": False}
    if command == "plan":
        options.update(base=None, head=None)
    i += 1
    while i < len(words):
        if words[i] == "--json":
            options["json"], i = True, i + 1
            continue
        name = words[i].split("=", 1)[0]
        taken = _option(words, i, name) if name in valued else None
        if taken is None:
            return None
        options[valued[name]], i = taken
    return Query(command=command, root=root, options=options)


def _option(words: list[str], i: int, name: str) -> tuple[str, int] | None:
    """(value, next index) of option `name` at `words[i]`, as `--name=value` or `--name value`;
    None when argparse might read it otherwise (a missing value, or one like an option)."""
    word = words[i]
    if word.startswith(name + "="):
        return word[len(name) + 1 :], i + 1
    if word == name and i + 1 < len(words) and not words[i + 1].startswith("-"):
        return words[i + 1], i + 2
    return None


def find_root(cwd: str, environ: Mapping[str, str]) -> str:
    """The git work tree around `cwd`, as `git rev-parse --show-toplevel` gives it (else cwd).

    When `cwd` itself holds a plain repository (a `.git` folder with a HEAD, owned by this
    user, with no core.worktree, core.bare or include in its config, and no GIT_DIR-like
    variable set) that is the answer without starting git; any other case asks git."""
    if _plain_repository(cwd, environ):
        return cwd
    import subprocess

    try:
        out = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return cwd
    return out.stdout.strip() if out.returncode == 0 else cwd


def _plain_repository(folder: str, environ: Mapping[str, str]) -> bool:
    git_dir = os.path.join(folder, ".git")
    if any(environ.get(name) for name in _GIT_PLACES):
        return False
    try:
        owners = {os.stat(git_dir).st_uid, os.stat(folder).st_uid}
        with open(os.path.join(git_dir, "config"), encoding="utf-8", errors="replace") as f:
            config = f.read()
    except OSError:
        return False
    return (
        owners == {os.geteuid()}  # else git's safe.directory rules decide
        and os.path.isfile(os.path.join(git_dir, "HEAD"))
        and not _unusual(config)
    )


def _unusual(config: str) -> bool:
    """Whether a repository's config may move its work tree: `core.worktree`, a `bare` that is
    not plainly false, or an include (which could say either). Read line by line, not parsed:
    anything that looks like one sends the question to git (no `re`: see the module docstring)."""
    for line in config.lower().splitlines():
        line = line.lstrip()
        if line.startswith(("worktree", "[include")):
            return True
        if line.startswith("bare") and line.partition("=")[2].split()[:1] != ["false"]:
            return True  # `bare` alone means true
    return False


def load(
    root: str,
    env: Mapping[str, str],
    options: Mapping[str, object],
    deferred: list[Callable[[], None]] | None = None,
) -> CatalogIndex:
    """The catalog index of `root`, with the settings the flags in `options`, `env` and the
    repository's commerce-ci.toml give (every setting checked, as for any command)."""
    from pipelines.catalog.index import load_index
    from pipelines.settings import resolve_plain

    flags = {
        key.removeprefix("setting_"): value
        for key, value in options.items()
        if key.startswith("setting_")
    }
    settings = resolve_plain(flags, env, root, os.getcwd())
    where = settings["services_dir"]
    source = "--services-dir" if where.origin == "flag" else where.origin
    return load_index(root, where.value, settings["cache_dir"].value, source, deferred)


def start_plan(root: str, options: Mapping[str, object]) -> PendingChanges:
    """Start git on `options["base"]`..`options["head"]`: call it before anything else, so git
    diffs while Python imports and loads the catalog (on two cores the wait mostly disappears).
    """
    from pipelines.plan.changes import PendingChanges

    return PendingChanges(root, _text(options["base"]), _text(options["head"]))


def answer_plan(
    root: str,
    env: Mapping[str, str],
    options: Mapping[str, object],
    out: TextIO,
    started: PendingChanges | None = None,
) -> None:
    """Plan `options["base"]`..`options["head"]` and print it on `out`; `started` is what
    `start_plan` gave, if the caller called it.

    What is reported stays in the order it was: the catalog's errors first (git is stopped),
    then a bad revision's; the catalog cache is saved only once the revisions are good."""
    deferred: list[Callable[[], None]] = []
    with started or start_plan(root, options) as pending:
        catalog = load(root, env, options, deferred)
        from pipelines.plan import plan_pending

        plan = plan_pending(catalog, pending)
    print_plan(plan, catalog, bool(options["json"]), out)
    for save in deferred:
        save()


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def print_services(catalog: CatalogIndex, as_json: bool, out: TextIO) -> None:
    rows = catalog.rows()
    if as_json:
        import json

        out.write(json.dumps(rows, indent=2) + "\n")
        return
    width = max((len(str(r["name"])) for r in rows), default=4)
    for r in rows:
        out.write(f"{r['name']:<{width}}  {r['language']:<10}  {r['path']}\n")


def print_plan(plan: Plan, catalog: CatalogIndex, as_json: bool, out: TextIO) -> None:
    data = plan.to_json()
    if as_json:
        import json

        out.write(json.dumps(data, indent=2) + "\n")
        return
    out.write(f"{len(data['services'])} of {len(catalog)} services affected\n")
    for name in data["services"]:
        out.write(f"  {name}: {'; '.join(data['reasons'].get(name, []))}\n")


def run(
    query: Query,
    env: Mapping[str, str],
    root: str,
    out: TextIO,
    started: PendingChanges | None = None,
) -> int:
    """Answer `query` for the repository at `root` on `out`; errors are raised. `started`:
    see `answer_plan`."""
    if query.command == "plan":
        answer_plan(root, env, query.options, out, started)
        return 0
    deferred: list[Callable[[], None]] = []  # the catalog cache, once loaded without error
    catalog = load(root, env, query.options, deferred)
    print_services(catalog, bool(query.options["json"]), out)
    for save in deferred:
        save()
    return 0
