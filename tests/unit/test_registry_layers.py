"""Layers are reproducible: same files, same bytes; every source of drift is pinned."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tarfile
from pathlib import Path

import pytest

from pipelines.registry import LayerDir, LayerFile, LayerSymlink, Owner, build_layer
from pipelines.registry.layers import files_from_directory

EPOCH = 1_714_566_600


def members(data: bytes) -> list[tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tar:
        return tar.getmembers()


def test_same_files_give_the_same_bytes_and_digests() -> None:
    files = {"app/b": b"2", "app/a": b"1", "etc/x.conf": "text"}
    first = build_layer(files, epoch=EPOCH)
    second = build_layer(dict(reversed(list(files.items()))), epoch=EPOCH)
    assert first == second


def test_digest_names_the_compressed_bytes_and_diff_id_the_tar() -> None:
    layer = build_layer({"a": b"x"}, epoch=EPOCH)
    assert layer.digest == "sha256:" + hashlib.sha256(layer.data).hexdigest()
    assert layer.diff_id == "sha256:" + hashlib.sha256(gzip.decompress(layer.data)).hexdigest()
    assert layer.size == len(layer.data)


def test_entries_are_sorted_with_parent_directories_and_pinned_metadata() -> None:
    layer = build_layer(
        {"app/bin/server": LayerFile(b"#!", mode=0o4755), "app/a.txt": b"a"},
        epoch=EPOCH,
        owner=Owner(65532, 65532),
    )
    found = [
        (m.name, m.type, oct(m.mode), m.uid, m.gid, m.mtime, m.uname) for m in members(layer.data)
    ]
    assert found == [
        ("app", tarfile.DIRTYPE, "0o755", 0, 0, EPOCH, ""),
        ("app/a.txt", tarfile.REGTYPE, "0o644", 65532, 65532, EPOCH, ""),
        ("app/bin", tarfile.DIRTYPE, "0o755", 0, 0, EPOCH, ""),
        ("app/bin/server", tarfile.REGTYPE, "0o4755", 65532, 65532, EPOCH, ""),
    ]


def test_gzip_header_carries_no_time_and_no_name() -> None:
    data = build_layer({"a": b"x"}, epoch=EPOCH).data
    assert data[:3] == b"\x1f\x8b\x08"
    assert data[3] == 0  # flags: no FNAME
    assert data[4:8] == b"\0\0\0\0"  # mtime


def test_a_different_epoch_changes_the_digest() -> None:
    assert build_layer({"a": b"x"}, epoch=EPOCH).digest != build_layer({"a": b"x"}, epoch=1).digest


def test_host_files_keep_only_the_executable_bit_not_their_times(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    tool = tmp_path / "bin" / "tool"
    tool.write_bytes(b"run")
    tool.chmod(0o700)
    note = tmp_path / "note.txt"
    note.write_bytes(b"n")
    note.chmod(0o600)
    (tmp_path / "link").symlink_to("note.txt")
    first = build_layer(files_from_directory(tmp_path, "/app"), epoch=EPOCH)
    os.utime(tool, (1, 1))

    second = build_layer(files_from_directory(tmp_path, "/app"), epoch=EPOCH)

    assert first.digest == second.digest
    modes = {m.name: (oct(m.mode), m.linkname) for m in members(first.data)}
    assert modes["app/bin/tool"] == ("0o755", "")
    assert modes["app/note.txt"] == ("0o644", "")
    assert modes["app/link"] == ("0o777", "note.txt")
    assert isinstance(files_from_directory(tmp_path, "app")["app/link"], LayerSymlink)


@pytest.mark.parametrize("path", ["../etc/passwd", "app/../../x", "/", ""])
def test_paths_escaping_the_root_are_rejected(path: str) -> None:
    with pytest.raises(ValueError, match="relative path"):
        build_layer({path: b"x"}, epoch=EPOCH)


def test_a_layer_cache_gives_the_same_layer_without_compressing_again(tmp_path):
    files = {"app/a.bin": bytes(range(256)) * 64}
    first = build_layer(files, epoch=EPOCH, cache_dir=tmp_path)
    (cached,) = tmp_path.iterdir()
    assert cached.read_bytes() == first.data
    assert build_layer(files, epoch=EPOCH, cache_dir=tmp_path) == first


def test_a_damaged_cache_entry_is_not_trusted(tmp_path):
    files = {"app/a.bin": b"payload" * 100}
    first = build_layer(files, epoch=EPOCH, cache_dir=tmp_path)
    (cached,) = tmp_path.iterdir()
    cached.write_bytes(first.data[:-8])
    assert build_layer(files, epoch=EPOCH, cache_dir=tmp_path) == first
    assert cached.read_bytes() == first.data  # written again, whole


def test_an_entry_may_have_its_own_owner():
    layer = build_layer(
        {
            "home/nonroot": LayerDir(0o700, owner=Owner(65532, 65532)),
            "app/a": b"x",
        },
        epoch=EPOCH,
    )
    owners = {m.name: (m.uid, m.gid, m.mode) for m in members(layer.data)}
    assert owners["home/nonroot"] == (65532, 65532, 0o700)
    assert owners["app/a"][:2] == (0, 0)
    assert owners["home"][:2] == (0, 0)
