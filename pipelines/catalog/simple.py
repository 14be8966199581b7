"""A quick first reading of service.yaml, for the files that need no explaining.

A cold `plan` on 500 services would spend most of its time importing pydantic and PyYAML and
running them over every file. Almost every service.yaml is written in a small, plain part of
YAML: `key: value` lines, one nested mapping (`image:`), lists in brackets or as `- item` lines.
`simple_record` reads exactly that part and checks the contract (`model.ServiceSpec`) in plain
Python, and answers None for anything else: any construct outside that part, any scalar YAML
might read as something other than a string (`yes`, `~`, `0x1F`, `2024-01-01`), and any file
that breaks a rule. None sends the file to the real loader, which accepts it or names the file
and field that is wrong, as it always did. So this reader never decides that a file is bad and
never accepts one the loader would refuse; `tests/unit/test_catalog_simple.py` holds it to that
against the loader on every construct and on thousands of mutated files.
"""

from __future__ import annotations

import re

from pipelines.catalog.layout import DNS_LABEL, LANGUAGES, REPOSITORY, check_repo_glob

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_KEY = re.compile(r"([a-z_]+):(?: +(.*))?")
#: First characters YAML reads as syntax when they open a plain scalar.
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
#: First characters of every scalar YAML 1.1 may resolve to a number, bool, null, date,
#: merge key or value key; a plain scalar opening with one is left to the loader, unless it
#: is a plain decimal integer.
_RESOLVED_FIRST = frozenset("+-.0123456789~<=")
#: Words YAML 1.1 reads as booleans or null, in any letter case (more than it does, to be safe).
_WORDS = frozenset(("yes", "no", "true", "false", "on", "off", "null", "y", "n"))
_INTEGER = re.compile(r"0|[1-9][0-9]*")
_REQUIRED = frozenset(("name", "language", "description", "port", "image"))
_OPTIONAL = frozenset(("inputs", "depends_on"))


class _Unsure(Exception):
    """Raised inside the reader for anything it leaves to the loader."""


def simple_record(text: str) -> dict[str, Any] | None:
    """The fields the catalog index keeps of a valid service.yaml (what `index._record` makes
    of the loader's ServiceSpec), or None when the loader must read the file."""
    try:
        return _contract(_document(text))
    except _Unsure:
        return None


def _document(text: str) -> dict[str, Any]:
    """The top-level mapping of `text`, read line by line."""
    document: dict[str, Any] = {}
    block: _Block | None = None
    for raw in text.split("\n"):
        line = _without_comment(raw)
        if not line:
            continue
        indent = len(line) - len(line.lstrip(" "))
        body = line[indent:]
        if block is not None and block.takes(indent, body):
            block.add(indent, body)
            continue
        if block is not None:
            document[block.key] = block.value()
            block = None
        if indent:
            raise _Unsure  # a continuation line, or indentation this reader does not follow
        key, value = _key_value(body)
        if key in document:
            raise _Unsure  # the loader refuses duplicate keys, naming them
        if value is None:
            block = _Block(key)
            document[key] = None
        else:
            document[key] = _value(value)
    if block is not None:
        document[block.key] = block.value()
    return document


def _without_comment(raw: str) -> str:
    """The line without its comment and trailing spaces; tabs, control characters and a
    `#` near a quote are left to the loader."""
    if not raw.isprintable():
        raise _Unsure
    if "#" in raw:
        if raw.lstrip(" ").startswith("#"):
            return ""
        cut = raw.find(" #")
        if cut >= 0:
            if "'" in raw[:cut] or '"' in raw[:cut]:
                raise _Unsure
            raw = raw[:cut]
    return raw.rstrip(" ")


def _key_value(body: str) -> tuple[str, str | None]:
    match = _KEY.fullmatch(body)
    if match is None:
        raise _Unsure
    return match.group(1), match.group(2)


