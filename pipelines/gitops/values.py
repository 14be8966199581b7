"""The pure half of the write-back: what changes in `argocd/envs/<env>/<service>.yaml`.

Text in, text out, no git and no file system, so every rule here is tested on strings. Edits go
through a ruamel.yaml round trip, which keeps comments, key order, flow sequences and quotes; a
final guard compares the lines before and after and refuses an edit that would touch anything
but the image fields, so a person's formatting is never rewritten behind their back.
"""

from __future__ import annotations

import difflib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString
from ruamel.yaml.util import load_yaml_guess_indent

from pipelines.gitops.errors import ValuesFileError

#: The same patterns as charts/microservice/values.schema.json (a test keeps them equal).
NAME_PATTERN = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
REPOSITORY_PATTERN = re.compile(
    r"^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]+)?/)?"
    r"[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$"
)
TAG_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
DIGEST_PATTERN = re.compile(r"^(sha256:[a-f0-9]{64})?$")

IMAGE_KEYS = ("repository", "tag", "digest")
_IMAGE_LINE = re.compile(r"^\s*(image|repository|tag|digest)\s*:")
#: The first nested mapping key tells the mapping indentation.
_MAPPING_INDENT = re.compile(
    r"^[^\s#-][^\n]*:[ \t]*(?:#[^\n]*)?\n(?:[ \t]*(?:#[^\n]*)?\n)*( +)[^\s#-]", re.M
)


@dataclass(frozen=True)
class ImageFields:
    """The three fields a release writes and promote/rollback copy; nothing else is touched."""

    repository: str
    tag: str
    digest: str

    def validate(self, source: str) -> ImageFields:
        checks = (
            ("repository", self.repository, REPOSITORY_PATTERN),
            ("tag", self.tag, TAG_PATTERN),
            ("digest", self.digest, DIGEST_PATTERN),
        )
        for field, value, pattern in checks:
            if not isinstance(value, str) or not pattern.match(value):
                raise ValuesFileError(source, f"image.{field} {value!r} is not a valid {field}")
        return self

    @property
    def short(self) -> str:
        """`tag@sha256:0123456789ab`, for commit subjects and log lines."""
        digest = self.digest.removeprefix("sha256:")[:12]
        return f"{self.tag}@sha256:{digest}" if digest else self.tag


def check_name(kind: str, value: str) -> str:
    """Service and environment names become path parts, so only DNS labels pass."""
    if not NAME_PATTERN.match(value):
        raise ValuesFileError(
            f"{kind} {value!r}", f"not a valid {kind} name (lowercase letters, digits, '-')"
        )
    return value


def values_path(env: str, service: str) -> str:
    """Repository-relative path of a service's values file in one environment (POSIX)."""
    return f"argocd/envs/{check_name('environment', env)}/{check_name('service', service)}.yaml"


def _parse(text: str, source: str = "values") -> tuple[Any, int, int | None]:
    """The document (quotes kept) and ruamel's guess of its sequence indentation."""
    try:
        _, guessed, guessed_offset = load_yaml_guess_indent(text)
        return _round_trip(2, 0, False).load(text), guessed, guessed_offset
    except YAMLError as exc:
        raise ValuesFileError(source, f"not valid YAML: {_yaml_reason(exc)}") from None


def _yaml_reason(exc: YAMLError) -> str:
    """ruamel's error as one line: where, and what (its message spans several lines)."""
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    problem = getattr(exc, "problem", None) or str(exc).strip().splitlines()[0]
    return f"{where}{problem}"


def _round_trip(mapping: int, offset: int, explicit_start: bool) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=mapping, sequence=offset + 2, offset=offset)
    yaml.explicit_start = explicit_start
    return yaml


def _layouts(text: str, guessed: int, guessed_offset: int | None) -> list[tuple[int, int]]:
    """Indentations to try, most likely first: ruamel cannot read them back from a document."""
    mapping = _MAPPING_INDENT.search(text)
    first = len(mapping.group(1)) if mapping else 2
    offsets = [guessed_offset or 0, max((guessed or 2) - 2, 0), 0, 2, 4]  # None: no sequence
    candidates = [(m, o) for m in (first, 2, 4) for o in offsets]
    return list(dict.fromkeys(candidates))


