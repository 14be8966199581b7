"""How the scheduler drives the image, push, manifest and commit stages, and the cross-run skip.

The publisher and release writer here are recording doubles: what they do for real is proven
against a real registry and bare remote in tests/integration/test_release.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from test_scheduler import py, run, stage_of

from pipelines.images.publisher import ImageRecord
from pipelines.images.recipe import ImageError
from pipelines.results import Status
from pipelines.steps import Stage

pytestmark = pytest.mark.processes

DIGEST = "sha256:" + "d" * 64
INPUTS = "sha256:" + "1" * 64


@dataclass
class RecordingPublisher:
    shipped: set[str] = field(default_factory=set)
    failing_push: set[str] = field(default_factory=set)
    calls: list[tuple[str, str]] = field(default_factory=list)

    async def lookup(self, inputs, log: Path):
        service = inputs.service
        self.calls.append(("lookup", service.name))
        with log.open("a") as out:
            out.write("inputs not shipped yet\n")
        if service.name in self.shipped:
            return ImageRecord(f"reg/{service.name}:abc@{DIGEST}", DIGEST, INPUTS, reused=True)
        return None

    async def build(self, inputs, log: Path):
        self.calls.append(("build", inputs.service.name))
        with log.open("a") as out:
            out.write("assembled\n")
        return ImageRecord(None, DIGEST, INPUTS)

    async def push(self, service, log: Path):
        self.calls.append(("push", service.name))
        if service.name in self.failing_push:
            raise ImageError("registry said no")
        return ImageRecord(f"reg/{service.name}:abc@{DIGEST}", DIGEST, INPUTS)


@dataclass
class RecordingRelease:
    commits: list[list[str]] = field(default_factory=list)

    async def manifest(self, service, record, log: Path):
        return f"{service.name}={record.digest}"

    async def commit(self, updates, log: Path):
        self.commits.append(list(updates))
        return {"remote": "/r.git", "branch": "main", "commit": "c0ffee", "files": ["a.yaml"]}


def build_plan(names):
    return {(n, Stage.BUILD): (py("open('built', 'w').write('1')"),) for n in names}


def test_shipped_inputs_mark_check_and_image_stages_cached_and_run_nothing(tmp_path):
    publisher = RecordingPublisher(shipped={"cart"})
    stages = (Stage.BUILD, Stage.TEST, Stage.IMAGE, Stage.PUSH)
    result, _, _ = run(tmp_path, build_plan(["cart"]), stages=stages, images=publisher)
    assert [stage_of(result, "cart", s).status for s in stages] == [Status.CACHED] * 4
    assert not (tmp_path / "services" / "cart" / "built").exists()
    assert publisher.calls == [("lookup", "cart")]
    assert result.extra["services"]["cart"]["image"]["digest"] == DIGEST


def test_new_inputs_are_built_then_imaged_then_pushed(tmp_path):
    publisher = RecordingPublisher()
    stages = (Stage.BUILD, Stage.IMAGE, Stage.PUSH)
    result, _, _ = run(tmp_path, build_plan(["cart"]), stages=stages, images=publisher)
    assert [stage_of(result, "cart", s).status for s in stages] == [Status.PASSED] * 3
    assert (tmp_path / "services" / "cart" / "built").exists()
    assert publisher.calls == [("lookup", "cart"), ("build", "cart"), ("push", "cart")]
    assert result.extra["services"]["cart"]["image"] == {
        "ref": f"reg/cart:abc@{DIGEST}",
        "digest": DIGEST,
        "input_digest": INPUTS,
    }


def test_the_image_log_keeps_what_the_lookup_said_before_the_build(tmp_path):
    stages = (Stage.IMAGE, Stage.PUSH)
    result, _, _ = run(tmp_path, {}, stages=stages, images=RecordingPublisher())
    log = stage_of(result, "cart", Stage.IMAGE).log_path
    assert log is not None
    assert log.read_text() == "inputs not shipped yet\nassembled\n"


def test_the_image_stage_without_a_registry_fails_saying_so(tmp_path):
    result, _, _ = run(tmp_path, build_plan(["cart"]), stages=(Stage.BUILD, Stage.IMAGE))
    image = stage_of(result, "cart", Stage.IMAGE)
    assert image.status is Status.FAILED
    assert "needs a registry" in (image.reason or "")


def test_one_commit_records_every_service_whose_manifest_passed(tmp_path):
    publisher, release = RecordingPublisher(failing_push={"ads"}), RecordingRelease()
    stages = (Stage.BUILD, Stage.IMAGE, Stage.PUSH, Stage.MANIFEST, Stage.COMMIT)
    names = ("cart", "ads", "email")
    result, _, _ = run(
        tmp_path,
        build_plan(names),
        names=names,
        stages=stages,
        images=publisher,
        release=release,
        keep_going=True,
    )
    assert release.commits == [[f"cart={DIGEST}", f"email={DIGEST}"]]
    assert stage_of(result, "cart", Stage.COMMIT).status is Status.PASSED
    assert stage_of(result, "ads", Stage.PUSH).status is Status.FAILED
    assert stage_of(result, "ads", Stage.COMMIT).status is Status.SKIPPED
    assert result.extra["gitops"]["commit"] == "c0ffee"


def test_a_failed_commit_fails_the_commit_stage_of_every_service_in_it(tmp_path):
    class Refusing(RecordingRelease):
        async def commit(self, updates, log):
            raise ImageError("push rejected: conflict in argocd/envs/dev/cart.yaml")

    stages = (Stage.IMAGE, Stage.PUSH, Stage.MANIFEST, Stage.COMMIT)
    result, _, _ = run(
        tmp_path,
        {},
        names=("cart",),
        stages=stages,
        images=RecordingPublisher(),
        release=Refusing(),
    )
    commit = stage_of(result, "cart", Stage.COMMIT)
    assert commit.status is Status.FAILED
    assert "conflict" in (commit.reason or "")
    assert result.failed
