"""Write-back, promotion and rollback against a real bare remote seeded from argocd/."""

from __future__ import annotations

import itertools
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest
from testenv import PROJECT_ROOT

from pipelines.gitops.commands import (
    GitOpsOptions,
    ImageUpdate,
    promote,
    rollback,
    write_back,
)
from pipelines.gitops.errors import GitCommandError, GitOpsConflict, GitOpsError
from pipelines.gitops.git import (
    Change,
    Checkout,
    Committer,
    GitOpsRemote,
    GitRunner,
    PushRetry,
    seed_local_remote,
)
from pipelines.gitops.values import read_image

D1, D2, D3 = ("sha256:" + c * 64 for c in "123")
REPO = "registry.local:5000/commerce"
IMAGE_LINE = ("  repository:", "  tag:", "  digest:")


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    return seed_local_remote(PROJECT_ROOT, tmp_path / "remote.git", os.environ)


def options(tmp_path: Path, name: str = "runner", **kwargs: object) -> GitOpsOptions:
    return GitOpsOptions(workdir=tmp_path / name, environ=dict(os.environ), **kwargs)  # type: ignore[arg-type]


def git(bare: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(bare), *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout


def remote_file(bare: Path, relpath: str, rev: str = "main") -> str:
    return git(bare, "show", f"{rev}:{relpath}")


def update(service: str, env: str, tag: str, digest: str) -> ImageUpdate:
    return ImageUpdate(service, env, f"{REPO}/{service}", tag, digest, "0" * 40)


def test_write_back_lands_one_commit_with_a_readable_message(remote: Path, tmp_path: Path) -> None:
    result = write_back(remote, [update("cart", "dev", "v1.2.3", D1)], options=options(tmp_path))
    assert result.changed and result.files == ("argocd/envs/dev/cart.yaml",)
    assert git(remote, "rev-parse", "main").strip() == result.commit
    message = git(remote, "log", "-1", "--format=%B", "main")
    assert message.splitlines()[0] == "release(dev): cart v1.2.3 [skip ci]"
    assert f"{REPO}/cart:v1.2.3@{D1}" in message
    assert git(remote, "log", "-1", "--format=%(trailers:key=Source-Commit,valueonly)", "main")
    assert read_image(remote_file(remote, "argocd/envs/dev/cart.yaml")).digest == D1
    assert result.to_report() == {
        "remote": str(remote),
        "branch": "main",
        "commit": result.commit,
        "files": ["argocd/envs/dev/cart.yaml"],
    }


def test_several_updates_make_one_commit(remote: Path, tmp_path: Path) -> None:
    before = int(git(remote, "rev-list", "--count", "main"))
    updates = [update(s, "dev", "v2.0.0", D2) for s in ("cart", "ad", "quote")]
    result = write_back(remote, updates, options=options(tmp_path))
    assert int(git(remote, "rev-list", "--count", "main")) == before + 1
    assert len(result.files) == 3


def test_writing_back_the_image_already_there_commits_nothing(remote: Path, tmp_path: Path) -> None:
    write_back(remote, [update("cart", "dev", "v1", D1)], options=options(tmp_path))
    head = git(remote, "rev-parse", "main")
    again = write_back(remote, [update("cart", "dev", "v1", D1)], options=options(tmp_path))
    assert not again.changed
    assert git(remote, "rev-parse", "main") == head


def test_a_service_without_a_values_file_fails_naming_the_file(
    remote: Path, tmp_path: Path
) -> None:
    with pytest.raises(GitOpsError, match=r"argocd/envs/dev/basket\.yaml: does not exist"):
        write_back(remote, [update("basket", "dev", "v1", D1)], options=options(tmp_path))


def test_a_rejected_push_rebases_and_lands_both_changes(remote: Path, tmp_path: Path) -> None:
    """Another runner lands a different file between our checkout and our push."""

    def edit(checkout: Checkout) -> Change:
        write_back(remote, [update("ad", "dev", "v9", D3)], options=options(tmp_path, "other"))
        path = "argocd/envs/dev/cart.yaml"
        checkout.write(path, checkout.read(path).replace("tag: unreleased", "tag: v7"))
        return Change((path,), "release(dev): cart v7 [skip ci]\n")

    committer = Committer(GitOpsRemote(str(remote)), tmp_path / "runner", dict(os.environ))
    result = committer.apply(edit)
    assert result.attempts == 2
    assert "tag: v7" in remote_file(remote, "argocd/envs/dev/cart.yaml")
    assert read_image(remote_file(remote, "argocd/envs/dev/ad.yaml")).digest == D3
    assert git(remote, "log", "-2", "--format=%s", "main").splitlines() == [
        "release(dev): cart v7 [skip ci]",
        "release(dev): ad v9 [skip ci]",
    ]


def test_a_real_conflict_fails_clearly_and_pushes_nothing(remote: Path, tmp_path: Path) -> None:
    """Someone else changes the same line while our write-back is on its way."""

    def edit(checkout: Checkout) -> Change:
        write_back(remote, [update("cart", "dev", "v8", D2)], options=options(tmp_path, "human"))
        path = "argocd/envs/dev/cart.yaml"
        checkout.write(path, checkout.read(path).replace("tag: unreleased", "tag: v7"))
        return Change((path,), "release(dev): cart v7 [skip ci]\n")

    committer = Committer(GitOpsRemote(str(remote)), tmp_path / "runner", dict(os.environ))
    with pytest.raises(GitOpsConflict) as caught:
        committer.apply(edit)
    assert caught.value.files == ("argocd/envs/dev/cart.yaml",)
    assert "release(dev): cart v8" in str(caught.value)
    assert "nothing was pushed" in (caught.value.hint or "")
    assert read_image(remote_file(remote, "argocd/envs/dev/cart.yaml")).tag == "v8"


def test_the_next_write_back_after_a_conflict_starts_clean(remote: Path, tmp_path: Path) -> None:
    test_a_real_conflict_fails_clearly_and_pushes_nothing(remote, tmp_path)
    result = write_back(remote, [update("cart", "dev", "v9", D3)], options=options(tmp_path))
    assert result.changed
    assert read_image(remote_file(remote, "argocd/envs/dev/cart.yaml")).tag == "v9"


def test_writers_sharing_a_work_dir_take_turns(remote: Path, tmp_path: Path) -> None:
    spans: list[tuple[float, float]] = []
    shared = GitOpsRemote(str(remote))

    def writer(service: str) -> None:
        def edit(checkout: Checkout) -> Change:
            start = time.monotonic()
            path = f"argocd/envs/dev/{service}.yaml"
            checkout.write(path, checkout.read(path).replace("tag: unreleased", "tag: v5"))
            time.sleep(0.05)
            spans.append((start, time.monotonic()))
            return Change((path,), f"release(dev): {service} v5 [skip ci]\n")

        Committer(shared, tmp_path / "shared", dict(os.environ)).apply(edit)

    threads = [threading.Thread(target=writer, args=(s,)) for s in ("cart", "ad", "quote", "email")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    spans.sort()
    assert len(spans) == 4
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans))
    log = git(remote, "log", "-4", "--format=%s", "main")
    assert sorted(log.splitlines()) == sorted(
        f"release(dev): {s} v5 [skip ci]" for s in ("cart", "ad", "quote", "email")
    )


