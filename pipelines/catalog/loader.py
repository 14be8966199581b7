"""Reading `service.yaml` files into the catalog, with errors a person can act on.

Every problem becomes a `ConfigError` naming the file and the field, on one line, before
anything runs: a catalog is either wholly valid or not loaded at all.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pipelines.catalog.layout import (
    SERVICE_FILE,
    check_inputs,
    check_inside,
    check_name,
    find_lockfile,
    services_base,
)
from pipelines.catalog.layout import display as _display
from pipelines.catalog.model import LANGUAGES, Catalog, Service, ServiceSpec
from pipelines.errors import ConfigError
from pipelines.limits import read_text

_KNOWN_KEYS = tuple(ServiceSpec.model_fields)


#: libyaml's parser is about eight times faster; `plan` loads every service.yaml on each CI run.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """A SafeLoader that refuses duplicate keys instead of keeping the last one silently."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,  # type: ignore[arg-type]
)


def _read_yaml(path: Path, shown: str) -> dict[str, Any]:
    return _parse_yaml(read_text(path, shown), shown)


def _parse_yaml(text: str, shown: str) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(shown, None, f"malformed YAML: {where}{problem}") from None
    if not isinstance(data, dict):
        raise ConfigError(shown, None, "must be a mapping of keys to values")
    return data


def _suggest_language(value: str) -> list[str]:
    """Aliases like 'golang' or 'js' share a prefix with the language; try that first."""
    lowered = value.lower()
    prefixed = [lang for lang in LANGUAGES if lowered.startswith(lang) or lang.startswith(lowered)]
    return prefixed[:1] or difflib.get_close_matches(lowered, LANGUAGES, n=1)


def _field_path(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)


def _explain(error: dict[str, Any]) -> tuple[str, str, str | None]:
    """One validation error as (field, message, hint)."""
    loc = tuple(error["loc"])
    field = _field_path(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        known = _KNOWN_KEYS if len(loc) == 1 else ()
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else None
        return field, "unknown key" + (f" (did you mean '{close[0]}'?)" if close else ""), hint
    if kind == "missing":
        return field, "required key is missing", None
    if kind == "literal_error" and loc and loc[0] == "language":
        value = error.get("input")
        close = _suggest_language(str(value))
        suggestion = f" (did you mean '{close[0]}'?)" if close else ""
        return (
            field,
            f"unknown language {value!r}{suggestion}; expected one of {', '.join(LANGUAGES)}",
            None,
        )
    if kind == "string_pattern_mismatch":
        what = {
            "name": "must be a DNS-1123 label (lowercase letters, digits, '-', max 63)",
            "image.repository": "must be a lowercase registry-relative repository path",
        }
        key = "image.repository" if field.startswith("image") else loc[0]
        if str(key).startswith("depends_on"):
            key = "name"
        return field, what.get(str(key), error["msg"]) + f", got {error.get('input')!r}", None
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    value = error.get("input")
    if kind.endswith("_type") and not isinstance(value, dict | list):
        message += f", got {type(value).__name__} {value!r}"
    return field, message, None


def _validate(data: dict[str, Any], shown: str) -> ServiceSpec:
    try:
        return ServiceSpec.model_validate(data)
    except ValidationError as exc:
        field, message, hint = _explain(exc.errors()[0])
        raise ConfigError(shown, field, message, hint) from None


def spec_from_text(text: str, path: Path, root: Path) -> ServiceSpec:
    """Parse and validate the text of `path` (a service.yaml) as a spec named after its folder.

    The catalog cache calls this with the very bytes it hashed, so what it stores under a blob
    id is what that blob says."""
    shown = _display(path, root)
    spec = _validate(_parse_yaml(text, shown), shown)
    check_name(spec.name, path.parent, shown)
    return spec


def load_service(path: Path, root: Path) -> Service:
    """Load and validate one `service.yaml`; `root` is the (resolved) repository root."""
    shown = _display(path, root)
    check_inside(str(path), str(root), shown)
    spec = _validate(_read_yaml(path, shown), shown)
    folder = path.parent
    check_name(spec.name, folder, shown)
    check_inputs(spec.inputs, str(root), shown)
    lockfile = find_lockfile(spec.language, folder, root, shown)
    return Service(spec=spec, path=_display(folder, root), lockfile=lockfile)


def load_catalog(
    root: Path, services_dir: str = "services", source: str = "services_dir"
) -> Catalog:
    """Load every `<services_dir>/*/service.yaml` under `root`, validated as a whole; every
    path stays inside `root` (symlinks included), and a catalog of no service is refused."""
    root = root.resolve()
    base = Path(services_base(str(root), services_dir, source))
    services = [load_service(p, root) for p in sorted(base.glob(f"*/{SERVICE_FILE}"))]
    if not services:
        raise ConfigError(_display(base, root), None, f"holds no service (no */{SERVICE_FILE})")
    names = {s.name for s in services}
    for service in services:
        for index, dep in enumerate(service.spec.depends_on):
            if dep not in names:
                raise ConfigError(
                    f"{service.path}/{SERVICE_FILE}",
                    f"depends_on[{index}]",
                    f"unknown service {dep!r}",
                )
    return Catalog(root=root, services=tuple(services))
