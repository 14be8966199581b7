"""The image recipe: what goes under /app, what stays out, and how the image starts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipelines.catalog.loader import load_service
from pipelines.images.recipe import ImageError, ImageMeta, image_recipe, runtime_entries
from pipelines.registry.layers import LayerFile, LayerSymlink
from pipelines.toolchains.base import Runtime

META = ImageMeta(
    "https://example.com/shop.git", "a" * 40, "1.2.3", datetime(2026, 1, 2, tzinfo=UTC)
)


def _node_lock(dev: list[str]) -> str:
    packages = {"": {"name": "svc"}, "node_modules/grpc": {"version": "1.0.0"}}
    packages.update({f"node_modules/{name}": {"version": "1.0.0", "dev": True} for name in dev})
    packages["node_modules/grpc/node_modules/eslint"] = {"version": "1", "dev": True}
    return json.dumps({"lockfileVersion": 3, "packages": packages})


def _write(path: Path, text: str = "x", mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


def test_a_binary_goes_under_app_and_becomes_the_absolute_entrypoint(make_service, tmp_path):
    folder = make_service("cart", "go")
    _write(folder / "bin" / "cart", "ELF", 0o755)
    service = load_service(folder / "service.yaml", tmp_path)
    runtime = Runtime("static", ("bin/cart",), ("bin/cart", "--serve"))
    recipe = image_recipe(service, runtime, tmp_path, META)
    assert set(recipe.entries) == {"app/bin/cart"}
    assert recipe.entries["app/bin/cart"] == LayerFile(folder / "bin" / "cart", mode=0o755)
    assert recipe.config.entrypoint == ("/app/bin/cart", "--serve")
    assert recipe.config.workdir == "/app"
    assert recipe.config.user == "65532:65532"
    assert recipe.config.exposed_ports == ("8080",)


def test_an_interpreter_stays_on_the_bases_path(make_service, tmp_path):
    folder = make_service("ad", "java")
    _write(folder / "target" / "ad.jar")
    service = load_service(folder / "service.yaml", tmp_path)
    runtime = Runtime("jre", ("target/ad.jar",), ("java", "-jar", "target/ad.jar"))
    assert image_recipe(service, runtime, tmp_path, META).config.entrypoint == (
        "java",
        "-jar",
        "target/ad.jar",
    )


def test_labels_and_timestamps_come_from_the_commit(make_service, tmp_path):
    folder = make_service("cart", "go")
    _write(folder / "bin" / "cart")
    service = load_service(folder / "service.yaml", tmp_path)
    recipe = image_recipe(service, Runtime("static", ("bin/cart",), ("bin/cart",)), tmp_path, META)
    labels = dict(recipe.config.labels)
    assert labels["org.opencontainers.image.revision"] == "a" * 40
    assert labels["org.opencontainers.image.version"] == "1.2.3"
    assert labels["org.opencontainers.image.created"] == "2026-01-02T00:00:00Z"
    assert recipe.config.created == META.created


def test_a_missing_build_output_fails_naming_the_file(make_service, tmp_path):
    folder = make_service("cart", "go")
    service = load_service(folder / "service.yaml", tmp_path)
    with pytest.raises(ImageError, match="'bin/cart' not found; run the build stage first"):
        image_recipe(service, Runtime("static", ("bin/cart",), ("bin/cart",)), tmp_path, META)


def test_npm_dev_packages_and_bin_links_stay_out_of_the_image(tmp_path):
    _write(tmp_path / "package-lock.json", _node_lock(["eslint", "@types/node"]))
    _write(tmp_path / "package.json", "{}")
    for name in ("grpc", "eslint", "@types/node", "grpc/node_modules/eslint"):
        _write(tmp_path / "node_modules" / name / "index.js")
    (tmp_path / "node_modules" / ".bin").mkdir()
    (tmp_path / "node_modules" / ".bin" / "eslint").symlink_to("../eslint/index.js")
    runtime = Runtime(
        "node",
        ("package.json", "node_modules/**"),
        ("node", "index.js"),
        exclude=("node_modules/.bin",),
        npm_lockfile="package-lock.json",
    )
    entries = runtime_entries(tmp_path, runtime, label="svc")
    assert set(entries) == {"package.json", "node_modules/grpc/index.js"}


def test_a_symlink_inside_the_tree_is_kept_and_one_leaving_it_is_followed(tmp_path):
    outside = tmp_path / "shared.txt"
    _write(outside, "shared")
    service = tmp_path / "svc"
    _write(service / "dist" / "a.txt", "a")
    (service / "dist" / "b.txt").symlink_to("a.txt")
    (service / "dist" / "c.txt").symlink_to(outside)
    entries = runtime_entries(service, Runtime("python", ("dist/**",), ("x",)), label="svc")
    assert entries["dist/b.txt"] == LayerSymlink("a.txt")
    assert entries["dist/c.txt"] == LayerFile(outside.resolve(), mode=0o644)


def test_assets_from_the_repository_land_where_the_image_env_points(make_service, tmp_path):
    folder = make_service("payment", "node")
    _write(folder / "src" / "index.js")
    _write(tmp_path / "proto" / "commerce" / "v1" / "commerce.proto", "syntax")
    service = load_service(folder / "service.yaml", tmp_path)
    runtime = Runtime(
        "node",
        ("src/**",),
        ("node", "src/index.js"),
        assets=(("proto", "proto"),),
        image_env=(("PROTO_DIR", "/app/proto"),),
    )
    recipe = image_recipe(service, runtime, tmp_path, META)
    assert "app/proto/commerce/v1/commerce.proto" in recipe.entries
    assert ("PROTO_DIR", "/app/proto") in recipe.config.env
    assert ("PORT", "8080") in recipe.config.env
