"""The pure write-back transformer: only the image fields change, byte for byte."""

from __future__ import annotations

import difflib

import pytest

from pipelines.gitops.errors import ValuesFileError
from pipelines.gitops.values import (
    ImageFields,
    copy_image,
    image_with_digest,
    previous_image,
    read_image,
    set_image,
    values_path,
)

D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64
D3 = "sha256:" + "3" * 64
RELEASED = ImageFields("registry.local:5000/commerce/cart", "v1.2.3", D1)

VALUES = """\
# cart in dev: a comment people wrote.
name: cart
environment: dev

image:
  # Set by the release pipeline.
  repository: commerce/cart
  tag: unreleased   # aligned comment
  digest: ""

port: 7070
networkPolicy:
  allowFrom: [frontend, checkout]
env:
  FLAG: "true"
list:
  - a
  - b
"""


def changed_lines(before: str, after: str) -> list[str]:
    diff = difflib.ndiff(before.splitlines(), after.splitlines())
    return [line[0] + line[2:] for line in diff if line.startswith(("- ", "+ "))]


def test_set_image_changes_only_the_three_image_lines() -> None:
    after = set_image(VALUES, RELEASED)
    assert changed_lines(VALUES, after) == [
        "-  repository: commerce/cart",
        "-  tag: unreleased   # aligned comment",
        '-  digest: ""',
        "+  repository: registry.local:5000/commerce/cart",
        "+  tag: v1.2.3       # aligned comment",  # the comment keeps its column
        f'+  digest: "{D1}"',
    ]


def test_set_image_keeps_comments_blank_lines_flow_lists_and_quotes() -> None:
    after = set_image(VALUES, RELEASED)
    for kept in (
        "# cart in dev: a comment people wrote.\n",
        "  # Set by the release pipeline.\n",
        "  allowFrom: [frontend, checkout]\n",
        '  FLAG: "true"\n',
        "\nport: 7070\n",
        "  - a\n",
    ):
        assert kept in after


def test_set_image_then_read_image_round_trips() -> None:
    assert read_image(set_image(VALUES, RELEASED)) == RELEASED


def test_setting_the_same_image_twice_is_a_no_op() -> None:
    once = set_image(VALUES, RELEASED)
    assert set_image(once, RELEASED) == once


def test_a_numeric_looking_tag_stays_a_string() -> None:
    after = set_image(VALUES, ImageFields("commerce/cart", "1.10", D1))
    assert read_image(after).tag == "1.10"


def test_missing_image_fields_are_added_inside_the_image_block() -> None:
    text = "name: cart\nimage:\n  repository: commerce/cart\nport: 7070\n"
    after = set_image(text, RELEASED)
    assert after == (
        "name: cart\nimage:\n  repository: registry.local:5000/commerce/cart\n"
        f"  tag: v1.2.3\n  digest: {D1}\nport: 7070\n"
    )


def test_four_space_indentation_is_kept() -> None:
    text = "image:\n    repository: commerce/cart\n    tag: x\n    digest: ''\nitems:\n    - a\n"
    after = set_image(text, RELEASED)
    assert changed_lines(text, after) == [
        "-    repository: commerce/cart",
        "-    tag: x",
        "-    digest: ''",
        "+    repository: registry.local:5000/commerce/cart",
        "+    tag: v1.2.3",
        f"+    digest: '{D1}'",
    ]


def test_an_edit_that_would_reformat_other_lines_is_refused() -> None:
    text = "image:\n  tag: x\nodd: {a: 1,   b: 2}\n"
    with pytest.raises(ValuesFileError, match="would also rewrite the line"):
        set_image(text, RELEASED)


@pytest.mark.parametrize(
    "image",
    [
        ImageFields("commerce/cart", "v1", "sha256:short"),
        ImageFields("commerce/cart", "v1", "md5:" + "1" * 32),
        ImageFields("Commerce/Cart", "v1", D1),
        ImageFields("commerce/cart", "-bad", D1),
        ImageFields("commerce/cart", "v1\nx", D1),
    ],
)
def test_invalid_image_fields_are_rejected_before_any_edit(image: ImageFields) -> None:
    with pytest.raises(ValuesFileError, match="image\\."):
        set_image(VALUES, image)


def test_a_values_file_that_is_not_a_mapping_is_rejected() -> None:
    with pytest.raises(ValuesFileError, match="not a YAML mapping"):
        set_image("- a\n- b\n", RELEASED)


def test_copy_image_takes_all_three_fields_from_the_source() -> None:
    source = set_image(VALUES, RELEASED)
    target = VALUES.replace("environment: dev", "environment: prod")
    promoted, image = copy_image(source, target)
    assert image == RELEASED
    assert read_image(promoted) == RELEASED
    assert "environment: prod" in promoted


def test_copy_image_refuses_a_source_without_digest() -> None:
    with pytest.raises(ValuesFileError, match="no image digest to promote"):
        copy_image(VALUES, VALUES)


def test_previous_image_skips_versions_with_the_current_digest() -> None:
    history = [
        ImageFields("r/cart", "v3", D3),
        ImageFields("r/cart", "v3", D3),
        ImageFields("r/cart", "v2", D2),
        ImageFields("r/cart", "v1", D1),
    ]
    assert previous_image(history[0], history) == history[2]


def test_previous_image_is_none_without_an_earlier_digest() -> None:
    history = [ImageFields("r/cart", "v1", D1), ImageFields("commerce/cart", "unreleased", "")]
    assert previous_image(history[0], history) is None


def test_image_with_digest_returns_the_newest_version_that_ran_it() -> None:
    history = [ImageFields("r/cart", "v1-again", D1), ImageFields("r/cart", "v1", D1)]
    assert image_with_digest(D1, history) == history[0]
    assert image_with_digest(D2, history) is None


@pytest.mark.parametrize("bad", ["../etc", "Cart", "cart/x", ""])
def test_values_path_accepts_only_dns_labels(bad: str) -> None:
    with pytest.raises(ValuesFileError):
        values_path("dev", bad)
    assert values_path("prod", "fraud-detection") == "argocd/envs/prod/fraud-detection.yaml"


def test_short_form_shows_tag_and_twelve_digest_characters() -> None:
    assert RELEASED.short == "v1.2.3@sha256:111111111111"
