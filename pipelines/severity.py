"""Finding severities, lowest first: the one list the `fail_on` setting and the gate share.

Standard library only: settings (on `plan`'s quick path) read the names from here.
"""

from __future__ import annotations

import enum

from pipelines.errors import ConfigError


class Severity(enum.IntEnum):
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @classmethod
    def parse(cls, name: str) -> Severity:
        try:
            return cls[name.strip().upper()]
        except KeyError:
            choices = ", ".join(s.name.lower() for s in cls)
            raise ConfigError(
                "severity threshold", None, f"unknown severity {name!r}; expected one of {choices}"
            ) from None

    @classmethod
    def from_score(cls, score: float) -> Severity | None:
        """CVSS base score bands (FIRST's qualitative scale); 0 means none, so no verdict."""
        if score >= 9.0:
            return cls.CRITICAL
        if score >= 7.0:
            return cls.HIGH
        if score >= 4.0:
            return cls.MEDIUM
        if score > 0.0:
            return cls.LOW
        return None

    @classmethod
    def from_label(cls, label: object) -> Severity | None:
        """Labels scanners and advisories use (SARIF levels, GHSA words, semgrep severities)."""
        if not isinstance(label, str):
            return None
        return _LABELS.get(label.strip().lower())


#: The words scanners and advisories use (SARIF levels, GHSA words, semgrep severities).
_LABELS: dict[str, Severity] = {
    "critical": Severity.CRITICAL,
    "high": Severity.HIGH,
    "error": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "moderate": Severity.MEDIUM,
    "warning": Severity.MEDIUM,
    "low": Severity.LOW,
    "note": Severity.LOW,
    "info": Severity.LOW,
    "none": Severity.LOW,
}

#: The names a `fail_on` setting may take, lowest first.
NAMES: tuple[str, ...] = tuple(s.name.lower() for s in Severity)
