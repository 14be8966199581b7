"""The git half of the write-back: clone, edit, commit and push to the GitOps remote.

Every git command is an argv list with a timeout, logged with an operation id. A token for an
https remote never reaches argv, the logs or `.git/config`: it travels as an `http.extraHeader`
in git's `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n` environment variables, scoped
to the remote's host, and every line logged or raised is scrubbed of it. One work tree per remote
is guarded by a file lock, so threads and processes sharing a work dir take turns; separate
machines race at the remote, where a rejected push fetches, rebases and retries with jittered
backoff, and a rebase conflict (someone changed the same lines) fails with the files named.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import ipaddress
import os
import random
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pipelines import processes
from pipelines.errors import ConfigError
from pipelines.gitops.errors import (
    GitCommandError,
    GitOpsConflict,
    GitOpsError,
    ValuesFileError,
)
from pipelines.processes import Completed

Log = Callable[[str], None]

#: Phrases of a push that lost a race (or hit a transient fault) rather than failed for good.
GIT_HINT = "install git (apt-get install git)"
_RETRYABLE_PUSH = (
    "[rejected]",
    "[remote rejected]",
    "non-fast-forward",
    "fetch first",
    "cannot lock ref",
    "failed to update ref",
    "stale info",
    "incorrect old value",
    "the remote end hung up",
    "early eof",
    "connection reset",
    "returned error: 50",
)

_AUTH_FAILED = ("could not read Username", "Authentication failed", "returned error: 401", "403")
AUTH_HINT = (
    "the remote wants credentials it did not get or accept: put a token in an environment "
    "variable and name it with --gitops-token-env (COMMERCE_CI_GITOPS_TOKEN_ENV)"
)


def _no_log(_line: str) -> None:
    return None


@dataclass(frozen=True)
class GitOpsRemote:
    """Where the values files live: a local path (bare repository) or a git URL."""

    url: str
    branch: str = "main"
    #: Name of the environment variable holding an https token (never the token itself).
    token_env: str | None = None
    username: str = "x-access-token"

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.password or (parts.username and parts.scheme in ("http", "https")):
            raise ConfigError(
                "gitops remote",
                None,
                "the URL carries credentials",
                hint="put the token in an environment variable and name it with --gitops-token-env",
            )

    @property
    def is_http(self) -> bool:
        return urlsplit(self.url).scheme in ("http", "https")

    def __str__(self) -> str:
        return self.url


@dataclass(frozen=True)
class GitIdentity:
    name: str = "commerce-ci"
    email: str = "commerce-ci@users.noreply.github.com"


@dataclass(frozen=True)
class PushRetry:
    """Full-jitter exponential backoff: racing writers spread out instead of colliding again."""

    attempts: int = 30
    base_s: float = 0.05
    cap_s: float = 2.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.cap_s, self.base_s * (2**attempt)))


@dataclass(frozen=True)
class CommitResult:
    """What landed where; `to_report()` is the report's `gitops` entry."""

    remote: str
    branch: str
    commit: str
    files: tuple[str, ...]
    changed: bool
    attempts: int
    duration_s: float
    subject: str = ""

    def to_report(self) -> dict[str, Any]:
        return {
            "remote": self.remote,
            "branch": self.branch,
            "commit": self.commit,
            "files": list(self.files),
        }


@dataclass(frozen=True)
class Change:
    """An edit made in a checkout: the files it wrote and the commit message for them."""

    files: tuple[str, ...]
    message: str


