"""Test results of every service merged into one JUnit XML document.

Three inputs: JUnit XML (Maven surefire, pytest, jest-junit...), the `go test -json` event
stream, and libtest's human output (`cargo test`, which has no stable machine format).

XML is parsed with the standard library's ElementTree. Python 3.11 ships expat 2.5, which
refuses entity-expansion bombs, and ElementTree never fetches external entities or DTDs; the
files come from test runners the pipeline itself started, so defusedxml would add a dependency
for no extra protection.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Outcome = Literal["passed", "failed", "error", "skipped"]

#: Longest failure text or captured output kept per test case, in characters.
MAX_TEXT = 64 * 1024

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean_text(text: str, limit: int = MAX_TEXT) -> str:
    """Text safe for XML 1.0: no colour codes, no control characters, bounded length.

    Test output often carries ANSI colours and stray control bytes; one such byte makes the
    whole document unreadable to every JUnit consumer.
    """
    text = _NOT_XML.sub("", _ANSI.sub("", text))
    if len(text) > limit:
        text = "[... truncated ...]\n" + text[-limit:]
    return text


@dataclass(frozen=True)
class TestCase:
    name: str
    classname: str
    time_s: float = 0.0
    outcome: Outcome = "passed"
    message: str | None = None
    #: Failure details (assertion, stack trace, the test's output when it failed).
    details: str | None = None
    stdout: str | None = None


@dataclass(frozen=True)
class TestSuite:
    name: str
    cases: tuple[TestCase, ...] = ()
    time_s: float = 0.0
    timestamp: str | None = None

    def count(self, outcome: Outcome) -> int:
        return sum(1 for c in self.cases if c.outcome == outcome)


@dataclass(frozen=True)
class TestTotals:
    tests: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0

    @property
    def passed(self) -> int:
        return self.tests - self.failures - self.errors - self.skipped

    def __add__(self, other: TestTotals) -> TestTotals:
        return TestTotals(
            self.tests + other.tests,
            self.failures + other.failures,
            self.errors + other.errors,
            self.skipped + other.skipped,
        )


def totals(suites: Iterable[TestSuite]) -> TestTotals:
    out = TestTotals()
    for s in suites:
        out = out + TestTotals(
            len(s.cases), s.count("failed"), s.count("error"), s.count("skipped")
        )
    return out


# --- JUnit XML -------------------------------------------------------------------------------


def _float(value: str | None) -> float:
    try:
        return float((value or "0").replace(",", ""))
    except ValueError:
        return 0.0


def _case_from_xml(elem: ET.Element) -> TestCase:
    outcome: Outcome = "passed"
    message = details = None
    for tag, kind in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
        child = elem.find(tag)
        if child is not None:
            outcome = kind  # type: ignore[assignment]
            message = child.get("message")
            details = (child.text or "").strip() or None
            break
    out = elem.find("system-out")
    return TestCase(
        name=elem.get("name", "(unnamed)"),
        classname=elem.get("classname", ""),
        time_s=_float(elem.get("time")),
        outcome=outcome,
        message=message,
        details=details,
        stdout=(out.text or None) if out is not None else None,
    )


def parse_junit_xml(data: bytes) -> tuple[TestSuite, ...]:
    """Every <testsuite> holding test cases, whether the root is <testsuites> or <testsuite>."""
    root = ET.fromstring(data)
    suites: list[TestSuite] = []
    for elem in root.iter("testsuite"):
        cases = tuple(_case_from_xml(c) for c in elem.findall("testcase"))
        if not cases:
            continue
        suites.append(
            TestSuite(
                name=elem.get("name") or cases[0].classname or "tests",
                cases=cases,
                time_s=_float(elem.get("time")),
                timestamp=elem.get("timestamp"),
            )
        )
    if root.tag == "testcase":
        suites.append(TestSuite(name="tests", cases=(_case_from_xml(root),)))
    return tuple(suites)


# --- go test -json ---------------------------------------------------------------------------


@dataclass
class _GoTest:
    output: list[str] = field(default_factory=list)
    action: str | None = None
    elapsed: float = 0.0


@dataclass
class _GoPackage:
    tests: dict[str, _GoTest] = field(default_factory=dict)
    output: list[str] = field(default_factory=list)
    action: str | None = None
    elapsed: float = 0.0
    failed_build: str | None = None


def parse_go_test_json(text: str) -> tuple[TestSuite, ...]:
    """One suite per package; a package that failed outside any test gets a test case saying so.

    A package that does not compile, panics in TestMain or times out has no failing test of its
    own, yet it failed: without that synthetic case the JUnit totals would show green.
    """
    packages: dict[str, _GoPackage] = {}
    build_output: dict[str, list[str]] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        action = event.get("Action")
        if action == "build-output":
            build_output.setdefault(event.get("ImportPath", ""), []).append(event.get("Output", ""))
            continue
        package = event.get("Package")
        if not package or not action:
            continue
        pkg = packages.setdefault(package, _GoPackage())
        name = event.get("Test")
        if name:
            test = pkg.tests.setdefault(name, _GoTest())
            if action == "output":
                test.output.append(event.get("Output", ""))
            elif action in ("pass", "fail", "skip"):
                test.action = action
                test.elapsed = float(event.get("Elapsed") or 0.0)
        elif action == "output":
            pkg.output.append(event.get("Output", ""))
        elif action in ("pass", "fail", "skip"):
            pkg.action = action
            pkg.elapsed = float(event.get("Elapsed") or 0.0)
            pkg.failed_build = event.get("FailedBuild")
    return tuple(
        suite
        for package, pkg in packages.items()
        if (suite := _go_suite(package, pkg, build_output)).cases
    )


def _go_suite(package: str, pkg: _GoPackage, build_output: dict[str, list[str]]) -> TestSuite:
    cases: list[TestCase] = []
    for name, test in pkg.tests.items():
        output = "".join(test.output)
        if test.action == "pass":
            cases.append(TestCase(name, package, test.elapsed))
        elif test.action == "skip":
            reason = _go_skip_reason(test.output)
            cases.append(TestCase(name, package, test.elapsed, "skipped", reason))
        else:
            message = "failed" if test.action == "fail" else "did not finish (panic or timeout)"
            cases.append(
                TestCase(name, package, test.elapsed, "failed", message, clean_text(output))
            )
    if pkg.action == "fail" and not any(c.outcome == "failed" for c in cases):
        if pkg.failed_build:
            text = "".join(build_output.get(pkg.failed_build, [])) or "".join(pkg.output)
            cases.append(
                TestCase("[build]", package, 0.0, "error", "build failed", clean_text(text))
            )
        else:
            text = "".join(pkg.output)
            cases.append(
                TestCase(
                    "[package]", package, pkg.elapsed, "failed", "package failed", clean_text(text)
                )
            )
    return TestSuite(name=package, cases=tuple(cases), time_s=pkg.elapsed)


def _go_skip_reason(output: list[str]) -> str | None:
    lines = [
        line.strip()
        for line in output
        if line.strip() and not line.lstrip().startswith(("=== ", "--- SKIP"))
    ]
    return lines[-1] if lines else None


# --- cargo test (libtest text) ---------------------------------------------------------------

_RUNNING_TARGET = re.compile(r"^\s*Running (?:unittests )?(\S+)")
_DOC_TESTS = re.compile(r"^\s*Doc-tests (\S+)")
_RUNNING_N = re.compile(r"^running \d+ tests?$")
_RESULT_LINE = re.compile(r"^test (.+?) \.\.\. (ok|FAILED|ignored(?:, (.*))?)$")
_FAILURE_HEADER = re.compile(r"^---- (.+?) std(?:out|err) ----$")
_FINISHED = re.compile(r"finished in ([0-9.]+)s")


def parse_libtest_text(text: str) -> tuple[TestSuite, ...]:
    """One suite per test binary (each `running N tests` block), with failure output attached.

    When the captured text includes cargo's `Running ...`/`Doc-tests ...` lines (stderr merged
    in), suites are named after the target; otherwise they are numbered in order.
    """
    blocks: list[tuple[str | None, list[str]]] = []
    target: str | None = None
    for line in text.splitlines():
        if m := _RUNNING_TARGET.match(line):
            target = m.group(1)
        elif m := _DOC_TESTS.match(line):
            target = f"doc-tests {m.group(1)}"
        elif _RUNNING_N.match(line):
            blocks.append((target, []))
            target = None
        elif blocks:
            blocks[-1][1].append(line)
    suites: list[TestSuite] = []
    for index, (name, lines) in enumerate(blocks, start=1):
        suite = _libtest_block(name or f"tests-{index}", lines)
        if suite.cases:
            suites.append(suite)
    return tuple(suites)


def _libtest_block(suite_name: str, lines: list[str]) -> TestSuite:
    results: dict[str, tuple[str, str | None]] = {}
    failure_text: dict[str, list[str]] = {}
    current: str | None = None
    elapsed = 0.0
    for line in lines:
        if m := _RESULT_LINE.match(line):
            results[m.group(1)] = (m.group(2).split(",")[0], m.group(3))
            current = None
        elif m := _FAILURE_HEADER.match(line):
            current = m.group(1)
            failure_text.setdefault(current, [])
        elif line == "failures:" or line.startswith("test result:"):
            current = None
            if m := _FINISHED.search(line):
                elapsed = float(m.group(1))
        elif current is not None:
            failure_text[current].append(line)
    cases = []
    for name, (verdict, reason) in results.items():
        classname, _, short = name.rpartition("::")
        classname = classname or suite_name
        if verdict == "ok":
            cases.append(TestCase(short, classname))
        elif verdict == "ignored":
            cases.append(TestCase(short, classname, outcome="skipped", message=reason))
        else:
            details = "\n".join(failure_text.get(name, [])).strip()
            first = next((ln for ln in details.splitlines() if "panicked at" in ln), "failed")
            cases.append(
                TestCase(short, classname, 0.0, "failed", first.strip(), clean_text(details))
            )
    return TestSuite(name=suite_name, cases=tuple(cases), time_s=elapsed)


# --- reading and writing ---------------------------------------------------------------------


def parse_report(kind: str, path: Path) -> tuple[TestSuite, ...]:
    """Suites from one report file of a test stage; ValueError when it cannot be read."""
    if kind == "junit" and path.is_dir():
        # A reports folder (surefire, gradle): every XML file in it, in a stable order.
        return tuple(s for f in sorted(path.glob("*.xml")) for s in parse_report(kind, f))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"{path}: cannot read test report: {exc.strerror}") from exc
    try:
        if kind == "junit":
            return parse_junit_xml(data)
        if kind == "go-test-json":
            return parse_go_test_json(data.decode("utf-8", "replace"))
        if kind == "cargo-test-text":
            return parse_libtest_text(data.decode("utf-8", "replace"))
    except ET.ParseError as exc:
        raise ValueError(f"{path}: not valid JUnit XML: {exc}") from exc
    raise ValueError(f"{path}: {kind!r} is not a test report kind")


def prefixed(service: str, suites: Iterable[TestSuite]) -> tuple[TestSuite, ...]:
    """Suites renamed `<service>/<suite>` so that two services' packages never merge."""
    return tuple(TestSuite(f"{service}/{s.name}", s.cases, s.time_s, s.timestamp) for s in suites)


