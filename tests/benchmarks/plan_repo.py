"""The plan benchmark's repository: N services and M commits, generated with `git fast-import`.

History like a busy monorepo's: edits, adds, deletes, files moved between services, shared
protos and libs that services list as `inputs`, topic branches merged with --no-ff, and the odd
engine change. The first commit also makes it a JavaScript workspace that turbo and nx
understand (npm workspaces: a package.json per service, proto and lib, each service depending
on the proto and lib packages its `inputs` name; the engine's paths as turbo's
globalDependencies and nx's shared inputs; a package-lock.json), so that the peers plan the
same change on the same repository. Those files never change afterwards, so they add nothing
to any diff.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TIMEOUT_S = 300.0
#: What `pipelines.plan.ENGINE_INPUTS` lists: a change to any of them affects every service.
ENGINE_INPUTS = (
    "pipelines/**",
    "pyproject.toml",
    "uv.lock",
    "dagger.json",
    "sca/semgrep/**",
    "scripts/tools.d/**",
    "commerce-ci.toml",
)
#: Peers' and our own state in the work tree, never part of a diff.
GITIGNORE = "node_modules\n.nx/\n.turbo/\n.cache/\n"

SERVICE_YAML = """\
name: {name}
language: go
description: Generated service {name}
port: 8080
inputs: [{inputs}]
image:
  repository: commerce/{name}
"""


@dataclass(frozen=True)
class Size:
    services: int
    commits: int


FULL = Size(services=500, commits=5000)
QUICK = Size(services=12, commits=80)


class _Stream:
    """Builds a `git fast-import` stream while tracking the tree, so each op stays valid."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.parts: list[bytes] = []
        self.mark = 0
        self.clock = 1_700_000_000
        self.commits = 0

    def _data(self, text: str) -> bytes:
        raw = text.encode()
        return b"data %d\n%s\n" % (len(raw), raw)

    def commit(self, ref: str, message: str, ops: list[bytes], parents: Sequence[int]) -> int:
        self.mark += 1
        self.clock += 60
        self.commits += 1
        who = b"Bench <bench@example.invalid> %d +0000" % self.clock
        head = b"commit %s\nmark :%d\nauthor %s\ncommitter %s\n" % (
            ref.encode(),
            self.mark,
            who,
            who,
        )
        links = b"".join(
            b"%s :%d\n" % (b"from" if i == 0 else b"merge", p) for i, p in enumerate(parents)
        )
        self.parts.append(head + self._data(message) + links + b"".join(ops) + b"\n")
        return self.mark

    def put(self, path: str, text: str) -> bytes:
        return b"M 100644 inline %s\n%s" % (path.encode(), self._data(text))

    @staticmethod
    def delete(path: str) -> bytes:
        return b"D %s\n" % path.encode()

    @staticmethod
    def rename(old: str, new: str) -> bytes:
        return b"R %s %s\n" % (old.encode(), new.encode())


class _Tree:
    """The source files the generator may edit, move or delete (never service.yaml or go.mod)."""

    def __init__(self, services: list[str]):
        self.services = services
        self.sources: dict[str, list[str]] = {s: [] for s in services}
        self.counter = 0

    def new_name(self, service: str) -> str:
        self.counter += 1
        return f"services/{service}/pkg/p{self.counter % 7}/f{self.counter}.go"


def _initial_ops(stream: _Stream, tree: _Tree) -> list[bytes]:
    ops = [
        stream.put("pyproject.toml", '[project]\nname = "shop"\n'),
        stream.put("pipelines/engine.py", "VERSION = 1\n"),
        stream.put("README.md", "# generated shop\n"),
    ]
    ops += [stream.put(f"proto/api{i}.proto", f'syntax = "proto3"; // {i}\n') for i in range(8)]
    ops += [stream.put(f"libs/lib-{i:02}/src/util.go", f"package lib{i}\n") for i in range(20)]
    for index, name in enumerate(tree.services):
        inputs = _inputs(index)
        ops.append(
            stream.put(
                f"services/{name}/service.yaml",
                SERVICE_YAML.format(name=name, inputs=", ".join(inputs)),
            )
        )
        ops.append(stream.put(f"services/{name}/go.mod", f"module {name}\n\ngo 1.22\n"))
        for _ in range(2):
            path = tree.new_name(name)
            tree.sources[name].append(path)
            ops.append(stream.put(path, f"package {name.replace('-', '')}\n// {path}\n"))
    return ops


def _random_ops(stream: _Stream, tree: _Tree) -> list[bytes]:
    """One commit's worth of edits, weighted like a busy monorepo's history."""
    rng = stream.rng
    ops: list[bytes] = []
    for _ in range(rng.randint(1, 3)):
        roll = rng.random()
        service = rng.choice(tree.services)
        files = tree.sources[service]
        if roll < 0.03:
            ops.append(stream.put(f"proto/api{rng.randrange(8)}.proto", f"// rev {rng.random()}\n"))
        elif roll < 0.05:
            path = f"libs/lib-{rng.randrange(20):02}/src/util.go"
            ops.append(stream.put(path, f"package lib // {rng.random()}\n"))
        elif roll < 0.052:
            ops.append(stream.put("pipelines/engine.py", f"VERSION = {rng.random()}\n"))
        elif roll < 0.10 and len(files) > 1:
            ops.append(stream.delete(files.pop(rng.randrange(len(files)))))
        elif roll < 0.15 and files:
            old = files.pop(rng.randrange(len(files)))
            target = rng.choice(tree.services)
            new = tree.new_name(target)
            tree.sources[target].append(new)
            ops.append(stream.rename(old, new))
        elif roll < 0.30 or not files:
            path = tree.new_name(service)
            files.append(path)
            ops.append(stream.put(path, f"package x\n// added {rng.random()}\n"))
        else:
            path = rng.choice(files)
            ops.append(stream.put(path, f"package x\n// edit {rng.random()}\n"))
    return ops


