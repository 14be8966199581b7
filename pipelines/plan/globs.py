"""Repository globs with real `**` semantics, compiled once.

`fnmatch` lets `*` cross `/`, so `proto/*.proto` would also match `proto/v1/x.proto`; and
Python 3.11 has no `PurePath.full_match`. The rules here are gitignore's, which is what people
writing `inputs:` already know:

- `*` and `?` match within one path segment; `[abc]` / `[!abc]` is one character, never `/`;
- `**` as a whole segment matches zero or more segments (`a/**/b` matches `a/b` and `a/x/y/b`);
  `**` inside a segment (`a**b`) is an ordinary `*`;
- a pattern that matches a directory matches everything beneath it, so `proto`, `proto/` and
  `proto/**` mean the same thing. Changed paths are files, and a service listing a folder means
  "anything in that folder".

`literal_prefix` is what makes matching cheap: a glob can only match paths at or below the
directory its leading literal segments name, so the index looks globs up by that directory
instead of trying every glob on every path. For the same reason the regular expression is
compiled only when a path under that directory is tried (`re.compile` costs more than a whole
plan's matching), and `dir/**`, by far the commonest input, needs none at all.
"""

from __future__ import annotations

import functools
import re
from collections import namedtuple

_MAGIC = frozenset("*?[")


def _segments(pattern: str) -> list[str]:
    """Split on `/`, dropping empty and `.` segments so `./proto//x` equals `proto/x`."""
    return [s for s in pattern.split("/") if s not in ("", ".")]


def _is_magic(segment: str) -> bool:
    return any(c in _MAGIC for c in segment)


def _char_class(segment: str, start: int) -> tuple[str, int] | None:
    """Translate `[...]` beginning after the `[` at `start`; None when it never closes."""
    end = start
    if end < len(segment) and segment[end] in "!^":
        end += 1
    if end < len(segment) and segment[end] == "]":
        end += 1
    end = segment.find("]", end)
    if end < 0:
        return None
    body = segment[start:end]
    negate = body[:1] in ("!", "^")
    if negate:
        body = body[1:]
    escaped = "".join("\\" + c if c in "\\[]^" else c for c in body)
    return f"(?!/)[{'^' if negate else ''}{escaped}]", end + 1


def _translate_segment(segment: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(segment):
        c = segment[i]
        i += 1
        if c == "*":
            while i < len(segment) and segment[i] == "*":
                i += 1
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[" and (cls := _char_class(segment, i)) is not None:
            text, i = cls
            out.append(text)
        else:
            out.append(re.escape(c))
    return "".join(out)


def translate(pattern: str) -> str:
    """The regular expression (for `fullmatch`) of a repository glob."""
    segments = _segments(pattern)
    collapsed: list[str] = []
    for seg in segments:
        if not (seg == "**" and collapsed and collapsed[-1] == "**"):
            collapsed.append(seg)
    if not collapsed:
        raise ValueError(f"empty glob {pattern!r}")
    out: list[str] = []
    last = len(collapsed) - 1
    for index, seg in enumerate(collapsed):
        if seg == "**":
            if index == last:
                # A trailing `/**` is the "anything beneath" suffix added below.
                out.append("" if out else ".*")
            else:
                out.append("/(?:.*/)?" if out else "(?:.*/)?")
            continue
        if out and collapsed[index - 1] != "**":
            out.append("/")
        out.append(_translate_segment(seg))
    # Anything beneath a matched directory matches too.
    return "".join(out) + "(?:/.*)?"


@functools.cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(translate(pattern), re.DOTALL)


class Glob(namedtuple("Glob", ("pattern", "literal_prefix", "literal", "everything"))):
    """One pattern, with the directory its literal segments pin it under.

    `literal`: the pattern has no wildcard at all, it names one file or folder. `everything`:
    nothing but `**` follows the literal prefix (`proto/**`), so every path at or below that
    directory matches. A named tuple, not a dataclass: see `pipelines.plan.model`."""

    __slots__ = ()
    pattern: str
    literal_prefix: str
    literal: bool
    everything: bool

    @property
    def regex(self) -> re.Pattern[str]:
        """The compiled expression, made on first use and shared by equal patterns."""
        return _regex(self.pattern)

    def matches(self, path: str) -> bool:
        """Whether `path` (a repository-relative file path) matches. Callers that look globs
        up by `literal_prefix` only ask about paths below it, which is what `everything` uses;
        others get the full test."""
        if self.everything and _below(path, self.literal_prefix):
            return True
        return self.regex.fullmatch(path) is not None


def _below(path: str, folder: str) -> bool:
    return not folder or path == folder or path.startswith(folder + "/")


def literal_prefix(pattern: str) -> tuple[str, bool]:
    """The leading wildcard-free segments, joined, and whether that is the whole pattern."""
    segments = _segments(pattern)
    prefix: list[str] = []
    for seg in segments:
        if _is_magic(seg):
            return "/".join(prefix), False
        prefix.append(seg)
    return "/".join(prefix), True


def compile_glob(pattern: str) -> Glob:
    """The Glob of `pattern`; a ValueError for a pattern with no segment at all."""
    segments = _segments(pattern)
    if not segments:
        raise ValueError(f"empty glob {pattern!r}")
    prefix, literal = literal_prefix(pattern)
    rest = segments[len(prefix.split("/")) if prefix else 0 :]
    everything = bool(rest) and all(s == "**" for s in rest)
    return Glob(pattern=pattern, literal_prefix=prefix, literal=literal, everything=everything)


def ancestors(path: str) -> list[str]:
    """Every directory above `path`, root (``""``) first, then `path` itself.

    These are the only keys under which a folder or a glob's literal prefix can cover `path`.
    """
    keys = [""]
    index = path.find("/")
    while index >= 0:
        keys.append(path[:index])
        index = path.find("/", index + 1)
    keys.append(path)
    return keys
