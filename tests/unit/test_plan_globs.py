"""Repository globs: `*` stays in one segment, `**` spans segments, folders cover their files."""

from __future__ import annotations

import pytest

from pipelines.plan.globs import ancestors, compile_glob, literal_prefix


@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        ("proto/**", "proto/cart.proto"),
        ("proto/**", "proto/v1/deep/cart.proto"),
        ("proto/*.proto", "proto/cart.proto"),
        ("**/*.proto", "cart.proto"),
        ("**/*.proto", "a/b/cart.proto"),
        ("a/**/b", "a/b"),
        ("a/**/b", "a/x/y/b"),
        ("a/**/b/*.txt", "a/x/b/c.txt"),
        ("libs/common", "libs/common/util.py"),
        ("libs/common/", "libs/common/util.py"),
        ("./libs//common", "libs/common/util.py"),
        ("docs/?.md", "docs/a.md"),
        ("docs/[ab].md", "docs/b.md"),
        ("docs/[!ab].md", "docs/c.md"),
        ("a**b", "axyb"),
        ("shared/*", "shared/deep/file"),
        ("weird/[x", "weird/[x"),
        ("with space/*", "with space/f i le"),
    ],
)
def test_glob_matches(pattern: str, path: str) -> None:
    assert compile_glob(pattern).matches(path)


@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        ("proto/*.proto", "proto/v1/cart.proto"),
        ("proto/**", "protocols/cart.proto"),
        ("proto/**", "other/proto/cart.proto"),
        ("a/**/b", "a/x/yb"),
        ("libs/common", "libs/commonx/util.py"),
        ("docs/?.md", "docs/ab.md"),
        ("docs/?", "docs"),
        ("docs/[!ab].md", "docs/a.md"),
        ("docs/[!ab]x", "docs//x"),
        ("a**b", "ax/yb"),
        ("*.md", "docs/readme.txt"),
        ("proto/*.proto", "proto/cart.protox"),
    ],
)
def test_glob_does_not_match(pattern: str, path: str) -> None:
    assert not compile_glob(pattern).matches(path)


def test_star_does_not_cross_a_slash_unlike_fnmatch() -> None:
    import fnmatch

    assert fnmatch.fnmatch("proto/v1/cart.proto", "proto/*.proto")
    assert not compile_glob("proto/*.proto").matches("proto/v1/cart.proto")


@pytest.mark.parametrize(
    ("pattern", "prefix", "literal"),
    [
        ("proto/**", "proto", False),
        ("proto/v1/*.proto", "proto/v1", False),
        ("**/*.proto", "", False),
        ("libs/common", "libs/common", True),
        ("./libs/common/", "libs/common", True),
        ("a/b*/c", "a", False),
    ],
)
def test_literal_prefix_is_the_directory_a_glob_is_pinned_under(
    pattern: str, prefix: str, literal: bool
) -> None:
    assert literal_prefix(pattern) == (prefix, literal)


def test_ancestors_lists_root_each_directory_then_the_path() -> None:
    assert ancestors("a/b/c.txt") == ["", "a", "a/b", "a/b/c.txt"]
    assert ancestors("top.txt") == ["", "top.txt"]


def test_empty_glob_is_refused() -> None:
    with pytest.raises(ValueError, match="empty glob"):
        compile_glob("./")