def generate(root: Path, size: Size, env: dict[str, str], seed: int = 7) -> float:
    """Create the repository at `root` (checked out at main); returns seconds taken."""
    started = time.perf_counter()
    root.mkdir(parents=True)
    git(root, env, "init", "-q", "-b", "main")
    services = [f"svc-{i:03}" for i in range(size.services)]
    stream, tree = _Stream(seed), _Tree(services)
    initial = _initial_ops(stream, tree) + _workspace_ops(stream, services)
    main = stream.commit("refs/heads/main", "initial", initial, [])
    while stream.commits < size.commits:
        if stream.commits % 50 == 0 and size.commits - stream.commits > 4:
            # A short topic branch merged back with --no-ff, as pull requests land. Main does
            # not move meanwhile, so replaying the topic's ops on main gives the merged tree.
            side, replay = main, []
            for n in range(3):
                ops = _random_ops(stream, tree)
                replay += ops
                side = stream.commit("refs/heads/topic", f"topic {n}", ops, [side])
            main = stream.commit("refs/heads/main", "merge topic", replay, [main, side])
            continue
        ops = _random_ops(stream, tree)
        main = stream.commit("refs/heads/main", f"change {stream.commits}", ops, [main])
    data = b"".join(stream.parts)
    subprocess.run(
        ["git", "fast-import", "--quiet"],
        cwd=root,
        env=env,
        input=data,
        check=True,
        timeout=TIMEOUT_S,
    )
    git(root, env, "reset", "-q", "--hard", "main")
    return time.perf_counter() - started


def git(root: Path, env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        ["git", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def _inputs(index: int) -> list[str]:
    inputs = []
    if index % 5 == 0:
        inputs.append("proto/**")
    if index % 3 == 0:
        inputs.append(f"libs/lib-{index % 20:02}/**/*.go")
    return inputs


def _package(name: str, dependencies: Sequence[str] = ()) -> str:
    data: dict[str, object] = {"name": name, "version": "0.0.0", "scripts": {"build": "true"}}
    if dependencies:
        data["dependencies"] = dict.fromkeys(sorted(dependencies), "*")
    return json.dumps(data, indent=2) + "\n"


def _lockfile(packages: dict[str, list[str]]) -> str:
    """npm's package-lock.json (v3) of a workspace whose packages are `{folder: deps}`."""
    entries: dict[str, object] = {
        "": {"name": "shop", "workspaces": ["services/*", "proto", "libs/*"]}
    }
    for folder, deps in packages.items():
        name = folder.rsplit("/", 1)[-1]
        entry: dict[str, object] = {"version": "0.0.0"}
        if deps:
            entry["dependencies"] = dict.fromkeys(sorted(deps), "*")
        entries[folder] = entry
        entries[f"node_modules/{name}"] = {"resolved": folder, "link": True}
    body = {"name": "shop", "lockfileVersion": 3, "requires": True}
    body["packages"] = dict(sorted(entries.items()))
    return json.dumps(body, indent=2) + "\n"


def _workspace_ops(stream: _Stream, services: list[str]) -> list[bytes]:
    """The files that make the repository a workspace turbo and nx read."""
    packages: dict[str, list[str]] = {"proto": []}
    packages.update({f"libs/lib-{i:02}": [] for i in range(20)})
    for index, name in enumerate(services):
        deps = [re.sub(r"^libs/(lib-\d+)/.*", r"\1", i).removesuffix("/**") for i in _inputs(index)]
        packages[f"services/{name}"] = deps
    root = {
        "name": "shop",
        "private": True,
        "packageManager": "npm@10.9.0",
        "workspaces": ["services/*", "proto", "libs/*"],
    }
    turbo = {"globalDependencies": list(ENGINE_INPUTS), "tasks": {"build": {}}}
    nx = {
        "analytics": False,
        "neverConnectToCloud": True,
        "namedInputs": {
            "sharedGlobals": [f"{{workspaceRoot}}/{p}" for p in ENGINE_INPUTS],
            "default": ["{projectRoot}/**/*", "sharedGlobals"],
        },
        "targetDefaults": {"build": {"inputs": ["default"]}},
    }
    ops = [
        stream.put(".gitignore", GITIGNORE),
        stream.put("package.json", json.dumps(root, indent=2) + "\n"),
        stream.put("package-lock.json", _lockfile(packages)),
        stream.put("turbo.json", json.dumps(turbo, indent=2) + "\n"),
        stream.put("nx.json", json.dumps(nx, indent=2) + "\n"),
    ]
    for folder, deps in packages.items():
        ops.append(stream.put(f"{folder}/package.json", _package(folder.rsplit("/", 1)[-1], deps)))
    return ops