def _secret_forms(username: str, token: str) -> tuple[str, ...]:
    pair = f"{username}:{token}".encode()
    return (token, base64.b64encode(pair).decode(), f"{username}:{token}")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def git_environment(
    remote: GitOpsRemote, env: Mapping[str, str], identity: GitIdentity
) -> tuple[dict[str, str], tuple[str, ...]]:
    """The environment git runs with, and the secret strings to scrub from everything it says."""
    out = {
        key: value
        for key, value in env.items()
        if not key.startswith(("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_"))
        and key not in ("GIT_CONFIG_COUNT", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")
    }
    out.update(
        {
            "GIT_TERMINAL_PROMPT": "0",
            "GCM_INTERACTIVE": "never",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "LC_ALL": "C",
            "GIT_AUTHOR_NAME": identity.name,
            "GIT_AUTHOR_EMAIL": identity.email,
            "GIT_COMMITTER_NAME": identity.name,
            "GIT_COMMITTER_EMAIL": identity.email,
        }
    )
    config: list[tuple[str, str]] = [("protocol.version", "2"), ("core.hooksPath", os.devnull)]
    secrets: tuple[str, ...] = ()
    if remote.token_env:
        token = env.get(remote.token_env, "")
        if not token:
            raise ConfigError(
                f"env {remote.token_env}", None, "is empty or unset; it should hold the git token"
            )
        parts = urlsplit(remote.url)
        if parts.scheme != "https" and not (parts.scheme == "http" and _loopback(parts.hostname)):
            raise ConfigError(
                "gitops remote", None, f"refusing to send a token to {remote.url} (not https)"
            )
        secrets = _secret_forms(remote.username, token)
        scope = urlunsplit((parts.scheme, parts.netloc, "/", "", ""))
        config.append((f"http.{scope}.extraHeader", f"Authorization: Basic {secrets[1]}"))
    out["GIT_CONFIG_COUNT"] = str(len(config))
    for index, (key, value) in enumerate(config):
        out[f"GIT_CONFIG_KEY_{index}"] = key
        out[f"GIT_CONFIG_VALUE_{index}"] = value
    return out, secrets


@dataclass(frozen=True)
class GitRunner:
    """Runs git through the process runner: scrubbed of secrets, stopped on timeout."""

    env: Mapping[str, str]
    secrets: tuple[str, ...] = ()
    log: Log = _no_log
    timeout_s: float = 120.0
    op_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    git: str = "git"

    def __call__(
        self,
        *args: str,
        cwd: Path,
        check: bool = True,
        stdin: str | None = None,
        timeout_s: float | None = None,
    ) -> Completed:
        timeout = timeout_s or self.timeout_s
        done = processes.run(
            [self.git, *args],
            timeout_s=timeout,
            cwd=cwd,
            env=self.env,
            input=stdin,
            secrets=self.secrets,
            log=lambda line: self.log(f"[gitops {self.op_id}] {line}"),
            hint=GIT_HINT,
        )
        shown = ["git", *done.argv[1:]]
        if done.timed_out:
            raise GitCommandError(shown, None, done.output, f"no answer in {timeout:.0f}s")
        if check and done.exit_code != 0:
            hint = AUTH_HINT if any(p in done.output for p in _AUTH_FAILED) else ""
            raise GitCommandError(shown, done.exit_code, done.output, hint)
        return done


@contextlib.contextmanager
def repo_lock(path: Path, timeout_s: float, log: Log = _no_log) -> Iterator[None]:
    """One writer per work tree at a time, across threads and processes (flock per open file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout_s
    with path.open("a+") as handle:
        waited = False
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise GitOpsError(
                        f"work tree lock {path} held by another write-back for {timeout_s:.0f}s"
                    ) from None
                if not waited:
                    log(f"[gitops] waiting for the work tree lock {path}")
                    waited = True
                time.sleep(0.02)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def write_atomic(path: Path, text: str) -> None:
    """Readers (ArgoCD, an editor, a concurrent diff) see the old file or the new, never half."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@dataclass(frozen=True)
class Checkout:
    """The work tree an edit sees: read, write atomically, and read a file's history."""

    root: Path
    run: GitRunner

    def read(self, relpath: str) -> str:
        path = self.root / relpath
        if not path.is_file():
            raise ValuesFileError(relpath, "does not exist in the GitOps repository")
        from pipelines.limits import read_text

        return read_text(path, relpath)

    def write(self, relpath: str, text: str) -> None:
        write_atomic(self.root / relpath, text)

    def history(self, relpath: str, limit: int = 100) -> list[str]:
        """The file's committed versions, newest first."""
        shas = self.run(
            "log", f"-n{limit}", "--format=%H", "--", relpath, cwd=self.root
        ).stdout.split()
        texts = []
        for sha in shas:
            shown = self.run("show", f"{sha}:{relpath}", cwd=self.root, check=False)
            if shown.exit_code == 0:
                texts.append(shown.stdout)
        return texts


def work_tree_name(remote: GitOpsRemote) -> str:
    digest = hashlib.sha256(f"{remote.url}#{remote.branch}".encode()).hexdigest()[:12]
    tail = Path(urlsplit(remote.url).path.rstrip("/")).name.removesuffix(".git") or "remote"
    return f"{tail}-{digest}"


@dataclass(frozen=True)
class Committer:
    """Lands one Change on the remote branch: sync, edit, commit, push (rebase-retry)."""

    remote: GitOpsRemote
    workdir: Path
    env: Mapping[str, str]
    identity: GitIdentity = GitIdentity()
    retry: PushRetry = PushRetry()
    log: Log = _no_log
    timeout_s: float = 120.0
    lock_timeout_s: float = 600.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def _runner(self) -> GitRunner:
        env, secrets = git_environment(self.remote, self.env, self.identity)
        return GitRunner(env=env, secrets=secrets, log=self.log, timeout_s=self.timeout_s)

    def apply(self, edit: Callable[[Checkout], Change | None]) -> CommitResult:
        """Runs `edit` on a fresh checkout of the branch and lands what it changed."""
        started = time.monotonic()
        run = self._runner()
        tree = self.workdir / work_tree_name(self.remote)
        with repo_lock(tree.with_suffix(".lock"), self.lock_timeout_s, self.log):
            self._sync(run, tree)
            change = edit(Checkout(tree, run))
            dirty = run("status", "--porcelain", "--", *(change.files if change else ()), cwd=tree)
            if change is None or not change.files or not dirty.stdout.strip():
                head = run("rev-parse", "HEAD", cwd=tree).stdout.strip()
                return CommitResult(
                    self.remote.url, self.remote.branch, head, (), False, 0, _since(started)
                )
            run("add", "--", *change.files, cwd=tree)
            run("commit", "--no-verify", "-q", "-F", "-", cwd=tree, stdin=change.message)
            attempts = self._push(run, tree)
            head = run("rev-parse", "HEAD", cwd=tree).stdout.strip()
        subject = change.message.splitlines()[0]
        self.log(f"[gitops {run.op_id}] landed {head[:12]} after {attempts} push(es): {subject}")
        return CommitResult(
            self.remote.url,
            self.remote.branch,
            head,
            change.files,
            True,
            attempts,
            _since(started),
            subject,
        )

    def _sync(self, run: GitRunner, tree: Path) -> None:
        """The work tree at the remote branch's tip, whatever an earlier run left in it."""
        branch = self.remote.branch
        if not (tree / ".git").is_dir():
            if tree.exists():
                shutil.rmtree(tree)
            tree.parent.mkdir(parents=True, exist_ok=True)
            run(
                "clone",
                "--quiet",
                "--no-tags",
                "--single-branch",
                "--branch",
                branch,
                "--",
                self.remote.url,
                str(tree),
                cwd=tree.parent,
                timeout_s=max(self.timeout_s, 300.0),
            )
            return
        run("rebase", "--abort", cwd=tree, check=False)
        self._fetch(run, tree)
        run("checkout", "-q", "-B", branch, f"origin/{branch}", cwd=tree)
        run("reset", "-q", "--hard", f"origin/{branch}", cwd=tree)
        run("clean", "-q", "-fdx", cwd=tree)

    def _fetch(self, run: GitRunner, tree: Path) -> None:
        branch = self.remote.branch
        run(
            "fetch",
            "--quiet",
            "--no-tags",
            "origin",
            f"+refs/heads/{branch}:refs/remotes/origin/{branch}",
            cwd=tree,
        )

    def _push(self, run: GitRunner, tree: Path) -> int:
        branch = self.remote.branch
        for attempt in range(1, self.retry.attempts + 1):
            try:
                pushed = run(
                    "push",
                    "--porcelain",
                    "origin",
                    f"HEAD:refs/heads/{branch}",
                    cwd=tree,
                    check=False,
                )
                output = pushed.stdout + pushed.stderr
            except GitCommandError as exc:  # a timeout: the push may or may not have landed
                pushed, output = None, exc.output or "timed out"
            if pushed is not None and pushed.exit_code == 0:
                return attempt
            lowered = output.lower()
            permanent = "hook declined" in lowered or not any(p in lowered for p in _RETRYABLE_PUSH)
            if pushed is not None and permanent:
                raise GitCommandError(
                    ["git", "push", "origin", f"HEAD:refs/heads/{branch}"],
                    pushed.exit_code,
                    output,
                    "the remote refused the push for a reason a retry cannot fix",
                )
            delay = self.retry.delay(attempt, self.rng)
            self.log(
                f"[gitops {run.op_id}] push {attempt} rejected; rebasing, retry in {delay:.2f}s"
            )
            self.sleep(delay)
            self._fetch(run, tree)
            self._rebase(run, tree)
        raise GitOpsError(
            f"could not push to {self.remote.url} ({branch}) after {self.retry.attempts} attempts: "
            "the branch kept moving"
        )

    def _rebase(self, run: GitRunner, tree: Path) -> None:
        branch = self.remote.branch
        rebased = run("rebase", "--quiet", f"origin/{branch}", cwd=tree, check=False)
        if rebased.exit_code == 0:
            return
        conflicted = run("diff", "--name-only", "--diff-filter=U", cwd=tree, check=False)
        run("rebase", "--abort", cwd=tree, check=False)
        upstream = run(
            "log", "-1", "--format=%h (%an: %s)", f"origin/{branch}", cwd=tree, check=False
        ).stdout.strip()
        files = conflicted.stdout.split()
        if not files:
            raise GitCommandError(
                ["git", "rebase", f"origin/{branch}"],
                rebased.exit_code,
                rebased.stdout + rebased.stderr,
            )
        raise GitOpsConflict(self.remote.url, branch, files, upstream)


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)


