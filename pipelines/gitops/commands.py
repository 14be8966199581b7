"""Write-back, promotion and rollback: each one edit of values files and one commit.

These are the functions the CLI, the Dagger module and the release chain's `manifest`/`commit`
stages call. Each pairs a pure transformation (pipelines.gitops.values) with the committer
(pipelines.gitops.git); the committer re-reads the files on a fresh checkout, so what is written
always starts from the remote's latest state.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from pipelines.gitops.errors import GitOpsError, ValuesFileError
from pipelines.gitops.git import (
    Change,
    Checkout,
    CommitResult,
    Committer,
    GitIdentity,
    GitOpsRemote,
    Log,
    PushRetry,
    seed_local_remote,
)
from pipelines.gitops.values import (
    ImageFields,
    check_name,
    copy_image,
    image_with_digest,
    previous_image,
    read_image,
    set_image,
    values_path,
)

__all__ = [
    "CommitResult",
    "GitOpsOptions",
    "GitOpsRemote",
    "ImageUpdate",
    "promote",
    "rollback",
    "seed_local_remote",
    "write_back",
]

RemoteLike = GitOpsRemote | str | os.PathLike[str]
#: Called with (repository, digest) for each image about to be deployed; raises to refuse it.
Verify = Callable[[str, str], None]
SKIP_CI = "[skip ci]"


class ImageUpdate(NamedTuple):
    """One pushed image to record: the image stage's output plus where it goes."""

    service: str
    env: str
    repository: str
    tag: str
    digest: str
    source_commit: str

    @property
    def image(self) -> ImageFields:
        return ImageFields(self.repository, self.tag, self.digest)


def _no_log(_line: str) -> None:
    return None


@dataclass(frozen=True)
class GitOpsOptions:
    """How to reach and work with the remote; the process environment is passed in, never read."""

    workdir: Path
    environ: Mapping[str, str] = field(default_factory=dict)
    log: Log = _no_log
    retry: PushRetry = field(default_factory=PushRetry)
    identity: GitIdentity = field(default_factory=GitIdentity)
    timeout_s: float = 120.0
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)


def as_remote(remote: RemoteLike) -> GitOpsRemote:
    return remote if isinstance(remote, GitOpsRemote) else GitOpsRemote(os.fspath(remote))


def _committer(remote: RemoteLike, options: GitOpsOptions) -> Committer:
    return Committer(
        remote=as_remote(remote),
        workdir=options.workdir,
        env=options.environ,
        identity=options.identity,
        retry=options.retry,
        log=options.log,
        timeout_s=options.timeout_s,
        sleep=options.sleep,
        rng=options.rng,
    )


def _image_line(image: ImageFields) -> str:
    return f"{image.repository}:{image.tag}@{image.digest}" if image.digest else image.repository


def _subject(kind: str, scope: str, items: Sequence[str]) -> str:
    """`release(dev): cart v1.2.3, ad v1.2.3 [skip ci]`; a long list becomes a count."""
    listed = ", ".join(items)
    if len(listed) > 60:
        listed = f"{len(items)} services"
    return f"{kind}({scope}): {listed} {SKIP_CI}"


def _message(subject: str, body: Sequence[str], trailers: Sequence[str]) -> str:
    return "\n".join([subject, "", *body, "", *trailers]) + "\n"


def _edit_file(checkout: Checkout, relpath: str, edit: Callable[[str], str]) -> bool:
    if not (checkout.root / relpath).is_file():
        raise ValuesFileError(
            relpath,
            "does not exist in the GitOps repository",
            hint="add the service's values file for this environment (copy another service's)",
        )
    before = checkout.read(relpath)
    after = edit(before)
    if after == before:
        return False
    checkout.write(relpath, after)
    return True


