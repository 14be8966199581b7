"""The simple service.yaml reader never disagrees with the loader: what it accepts, the loader
accepts with the same fields; everything else it leaves to the loader (None)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from pipelines.catalog import LANGUAGES as MODEL_LANGUAGES
from pipelines.catalog.index import _record
from pipelines.catalog.layout import LANGUAGES
from pipelines.catalog.loader import spec_from_text
from pipelines.catalog.simple import simple_record
from pipelines.errors import ConfigError

PROJECT = Path(__file__).resolve().parents[2]

DESCRIPTION = "description: Per-user shopping carts in Redis over gRPC (cart, items)"
PLAIN = """\
name: cart
language: go
description: Per-user shopping carts in Redis over gRPC (cart, items)
port: 7070
inputs: [proto/**, libs/go/**]
depends_on: [product-catalog]
image:
  repository: commerce/cart
"""


def loader_record(text: str, name: str = "cart") -> dict | None:
    """What the catalog index keeps of the loader's reading; None when it refuses the file."""
    path = Path("/repo/services") / name / "service.yaml"
    try:
        return _record(spec_from_text(text, path, Path("/repo")))
    except ConfigError:
        return None


def agrees(text: str) -> bool:
    """The property: simple accepts only what the loader accepts, with the same fields."""
    simple = simple_record(text)
    if simple is None:
        return True
    return loader_record(text, str(simple["name"])) == simple


def test_the_languages_are_the_models() -> None:
    assert LANGUAGES == MODEL_LANGUAGES


def test_every_service_of_this_repository_is_read_without_the_loader() -> None:
    files = sorted((PROJECT / "services").glob("*/service.yaml"))
    assert files
    for file in files:
        text = file.read_text(encoding="utf-8")
        assert simple_record(text) is not None, file
        assert loader_record(text, file.parent.name) == simple_record(text), file


@pytest.mark.parametrize(
    "text",
    [
        PLAIN,
        PLAIN.replace("inputs: [proto/**, libs/go/**]", "inputs:\n  - proto/**\n  - libs/go/**"),
        PLAIN.replace("inputs: [proto/**, libs/go/**]", "inputs:\n- proto/**\n- libs/go/**"),
        PLAIN.replace("inputs: [proto/**, libs/go/**]", "inputs: []"),
        "# the cart\n" + PLAIN.replace("port: 7070", "port: 7070  # gRPC"),
        PLAIN.replace("name: cart", 'name: "cart"'),
        PLAIN.replace("Per-user shopping carts in Redis over gRPC (cart, items)", "'it''s: carts'"),
        PLAIN.replace("Per-user", "Größe #1 per-user"),
        PLAIN + "\n\n",
        PLAIN.replace("image:\n  repository: commerce/cart", "image:\n    repository: c/cart"),
    ],
)
def test_plain_spellings_are_read_and_agree_with_the_loader(text: str) -> None:
    assert simple_record(text) is not None
    assert agrees(text)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # Scalars YAML 1.1 reads as something other than a string or a decimal integer.
        (DESCRIPTION, "description: yes"),
        (DESCRIPTION, "description: ~"),
        (DESCRIPTION, "description: 1.5"),
        ("name: cart", "name: 2024-01-01"),
        ("port: 7070", "port: 0x1B9E"),
        ("port: 7070", "port: 7_070"),
        ("port: 7070", "port: 07070"),
        ("port: 7070", "port: 1:57:50"),
        ("port: 7070", 'port: "7070"'),
        ("port: 7070", "port: !!int 7070"),
        # Syntax outside the plain part.
        ("name: cart", "name: &n cart"),
        ("depends_on: [product-catalog]", "depends_on: [*n]"),
        ("image:\n  repository: commerce/cart", "image: {repository: commerce/cart}"),
        ("description: Per-user", "description: |\n  Per-user"),
        ("description: Per-user", "description: >\n  Per-user"),
        ("(cart, items)", "(cart,\n  items)"),
        ("inputs: [proto/**, libs/go/**]", "inputs: [proto/**,\n  libs/go/**]"),
        ("name: cart", "---\nname: cart"),
        ("name: cart", "name: cart\nname: cart"),
        ("name: cart", "name:\tcart"),
        ("name: cart\n", "name: cart\r\n"),
        ("name: cart", "\ufeffname: cart"),
        ("name: cart", "name : cart"),
        ("name: cart", '"name": cart'),
        ("description: Per-user", 'description: "Per-user \\u00e9'),
        ("description: Per-user", "description: a: b"),
        # Breaks of the contract the loader must name.
        ("port: 7070", "port: 0"),
        ("port: 7070", "port: 70000"),
        ("name: cart", "name: Cart"),
        ("language: go", "language: golang"),
        ("inputs: [proto/**, libs/go/**]", "inputs: [../secrets/**]"),
        ("inputs: [proto/**, libs/go/**]", "inputs: [/etc/**]"),
        ("inputs: [proto/**, libs/go/**]", "inputs:"),
        ("depends_on: [product-catalog]", "depends_on: [Product]"),
        ("  repository: commerce/cart", "  repository: Commerce/Cart"),
        ("  repository: commerce/cart", "  repository: commerce/cart\n  tag: v1"),
        ("image:\n  repository: commerce/cart", "image: commerce/cart"),
        ("port: 7070", "port: 7070\ncommands:\n  test: [go, test, ./...]"),
        ("port: 7070", "port: 7070\nimagee: x"),
        ("port: 7070\n", ""),
    ],
)
def test_anything_outside_the_plain_part_is_left_to_the_loader(old: str, new: str) -> None:
    text = PLAIN.replace(old, new)
    assert text != PLAIN
    assert simple_record(text) is None
    assert agrees(text)


def test_a_long_description_is_left_to_the_loader_at_its_limit() -> None:
    at_limit = PLAIN.replace("Per-user shopping carts in Redis over gRPC (cart, items)", "d" * 200)
    assert simple_record(at_limit) is not None and agrees(at_limit)
    assert simple_record(at_limit.replace("d" * 200, "d" * 201)) is None


_ALPHABET = " :#-[]{},'\"!&*|>%@`?~\t\n\\.0123456789abcxyzAB_/é"


def _mutations(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(text) + 1)
        roll = rng.random()
        if roll < 0.4:
            text = text[:i] + rng.choice(_ALPHABET) + text[i:]
        elif roll < 0.7 and text:
            text = text[:i] + text[i + 1 :]
        elif roll < 0.85:
            lines = text.split("\n")
            j = rng.randrange(len(lines))
            lines.insert(j, rng.choice(lines))
            text = "\n".join(lines)
        else:
            lines = text.split("\n")
            j = rng.randrange(len(lines))
            lines[j] = " " * rng.randint(0, 4) + lines[j].lstrip(" ")
            text = "\n".join(lines)
    return text


def test_thousands_of_mutated_files_never_make_the_two_disagree() -> None:
    rng = random.Random(14)
    seeds = [PLAIN] + [
        p.read_text(encoding="utf-8") for p in sorted((PROJECT / "services").glob("*/*.yaml"))
    ]
    accepted = 0
    for n in range(4000):
        text = _mutations(seeds[n % len(seeds)], rng)
        assert agrees(text), repr(text)
        accepted += simple_record(text) is not None
    # The property is not met by refusing everything: many mutations stay plain and valid.
    assert accepted > 400
