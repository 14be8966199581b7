"""What a lazy Dagger SDK object would ask an engine, read without one: the one place the tests
touch the SDK's private query state (`obj._ctx.selections`), so an SDK upgrade that moves it is
one fix here."""

from __future__ import annotations

from typing import Any


def selections(obj: Any) -> list[Any]:
    """The SDK's raw field selections of `obj`, in order (each has `.name` and `.args`)."""
    return list(obj._ctx.selections)


def is_query(value: Any) -> bool:
    return hasattr(value, "_ctx")


def chain(obj: Any) -> list[tuple[str, dict[str, Any]]]:
    """The fields `obj` selects, nested SDK objects rendered as their own chains."""
    return [(f.name, {k: _arg(v) for k, v in f.args.items()}) for f in selections(obj)]


def _arg(value: Any) -> Any:
    if is_query(value):
        return chain(value)
    if isinstance(value, list):
        return [_arg(v) for v in value]
    return value


def fields(obj: Any) -> list[str]:
    return [name for name, _ in chain(obj)]


def calls(obj: Any, name: str) -> list[dict[str, Any]]:
    """The arguments of every `name` field `obj` selects."""
    return [args for field, args in chain(obj) if field == name]


def raw_args(obj: Any, *, without: str = "") -> str:
    """repr of the raw arguments (Secrets unrendered), to prove a value is not among them."""
    return repr([(f.name, f.args) for f in selections(obj) if f.name != without])
