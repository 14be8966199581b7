"""Reading a service's /metrics as Prometheus does: fetched over HTTP, parsed by `promtool`.

promtool's `check metrics` parses the exposition (exit 1 when it cannot) and then lints it (exit
3 with one line per problem). A parse failure is a broken endpoint; lint problems (OpenTelemetry
names histograms after their unit, e.g. milliseconds, where Prometheus prefers seconds) are
reported, not failed on: the instruments are the services' own.
"""

from __future__ import annotations

import re
import subprocess
import urllib.request
from dataclasses import dataclass

PARSE_FAILED = 1
LINT_PROBLEMS = 3
SAMPLE = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?P<labels>\{.*\})? (?P<value>\S+)")


@dataclass(frozen=True)
class Scrape:
    content_type: str
    text: str

    def samples(self, name: str) -> list[tuple[str, float]]:
        """(labels, value) of every sample named exactly `name`."""
        found = []
        for line in self.text.splitlines():
            match = SAMPLE.match(line)
            if match and match["name"] == name:
                found.append((match["labels"] or "", float(match["value"])))
        return found


def scrape(url: str) -> Scrape:
    with urllib.request.urlopen(url, timeout=10) as response:
        return Scrape(response.headers.get("Content-Type", ""), response.read().decode())


def promtool_check(promtool: str, text: str) -> list[str]:
    """promtool's lint problems; an AssertionError when the text does not parse at all."""
    result = subprocess.run(
        [promtool, "check", "metrics"],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode in (0, LINT_PROBLEMS), f"promtool: {result.stderr}\n{text[:2000]}"
    return result.stderr.splitlines()