class _Block:
    """The lines under a `key:` with no value: a list of `- item` or a mapping of scalars."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.indent: int | None = None
        self.items: list[Any] = []
        self.mapping: dict[str, Any] = {}

    def takes(self, indent: int, body: str) -> bool:
        """Whether the line belongs here: indented, or an unindented `- item` (YAML lets a
        mapping's list sit at the key's own indentation)."""
        return indent > 0 or (body.startswith("-") and not self.mapping)

    def add(self, indent: int, body: str) -> None:
        if self.indent is None:
            self.indent = indent
        elif indent != self.indent:
            raise _Unsure
        if body == "-" or body.startswith("- "):
            if self.mapping:
                raise _Unsure
            self.items.append(_value(body[1:].lstrip(" "), nested=False))
            return
        if self.items:
            raise _Unsure
        key, value = _key_value(body)
        if key in self.mapping or value is None:
            raise _Unsure
        self.mapping[key] = _value(value, nested=False)

    def value(self) -> Any:
        if self.items:
            return self.items
        if self.mapping:
            return self.mapping
        raise _Unsure  # `key:` alone is null


def _value(text: str, nested: bool = True) -> Any:
    """A scalar, or a one-line flow list where `nested` allows one."""
    if not text:
        raise _Unsure
    first = text[0]
    if first == "[" and nested:
        return _flow_list(text)
    if first == '"':
        return _double_quoted(text)
    if first == "'":
        return _single_quoted(text)
    return _plain(text, "[]{}")


def _flow_list(text: str) -> list[Any]:
    if not text.endswith("]"):
        raise _Unsure
    inner = text[1:-1]
    if not inner.strip(" "):
        return []
    return [_plain(item.strip(" "), "[]{}:'\"") for item in inner.split(",")]


def _double_quoted(text: str) -> str:
    inner = text[1:-1]
    if len(text) < 2 or not text.endswith('"') or '"' in inner or "\\" in inner:
        raise _Unsure
    return inner


def _single_quoted(text: str) -> str:
    inner = text[1:-1]
    if len(text) < 2 or not text.endswith("'") or "'" in inner.replace("''", ""):
        raise _Unsure
    return inner.replace("''", "'")


def _plain(text: str, forbidden: str) -> Any:
    """A plain scalar as YAML 1.1 reads it, when that is sure: a decimal integer or a string."""
    if not text or text[0] in _INDICATORS or any(c in text for c in forbidden):
        raise _Unsure
    if ": " in text or text.endswith(":"):
        raise _Unsure
    if _INTEGER.fullmatch(text):
        return int(text)
    if text[0] in _RESOLVED_FIRST or text.lower() in _WORDS:
        raise _Unsure
    return text


def _contract(document: dict[str, Any]) -> dict[str, Any]:
    """`model.ServiceSpec`'s rules in plain Python; `commands` is left to the loader."""
    keys = set(document)
    if not keys >= _REQUIRED or not keys <= _REQUIRED | _OPTIONAL:
        raise _Unsure
    name, language = document["name"], document["language"]
    description, port, image = document["description"], document["port"], document["image"]
    inputs, depends_on = document.get("inputs", []), document.get("depends_on", [])
    if not (
        _label(name)
        and language in LANGUAGES
        and type(description) is str
        and 1 <= len(description) <= 200
        and type(port) is int
        and 1 <= port <= 65535
        and type(inputs) is list
        and all(_repo_glob(i) for i in inputs)
        and type(depends_on) is list
        and all(_label(d) for d in depends_on)
        and type(image) is dict
        and set(image) == {"repository"}
        and _repository(image["repository"])
    ):
        raise _Unsure
    return {
        "name": name,
        "language": language,
        "port": port,
        "image": image["repository"],
        "description": description,
        "inputs": inputs,
        "depends_on": depends_on,
    }


def _label(value: Any) -> bool:
    return type(value) is str and DNS_LABEL.fullmatch(value) is not None


def _repository(value: Any) -> bool:
    return type(value) is str and len(value) <= 255 and REPOSITORY.fullmatch(value) is not None


def _repo_glob(value: Any) -> bool:
    if type(value) is not str:
        return False
    try:
        check_repo_glob(value)
    except ValueError:
        return False
    return True