def test_a_push_that_keeps_losing_gives_up_with_a_clear_error(remote: Path, tmp_path: Path) -> None:
    def edit(checkout: Checkout) -> Change:
        write_back(remote, [update("ad", "dev", "v1", D1)], options=options(tmp_path, "rival"))
        path = "argocd/envs/dev/cart.yaml"
        checkout.write(path, checkout.read(path).replace("tag: unreleased", "tag: v7"))
        return Change((path,), "release(dev): cart v7 [skip ci]\n")

    committer = Committer(
        GitOpsRemote(str(remote)),
        tmp_path / "runner",
        dict(os.environ),
        retry=PushRetry(attempts=1),
        sleep=lambda _delay: None,
    )
    with pytest.raises(GitOpsError, match="after 1 attempts: the branch kept moving"):
        committer.apply(edit)
    assert "tag: unreleased" in remote_file(remote, "argocd/envs/dev/cart.yaml")


def test_a_git_command_that_hangs_is_killed_at_its_timeout(tmp_path: Path) -> None:
    runner = GitRunner(env=dict(os.environ), git="sleep", timeout_s=0.3)
    started = time.monotonic()
    with pytest.raises(GitCommandError, match="timed out"):
        runner("30", cwd=tmp_path)
    assert time.monotonic() - started < 5


