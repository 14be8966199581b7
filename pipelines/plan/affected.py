"""From changed paths to affected services: pure, no git, no I/O.

Every service contributes its folder and its `inputs` globs; the engine contributes
`ENGINE_INPUTS`. All of them go into one index keyed by directory, so a changed path costs one
dict lookup per directory above it, plus a regex only for the globs rooted in one of those
directories. With 500 services and thousands of changed paths that is O(paths x depth), not
O(paths x services). The values are named tuples, for the reason `pipelines.plan.model` gives.
"""

from __future__ import annotations

from collections import defaultdict, namedtuple
from types import MappingProxyType

from pipelines.plan.globs import Glob, ancestors, compile_glob
from pipelines.plan.model import Affected, Change, Plan

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from pipelines.catalog import Catalog, Service
    from pipelines.catalog.index import CatalogIndex, ServiceEntry

#: Paths that define how every service is built, tested, scanned and shipped. A change to any of
#: them can change any service's result, so it affects them all.
ENGINE_INPUTS: tuple[str, ...] = (
    "pipelines/**",  # the engine, its toolchains' steps, the catalog contract, the Dagger module
    "pyproject.toml",  # the engine's own dependencies
    "uv.lock",  # ... pinned
    "dagger.json",  # the Dagger module CI runs
    "sca/semgrep/**",  # the SCA rules every service is scanned with
    "scripts/tools.d/**",  # pinned versions of the host tools the stages call
    "commerce-ci.toml",  # run settings: registry, base-image mirror, gate thresholds
)


class Scope(namedtuple("Scope", ("name", "folder", "inputs"), defaults=((),))):
    """What a service claims in the repository: its folder and its extra inputs."""

    __slots__ = ()
    name: str
    folder: str
    inputs: tuple[str, ...]

    @classmethod
    def of(cls, service: Service | ServiceEntry) -> Scope:
        return cls(name=service.name, folder=service.path, inputs=tuple(service.inputs))


def scopes_of(catalog: Catalog | CatalogIndex) -> tuple[Scope, ...]:
    return tuple(Scope.of(s) for s in catalog)


class _Claim(namedtuple("_Claim", ("owner", "via"))):
    """One reason a path can belong to someone: `owner` None is the engine; `via` is the input
    glob, None for the service's own folder."""

    __slots__ = ()
    owner: str | None
    via: str | None


def _normal(folder: str) -> str:
    return "/".join(s for s in folder.split("/") if s not in ("", "."))


class PathIndex(namedtuple("PathIndex", ("exact", "globs"))):
    """`exact`: folders and wildcard-free inputs, a path is claimed by every entry at or above
    it. `globs`: globs by the directory their literal segments pin them under."""

    __slots__ = ()
    exact: Mapping[str, tuple[_Claim, ...]]
    globs: Mapping[str, tuple[tuple[Glob, tuple[_Claim, ...]], ...]]

    @classmethod
    def build(cls, scopes: Iterable[Scope], engine_inputs: Sequence[str] = ENGINE_INPUTS):
        exact: dict[str, list[_Claim]] = defaultdict(list)
        by_pattern: dict[str, list[_Claim]] = defaultdict(list)
        for pattern in engine_inputs:
            by_pattern[pattern].append(_Claim(None, pattern))
        for scope in scopes:
            exact[_normal(scope.folder)].append(_Claim(scope.name, None))
            for pattern in scope.inputs:
                by_pattern[pattern].append(_Claim(scope.name, pattern))
        # Many services share a pattern (`proto/**`): compile each once.
        globs: dict[str, list[tuple[Glob, tuple[_Claim, ...]]]] = defaultdict(list)
        for pattern, claims in by_pattern.items():
            glob = compile_glob(pattern)
            if glob.literal:
                exact[glob.literal_prefix].extend(claims)
            else:
                globs[glob.literal_prefix].append((glob, tuple(claims)))
        return cls(
            exact=MappingProxyType({k: tuple(v) for k, v in exact.items()}),
            globs=MappingProxyType({k: tuple(v) for k, v in globs.items()}),
        )

    def claims(self, path: str) -> list[_Claim]:
        found: list[_Claim] = []
        exact, globs = self.exact, self.globs
        for key in ancestors(path):
            if key in exact:
                found.extend(exact[key])
            if key in globs:
                found.extend(c for glob, claims in globs[key] if glob.matches(path) for c in claims)
        return found


def _engine_reason(paths: Sequence[str]) -> str:
    more = f" and {len(paths) - 1} more" if len(paths) > 1 else ""
    return f"engine changed: {paths[0]}{more}"


def build_plan(
    scopes: Sequence[Scope],
    changes: Sequence[Change],
    *,
    base: str,
    head: str,
    merge_base: str | None,
    engine_inputs: Sequence[str] = ENGINE_INPUTS,
    index: PathIndex | None = None,
) -> Plan:
    """The Plan of `changes` over `scopes`: services sorted by name, each with its reasons.
    `index`, when given, is `PathIndex.build(scopes, engine_inputs)` made beforehand."""
    if index is None:
        index = PathIndex.build(scopes, engine_inputs)
    reasons: dict[str, dict[str, None]] = defaultdict(dict)
    engine_paths: dict[str, None] = {}
    for change in changes:
        described = change.describe()
        for path in change.paths():
            for claim in index.claims(path):
                if claim.owner is None:
                    engine_paths[path] = None
                    continue
                text = described if claim.via is None else f"{described} (input {claim.via})"
                reasons[claim.owner][text] = None
    if engine_paths:
        why = _engine_reason(tuple(engine_paths))
        for scope in scopes:
            reasons[scope.name] = {why: None, **reasons.get(scope.name, {})}
    affected = tuple(Affected(name, tuple(reasons[name])) for name in sorted(reasons))
    return Plan(
        base=base,
        head=head,
        merge_base=merge_base,
        changes=tuple(changes),
        affected=affected,
        engine_paths=tuple(engine_paths),
    )
