"""Parsing `git diff --name-status -z`: statuses, renames, copies, paths with odd characters."""

from __future__ import annotations

import pytest

from pipelines.errors import PlanError
from pipelines.plan.changes import parse_name_status
from pipelines.plan.model import Change


def test_modified_added_deleted_are_one_path_each() -> None:
    out = "M\0services/cart/main.go\0A\0proto/new.proto\0D\0services/pay/old.go\0"
    assert parse_name_status(out) == (
        Change("M", "services/cart/main.go"),
        Change("A", "proto/new.proto"),
        Change("D", "services/pay/old.go"),
    )


def test_rename_keeps_both_paths() -> None:
    (change,) = parse_name_status("R087\0services/a/x.go\0services/b/x.go\0")
    assert change == Change("R", "services/b/x.go", "services/a/x.go")
    assert change.paths() == ("services/a/x.go", "services/b/x.go")


def test_copy_touches_only_the_new_path() -> None:
    (change,) = parse_name_status("C100\0services/a/x.go\0services/b/x.go\0")
    assert change.paths() == ("services/b/x.go",)


def test_paths_with_spaces_tabs_and_newlines_are_kept_verbatim() -> None:
    out = "M\0services/cart/a b\tc\nd.txt\0"
    assert parse_name_status(out)[0].path == "services/cart/a b\tc\nd.txt"


def test_empty_output_is_no_change() -> None:
    assert parse_name_status("") == ()


@pytest.mark.parametrize("out", ["M", "R100\0only-old\0"])
def test_truncated_output_is_a_plan_error(out: str) -> None:
    with pytest.raises(PlanError, match="truncated"):
        parse_name_status(out)