def seed_local_remote(
    repo_root: Path,
    bare_path: Path,
    env: Mapping[str, str],
    *,
    branch: str = "main",
    log: Log = _no_log,
    identity: GitIdentity = GitIdentity(),
) -> Path:
    """A bare GitOps remote holding this repository's argocd/ tree; kept as is when it exists.

    This is the embedded default remote of a machine with no GitOps settings: the whole release
    chain runs against it without network or credentials.
    """
    source = repo_root / "argocd"
    if not source.is_dir():
        raise GitOpsError(f"{source} does not exist: nothing to seed the GitOps remote with")
    run_env, _ = git_environment(GitOpsRemote(str(bare_path), branch), env, identity)
    run = GitRunner(env=run_env, log=log, timeout_s=120.0)
    if (bare_path / "HEAD").is_file():
        has_branch = run(
            "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", cwd=bare_path, check=False
        )
        if has_branch.exit_code == 0:
            return bare_path
    bare_path.mkdir(parents=True, exist_ok=True)
    run("init", "--quiet", "--bare", f"--initial-branch={branch}", str(bare_path), cwd=bare_path)
    with tempfile.TemporaryDirectory(prefix="gitops-seed-") as scratch:
        tree = Path(scratch)
        run("init", "--quiet", f"--initial-branch={branch}", str(tree), cwd=tree)
        shutil.copytree(source, tree / "argocd", symlinks=True)
        run("add", "--all", "--", "argocd", cwd=tree)
        run(
            "commit",
            "--quiet",
            "-m",
            "Seed the GitOps remote from argocd/ [skip ci]",
            cwd=tree,
        )
        run("push", "--quiet", str(bare_path), f"HEAD:refs/heads/{branch}", cwd=tree)
    return bare_path