def test_promote_copies_the_digest_in_one_commit(remote: Path, tmp_path: Path) -> None:
    write_back(
        remote,
        [update("cart", "dev", "v1", D1), update("ad", "dev", "v1", D2)],
        options=options(tmp_path),
    )
    result = promote(remote, ["cart", "ad"], "dev", "prod", options=options(tmp_path))
    assert result.files == ("argocd/envs/prod/cart.yaml", "argocd/envs/prod/ad.yaml")
    assert read_image(remote_file(remote, "argocd/envs/prod/ad.yaml")).digest == D2
    subject = git(remote, "log", "-1", "--format=%s", "main").strip()
    assert subject == "promote(dev -> prod): cart v1, ad v1 [skip ci]"


def test_promote_refuses_an_unreleased_source(remote: Path, tmp_path: Path) -> None:
    with pytest.raises(GitOpsError, match="no image digest to promote"):
        promote(remote, ["cart"], "dev", "prod", options=options(tmp_path))


def test_rollback_restores_the_previous_digest(remote: Path, tmp_path: Path) -> None:
    for tag, digest in (("v1", D1), ("v2", D2), ("v3", D3)):
        write_back(remote, [update("cart", "prod", tag, digest)], options=options(tmp_path))
    result = rollback(remote, "cart", "prod", options=options(tmp_path))
    image = read_image(remote_file(remote, "argocd/envs/prod/cart.yaml"))
    assert (image.tag, image.digest) == ("v2", D2)
    assert "rollback(prod): cart to v2@sha256:222222222222 [skip ci]" in result.subject


def test_rollback_to_a_named_digest_brings_back_its_tag(remote: Path, tmp_path: Path) -> None:
    for tag, digest in (("v1", D1), ("v2", D2), ("v3", D3)):
        write_back(remote, [update("cart", "prod", tag, digest)], options=options(tmp_path))
    rollback(remote, "cart", "prod", D1, options=options(tmp_path))
    assert read_image(remote_file(remote, "argocd/envs/prod/cart.yaml")).tag == "v1"


def test_rollback_to_a_digest_that_never_ran_names_the_known_ones(
    remote: Path, tmp_path: Path
) -> None:
    write_back(remote, [update("cart", "prod", "v1", D1)], options=options(tmp_path))
    known = rf"never ran in prod \(argocd/envs/prod/cart\.yaml\); digests in its history: {D1}"
    with pytest.raises(GitOpsError, match=known):
        rollback(remote, "cart", "prod", D3, options=options(tmp_path))


def test_rollback_without_history_says_so(remote: Path, tmp_path: Path) -> None:
    with pytest.raises(GitOpsError, match="no earlier digest"):
        rollback(remote, "cart", "prod", options=options(tmp_path))


def _with_image_lines_of(text: str, original: str) -> str:
    """`text` with its image lines taken from `original` (same line count)."""
    lines, before = text.splitlines(keepends=True), original.splitlines(keepends=True)
    assert len(lines) == len(before)
    return "".join(
        old if new.startswith(IMAGE_LINE) else new for new, old in zip(lines, before, strict=True)
    )


def test_release_promote_rollback_round_trip_touches_only_image_fields(
    remote: Path, tmp_path: Path
) -> None:
    services = ("cart", "frontend", "email", "load-generator")
    originals = {
        (env, s): remote_file(remote, f"argocd/envs/{env}/{s}.yaml")
        for env in ("dev", "prod")
        for s in services
    }
    opts = options(tmp_path)
    write_back(remote, [update(s, "dev", "v1", D1) for s in services], options=opts)
    write_back(remote, [update(s, "dev", "v2", D2) for s in services], options=opts)
    promote(remote, list(services), "dev", "prod", options=opts)
    for service in services:
        rollback(remote, service, "dev", options=opts)

    for (env, service), original in originals.items():
        final = remote_file(remote, f"argocd/envs/{env}/{service}.yaml")
        assert final != original
        assert _with_image_lines_of(final, original) == original, (env, service)
        assert read_image(final).digest == (D1 if env == "dev" else D2)
        assert "# Set by the release pipeline" in final


def test_a_push_the_remote_refuses_for_good_fails_at_once(remote: Path, tmp_path: Path) -> None:
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'main is protected' >&2\nexit 1\n")
    hook.chmod(0o755)
    slept: list[float] = []
    opts = options(tmp_path, sleep=slept.append)
    with pytest.raises(GitCommandError, match="main is protected") as caught:
        write_back(remote, [update("cart", "dev", "v1", D1)], options=opts)
    assert caught.value.hint == "the remote refused the push for a reason a retry cannot fix"
    assert slept == []