def _fmt_time(seconds: float) -> str:
    return f"{seconds:.3f}"


def render_junit(suites: Iterable[tuple[str, TestSuite]], name: str = "commerce-ci") -> bytes:
    """A <testsuites> document; counts are recomputed from the cases, never copied."""
    pairs = list(suites)
    all_totals = totals(s for _, s in pairs)
    root = ET.Element(
        "testsuites",
        {
            "name": name,
            "tests": str(all_totals.tests),
            "failures": str(all_totals.failures),
            "errors": str(all_totals.errors),
            "skipped": str(all_totals.skipped),
            "time": _fmt_time(sum(s.time_s for _, s in pairs)),
        },
    )
    for service, suite in pairs:
        attrs = {
            "name": clean_text(suite.name, 1000),
            "tests": str(len(suite.cases)),
            "failures": str(suite.count("failed")),
            "errors": str(suite.count("error")),
            "skipped": str(suite.count("skipped")),
            "time": _fmt_time(suite.time_s),
        }
        if suite.timestamp:
            attrs["timestamp"] = suite.timestamp
        elem = ET.SubElement(root, "testsuite", attrs)
        props = ET.SubElement(elem, "properties")
        ET.SubElement(props, "property", {"name": "service", "value": service})
        for case in suite.cases:
            _case_to_xml(elem, case)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _case_to_xml(parent: ET.Element, case: TestCase) -> None:
    elem = ET.SubElement(
        parent,
        "testcase",
        {
            "name": clean_text(case.name, 1000),
            "classname": clean_text(case.classname, 1000),
            "time": _fmt_time(case.time_s),
        },
    )
    tag = {"failed": "failure", "error": "error", "skipped": "skipped"}.get(case.outcome)
    if tag:
        child = ET.SubElement(elem, tag)
        if case.message:
            child.set("message", clean_text(case.message, 1000))
        if case.details:
            child.text = clean_text(case.details)
    if case.stdout:
        ET.SubElement(elem, "system-out").text = clean_text(case.stdout)