def _yaml(text: str, source: str = "values") -> tuple[YAML, Any]:
    """A round-trip YAML set up like the document, and the parsed document."""
    document, guessed, guessed_offset = _parse(text, source)
    mapping, offset = _layouts(text, guessed, guessed_offset)[0]
    return _round_trip(mapping, offset, text.lstrip().startswith("---")), document


def _image_map(document: Any, source: str) -> CommentedMap | None:
    if not isinstance(document, CommentedMap):
        raise ValuesFileError(source, "is not a YAML mapping")
    image = document.get("image")
    if image is not None and not isinstance(image, CommentedMap):
        raise ValuesFileError(source, f"image is not a mapping (got {type(image).__name__})")
    return image


def read_image(text: str, source: str = "values") -> ImageFields:
    """The image fields of a values file; missing fields read as empty strings."""
    _, document = _yaml(text, source)
    image = _image_map(document, source) or {}
    values = {key: image.get(key, "") for key in IMAGE_KEYS}
    for key, value in values.items():
        if not isinstance(value, str):
            raise ValuesFileError(source, f"image.{key} must be a string, not {value!r}")
    return ImageFields(
        repository=str(values["repository"]), tag=str(values["tag"]), digest=str(values["digest"])
    )


def _same_style(old: Any, new: str) -> str:
    """Keeps a quoted scalar quoted the same way, so the diff shows only the value."""
    if isinstance(old, DoubleQuotedScalarString):
        return DoubleQuotedScalarString(new)
    if isinstance(old, SingleQuotedScalarString):
        return SingleQuotedScalarString(new)
    return new


def set_image(text: str, image: ImageFields, source: str = "values") -> str:
    """The values file with its image fields set; every other byte stays as it was."""
    image.validate(source)
    document, guessed, guessed_offset = _parse(text, source)
    current = _image_map(document, source)
    if current is None:
        current = CommentedMap()
        document["image"] = current
    for position, key in enumerate(IMAGE_KEYS):
        value = getattr(image, key)
        if key in current:
            if current[key] != value:
                current[key] = _same_style(current[key], value)
        else:
            current.insert(min(position, len(current)), key, value)
    explicit_start = text.lstrip().startswith("---")
    problem: ValuesFileError | None = None
    for mapping, offset in _layouts(text, guessed, guessed_offset):
        out = io.StringIO()
        _round_trip(mapping, offset, explicit_start).dump(document, out)
        result = out.getvalue()
        problem = _only_image_lines_changed(text, result, source)
        if problem is None:
            return result
    assert problem is not None
    raise problem


def _only_image_lines_changed(before: str, after: str, source: str) -> ValuesFileError | None:
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for line in old[i1:i2] + new[j1:j2]:
            if not _IMAGE_LINE.match(line):
                return ValuesFileError(
                    source,
                    f"setting the image would also rewrite the line {line.rstrip()!r}",
                    hint="the YAML round trip cannot keep this file's layout; "
                    "write the image fields by hand once, in the chart's usual layout",
                )
    return None


def copy_image(
    from_text: str, to_text: str, source: str = "values", target: str = "values"
) -> tuple[str, ImageFields]:
    """Promotion: the target file with the source file's image; also returns that image."""
    image = read_image(from_text, source)
    if not image.digest:
        raise ValuesFileError(
            source,
            "has no image digest to promote",
            hint="release the service to the source environment first",
        )
    return set_image(to_text, image, target), image


def previous_image(current: ImageFields, history: Iterable[ImageFields]) -> ImageFields | None:
    """The image that ran before the current one: the newest earlier digest that differs.

    `history` runs newest first (the file's versions in `git log` order, current included).
    """
    for image in history:
        if image.digest and image.digest != current.digest:
            return image
    return None


def image_with_digest(digest: str, history: Iterable[ImageFields]) -> ImageFields | None:
    """The newest version of the file that ran `digest`, so its repository and tag come back."""
    for image in history:
        if image.digest == digest:
            return image
    return None
