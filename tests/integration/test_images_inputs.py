"""The input digest: equal inputs give equal digests; any input that can change the image
changes it; build outputs and ignored files do not."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from pipelines.catalog.loader import load_service
from pipelines.images.inputs import input_digest, input_tag
from pipelines.images.publisher import ImageInputs
from pipelines.stages import image_inputs
from pipelines.toolchains import toolchain_for
from pipelines.toolchains.base import ToolchainOptions

BASE = "sha256:" + "b" * 64


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, timeout=30)


@pytest.fixture
def repo(tmp_path: Path, make_service) -> Path:
    folder = make_service(
        "cart",
        "go",
        text="name: cart\nlanguage: go\ndescription: d\nport: 7070\ninputs: [proto/**]\n"
        "image:\n  repository: commerce/cart\n",
    )
    (folder / "main.go").write_text("package main\n")
    (folder / ".gitignore").write_text("bin/\n")
    (tmp_path / "proto").mkdir()
    (tmp_path / "proto" / "a.proto").write_text("syntax = 'proto3';\n")
    (tmp_path / "README.md").write_text("not an input\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "init")
    return tmp_path


def _inputs(root: Path, options: ToolchainOptions | None = None) -> ImageInputs:
    service = load_service(root / "services" / "cart" / "service.yaml", root)
    return image_inputs(service, toolchain_for(service), options or ToolchainOptions())


def _digest(root: Path, base: str = BASE) -> str:
    return input_digest(root, _inputs(root), base_digest=base)


def test_the_same_inputs_give_the_same_digest(repo):
    assert _digest(repo) == _digest(repo)
    assert _digest(repo).startswith("sha256:")


def test_a_changed_source_file_changes_the_digest(repo):
    before = _digest(repo)
    (repo / "services" / "cart" / "main.go").write_text("package main // changed\n")
    assert _digest(repo) != before


def test_a_changed_declared_input_outside_the_service_changes_the_digest(repo):
    before = _digest(repo)
    (repo / "proto" / "a.proto").write_text("syntax = 'proto3'; // v2\n")
    assert _digest(repo) != before


def test_a_new_untracked_source_file_counts(repo):
    before = _digest(repo)
    (repo / "services" / "cart" / "extra.go").write_text("package main\n")
    assert _digest(repo) != before


def test_build_outputs_and_unrelated_files_do_not_count(repo):
    before = _digest(repo)
    (repo / "services" / "cart" / "bin").mkdir()
    (repo / "services" / "cart" / "bin" / "cart").write_text("binary")
    (repo / "README.md").write_text("edited\n")
    assert _digest(repo) == before


def test_an_executable_bit_counts(repo):
    before = _digest(repo)
    (repo / "services" / "cart" / "main.go").chmod(0o755)
    assert _digest(repo) != before


def test_another_runtime_base_changes_the_digest(repo):
    assert _digest(repo) != _digest(repo, base="sha256:" + "c" * 64)


def test_the_offline_vulnerability_database_does_not_change_the_digest(repo):
    # It changes how SCA scans, never what the image holds: every runner shares one cache.
    offline = _inputs(repo, ToolchainOptions(offline_vulndb=True))
    online = _inputs(repo, ToolchainOptions(offline_vulndb=False))
    assert input_digest(repo, offline, base_digest=BASE) == input_digest(
        repo, online, base_digest=BASE
    )


def test_a_changed_build_command_changes_the_digest(repo):
    inputs = _inputs(repo)
    (build,) = inputs.build
    other = replace(inputs, build=(replace(build, argv=(*build.argv, "-race")),))
    assert input_digest(repo, other, base_digest=BASE) != _digest(repo)


def test_a_changed_runtime_recipe_changes_the_digest(repo):
    inputs = _inputs(repo)
    other = replace(inputs, runtime=replace(inputs.runtime, env=(("MODE", "fast"),)))
    assert input_digest(repo, other, base_digest=BASE) != _digest(repo)


def test_the_tag_is_the_digest_hex_under_a_prefix():
    assert input_tag("sha256:" + "0f" * 32) == "inputs-" + "0f" * 32