def write_back(
    remote: RemoteLike, updates: Sequence[ImageUpdate], *, options: GitOpsOptions
) -> CommitResult:
    """Records pushed images in their values files: one commit for all of them."""
    if not updates:
        raise GitOpsError("write-back given no image to record")
    seen: set[tuple[str, str]] = set()
    for update in updates:
        key = (check_name("service", update.service), check_name("environment", update.env))
        if key in seen:
            raise GitOpsError(f"write-back names {update.service} in {update.env} twice")
        seen.add(key)
        update.image.validate(values_path(update.env, update.service))

    def edit(checkout: Checkout) -> Change | None:
        changed: list[ImageUpdate] = []
        for update in updates:
            relpath = values_path(update.env, update.service)
            if _edit_file(
                checkout, relpath, lambda text, u=update, p=relpath: set_image(text, u.image, p)
            ):
                changed.append(update)
        if not changed:
            return None
        envs = ",".join(sorted({u.env for u in changed}))
        subject = _subject("release", envs, [f"{u.service} {u.tag}" for u in changed])
        body = [
            f"{u.service} in {u.env}: {_image_line(u.image)} ({values_path(u.env, u.service)})"
            for u in changed
        ]
        sources = dict.fromkeys(u.source_commit for u in changed if u.source_commit)
        trailers = [f"Source-Commit: {sha}" for sha in sources]
        return Change(
            tuple(values_path(u.env, u.service) for u in changed),
            _message(subject, body, trailers or ["Source-Commit: unknown"]),
        )

    return _committer(remote, options).apply(edit)


def promote(
    remote: RemoteLike,
    services: Sequence[str],
    from_env: str,
    to_env: str,
    *,
    options: GitOpsOptions,
    verify: Verify | None = None,
) -> CommitResult:
    """Copies each service's image (repository, tag, digest) from one environment to another.

    `verify(repository, digest)` raises for an image that may not be deployed (unsigned)."""
    if not services:
        raise GitOpsError("promote given no service")
    if check_name("environment", from_env) == check_name("environment", to_env):
        raise ValuesFileError(f"environment {from_env!r}", "promote from an environment to itself")
    names = list(dict.fromkeys(check_name("service", s) for s in services))

    def edit(checkout: Checkout) -> Change | None:
        moved: list[tuple[str, ImageFields]] = []
        for service in names:
            source, target = values_path(from_env, service), values_path(to_env, service)
            image = read_image(checkout.read(source), source)
            read_image(checkout.read(target), target)  # a missing or broken target, first
            if verify is not None and image.digest:  # no digest: copy_image says so below
                verify(image.repository, image.digest)

            def copy(text: str, src: str = source, dst: str = target) -> str:
                return copy_image(checkout.read(src), text, src, dst)[0]

            if _edit_file(checkout, target, copy):
                moved.append((service, image))
        if not moved:
            return None
        subject = _subject("promote", f"{from_env} -> {to_env}", [f"{s} {i.tag}" for s, i in moved])
        body = [
            f"{service} in {to_env}: {_image_line(image)} (from {values_path(from_env, service)})"
            for service, image in moved
        ]
        head = checkout.run("rev-parse", "HEAD", cwd=checkout.root).stdout.strip()
        return Change(
            tuple(values_path(to_env, s) for s, _ in moved),
            _message(subject, body, [f"Promoted-From: {from_env} at {head}"]),
        )

    return _committer(remote, options).apply(edit)


def rollback(
    remote: RemoteLike,
    service: str,
    env: str,
    to_digest: str | None = None,
    *,
    options: GitOpsOptions,
    verify: Verify | None = None,
) -> CommitResult:
    """Restores an earlier image of a service in one environment, found in the file's history.

    Without `to_digest`, the image that ran before the current one; with it, the newest
    version of the file that ran that digest (its repository and tag come back with it).
    """
    relpath = values_path(env, service)
    if to_digest is not None:
        ImageFields("commerce/x", "x", to_digest).validate(f"--to {to_digest}")

    def edit(checkout: Checkout) -> Change | None:
        current = read_image(checkout.read(relpath), relpath)
        history = [read_image(text, relpath) for text in checkout.history(relpath)]
        if to_digest is None:
            target = previous_image(current, history)
            if target is None:
                raise GitOpsError(
                    f"{relpath}: no earlier digest in its history to roll back to "
                    f"(current: {current.digest or 'none'})"
                )
        else:
            target = image_with_digest(to_digest, history)
            if target is None:
                known = ", ".join(dict.fromkeys(i.digest for i in history if i.digest)) or "none"
                raise ValuesFileError(
                    f"--to {to_digest}",
                    f"never ran in {env} ({relpath}); digests in its history: {known}",
                )
        if target == current:
            return None
        if verify is not None:
            verify(target.repository, target.digest)
        checkout.write(relpath, set_image(checkout.read(relpath), target, relpath))
        subject = f"rollback({env}): {service} to {target.short} {SKIP_CI}"
        body = [
            f"{service} in {env}: {_image_line(current)}",
            f"  back to {_image_line(target)} ({relpath})",
        ]
        return Change((relpath,), _message(subject, body, [f"Rolled-Back-From: {current.digest}"]))

    return _committer(remote, options).apply(edit)
