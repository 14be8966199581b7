"""The catalog index `plan` and `services` read: the loader's answers, cached by blob id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.catalog import load_catalog
from pipelines.catalog.index import CACHE_FILE, blob_id, load_index
from pipelines.errors import ConfigError

WITH_INPUTS = """\
name: cart
language: go
description: Shopping cart
port: 8080
inputs: [proto/**]
depends_on: [ad]
image:
  repository: commerce/cart
"""


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / ".cache"


def test_blob_id_is_the_one_git_gives() -> None:
    # `printf 'hello\n' | git hash-object --stdin`
    assert blob_id(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"


def test_the_index_has_the_rows_and_inputs_load_catalog_has(tmp_path, make_service, cache):
    make_service(name="ad", language="java")
    make_service(text=WITH_INPUTS)
    index = load_index(tmp_path, cache_dir=cache)
    catalog = load_catalog(tmp_path)
    assert index.rows() == catalog.rows()
    assert [(s.name, s.path, s.inputs, s.lockfile) for s in index] == [
        (s.name, s.path, s.inputs, s.lockfile) for s in catalog
    ]


def test_a_second_load_is_served_from_the_cache(tmp_path, make_service, cache):
    make_service(name="cart")
    first = load_index(tmp_path, cache_dir=cache)
    cached = json.loads((cache / CACHE_FILE).read_text())
    assert list(cached["entries"]) == ["services/cart/service.yaml"]
    # A record the loader never wrote proves the hit: the file is not parsed again.
    cached["entries"]["services/cart/service.yaml"]["spec"]["description"] = "from the cache"
    (cache / CACHE_FILE).write_text(json.dumps(cached))
    second = load_index(tmp_path, cache_dir=cache)
    assert second.rows()[0]["description"] == "from the cache"
    assert first.rows()[0]["description"] != "from the cache"


def test_an_edited_file_is_validated_again_not_served_stale(tmp_path, make_service, cache):
    folder = make_service(name="cart")
    load_index(tmp_path, cache_dir=cache)
    text = (folder / "service.yaml").read_text().replace("port: 8080", "port: 9090")
    (folder / "service.yaml").write_text(text)
    assert load_index(tmp_path, cache_dir=cache).rows()[0]["port"] == 9090


def test_an_edit_that_breaks_the_file_is_the_loaders_error(tmp_path, make_service, cache):
    folder = make_service(name="cart")
    load_index(tmp_path, cache_dir=cache)
    (folder / "service.yaml").write_text("name: cart\nlanguage: go\nport: x\n")
    with pytest.raises(ConfigError) as indexed:
        load_index(tmp_path, cache_dir=cache)
    with pytest.raises(ConfigError) as loaded:
        load_catalog(tmp_path)
    assert str(indexed.value) == str(loaded.value)


def test_a_lockfile_removed_after_caching_is_still_an_error(tmp_path, make_service, cache):
    folder = make_service(name="cart")
    load_index(tmp_path, cache_dir=cache)
    (folder / "go.mod").unlink()
    with pytest.raises(ConfigError, match="needs a lockfile"):
        load_index(tmp_path, cache_dir=cache)


def test_a_dependency_removed_after_caching_is_still_an_error(tmp_path, make_service, cache):
    make_service(name="ad", language="java")
    make_service(text=WITH_INPUTS)
    load_index(tmp_path, cache_dir=cache)
    (tmp_path / "services" / "ad" / "service.yaml").unlink()
    with pytest.raises(ConfigError, match=r"depends_on\[0\]: unknown service 'ad'"):
        load_index(tmp_path, cache_dir=cache)


def test_a_folder_renamed_after_caching_is_checked_against_its_new_name(
    tmp_path, make_service, cache
):
    folder = make_service(name="cart")
    load_index(tmp_path, cache_dir=cache)
    folder.rename(folder.with_name("basket"))
    with pytest.raises(ConfigError, match="must equal its folder name 'basket'"):
        load_index(tmp_path, cache_dir=cache)


def test_a_corrupt_cache_is_ignored_and_rewritten(tmp_path, make_service, cache):
    make_service(name="cart")
    cache.mkdir()
    (cache / CACHE_FILE).write_text("{not json")
    assert load_index(tmp_path, cache_dir=cache).names() == ("cart",)
    assert json.loads((cache / CACHE_FILE).read_text())["entries"]


def test_a_cache_of_other_contract_code_is_not_used(tmp_path, make_service, cache):
    make_service(name="cart")
    load_index(tmp_path, cache_dir=cache)
    cached = json.loads((cache / CACHE_FILE).read_text())
    cached["contract"] = "0" * 40
    cached["entries"]["services/cart/service.yaml"]["spec"]["description"] = "stale"
    (cache / CACHE_FILE).write_text(json.dumps(cached))
    assert load_index(tmp_path, cache_dir=cache).rows()[0]["description"] != "stale"
