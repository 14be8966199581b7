"""JUnit merging: go test -json, libtest text and surefire XML become one JUnit document."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pipelines.reports.files import report_files
from pipelines.reports.junit import (
    clean_text,
    parse_go_test_json,
    parse_libtest_text,
    parse_report,
    totals,
)
from pipelines.reports.writer import write_reports
from pipelines.results import RunResult, ServiceResult, StageResult, Status, StepOutcome
from pipelines.steps import ReportFile, ReportKind, Stage, Step

# Output of `go test -json ./...` (Go 1.26) on a module with a passing, a failing, a skipped
# test, a subtest that fails, and a package that does not compile.
GO_TEST_JSON = """\
{"ImportPath":"example.com/shop/broken [example.com/shop/broken.test]","Action":"build-output","Output":"# example.com/shop/broken [example.com/shop/broken.test]\\n"}
{"ImportPath":"example.com/shop/broken [example.com/shop/broken.test]","Action":"build-output","Output":"broken/broken_test.go:5:28: undefined: undefinedCall\\n"}
{"ImportPath":"example.com/shop/broken [example.com/shop/broken.test]","Action":"build-fail"}
{"Time":"2026-11-25T19:25:20.562236471Z","Action":"start","Package":"example.com/shop/broken"}
{"Time":"2026-11-25T19:25:20.562603115Z","Action":"output","Package":"example.com/shop/broken","Output":"FAIL\\texample.com/shop/broken [build failed]\\n"}
{"Time":"2026-11-25T19:25:20.562608633Z","Action":"fail","Package":"example.com/shop/broken","Elapsed":0,"FailedBuild":"example.com/shop/broken [example.com/shop/broken.test]"}
{"Time":"2026-11-25T19:25:20.567855981Z","Action":"start","Package":"example.com/shop/cart"}
{"Time":"2026-11-25T19:25:20.569101685Z","Action":"run","Package":"example.com/shop/cart","Test":"TestAdd"}
{"Time":"2026-11-25T19:25:20.56911232Z","Action":"output","Package":"example.com/shop/cart","Test":"TestAdd","Output":"=== RUN   TestAdd\\n"}
{"Time":"2026-11-25T19:25:20.569128653Z","Action":"output","Package":"example.com/shop/cart","Test":"TestAdd","Output":"--- PASS: TestAdd (0.00s)\\n"}
{"Time":"2026-11-25T19:25:20.569130394Z","Action":"pass","Package":"example.com/shop/cart","Test":"TestAdd","Elapsed":0}
{"Time":"2026-11-25T19:25:20.569132542Z","Action":"run","Package":"example.com/shop/cart","Test":"TestTotal"}
{"Time":"2026-11-25T19:25:20.569133689Z","Action":"output","Package":"example.com/shop/cart","Test":"TestTotal","Output":"=== RUN   TestTotal\\n"}
{"Time":"2026-11-25T19:25:20.569135Z","Action":"output","Package":"example.com/shop/cart","Test":"TestTotal","Output":"    cart_test.go:8: computing total\\n"}
{"Time":"2026-11-25T19:25:20.569136237Z","Action":"output","Package":"example.com/shop/cart","Test":"TestTotal","Output":"    cart_test.go:10: total = 4, want 5\\n"}
{"Time":"2026-11-25T19:25:20.569138037Z","Action":"output","Package":"example.com/shop/cart","Test":"TestTotal","Output":"--- FAIL: TestTotal (0.00s)\\n"}
{"Time":"2026-11-25T19:25:20.569139294Z","Action":"fail","Package":"example.com/shop/cart","Test":"TestTotal","Elapsed":0}
{"Time":"2026-11-25T19:25:20.569140561Z","Action":"run","Package":"example.com/shop/cart","Test":"TestSkipped"}
{"Time":"2026-11-25T19:25:20.569141622Z","Action":"output","Package":"example.com/shop/cart","Test":"TestSkipped","Output":"=== RUN   TestSkipped\\n"}
{"Time":"2026-11-25T19:25:20.569142832Z","Action":"output","Package":"example.com/shop/cart","Test":"TestSkipped","Output":"    cart_test.go:14: needs redis\\n"}
{"Time":"2026-11-25T19:25:20.569146869Z","Action":"output","Package":"example.com/shop/cart","Test":"TestSkipped","Output":"--- SKIP: TestSkipped (0.00s)\\n"}
{"Time":"2026-11-25T19:25:20.569148137Z","Action":"skip","Package":"example.com/shop/cart","Test":"TestSkipped","Elapsed":0}
{"Time":"2026-11-25T19:25:20.569149343Z","Action":"run","Package":"example.com/shop/cart","Test":"TestDiscount"}
{"Time":"2026-11-25T19:25:20.569151198Z","Action":"output","Package":"example.com/shop/cart","Test":"TestDiscount","Output":"=== RUN   TestDiscount\\n"}
{"Time":"2026-11-25T19:25:20.569152459Z","Action":"run","Package":"example.com/shop/cart","Test":"TestDiscount/none"}
{"Time":"2026-11-25T19:25:20.569153548Z","Action":"output","Package":"example.com/shop/cart","Test":"TestDiscount/none","Output":"=== RUN   TestDiscount/none\\n"}
{"Time":"2026-11-25T19:25:20.569154983Z","Action":"output","Package":"example.com/shop/cart","Test":"TestDiscount/none","Output":"--- PASS: TestDiscount/none (0.00s)\\n"}
{"Time":"2026-11-25T19:25:20.56915627Z","Action":"pass","Package":"example.com/shop/cart","Test":"TestDiscount/none","Elapsed":0}
{"Time":"2026-11-25T19:25:20.569157403Z","Action":"run","Package":"example.com/shop/cart","Test":"TestDiscount/ten_percent"}
{"Time":"2026-11-25T19:25:20.569158461Z","Action":"output","Package":"example.com/shop/cart","Test":"TestDiscount/ten_percent","Output":"=== RUN   TestDiscount/ten_percent\\n"}
{"Time":"2026-11-25T19:25:20.56916625Z","Action":"output","Package":"example.com/shop/cart","Test":"TestDiscount/ten_percent","Output":"    cart_test.go:18: got 0\\n"}
{"Time":"2026-11-25T19:25:20.569168791Z","Action":"output","Package":"example.com/shop/cart","Test":"TestDiscount/ten_percent","Output":"--- FAIL: TestDiscount/ten_percent (0.00s)\\n"}
{"Time":"2026-11-25T19:25:20.569171821Z","Action":"fail","Package":"example.com/shop/cart","Test":"TestDiscount/ten_percent","Elapsed":0}
{"Time":"2026-11-25T19:25:20.569173454Z","Action":"output","Package":"example.com/shop/cart","Test":"TestDiscount","Output":"--- FAIL: TestDiscount (0.00s)\\n"}
{"Time":"2026-11-25T19:25:20.569174686Z","Action":"fail","Package":"example.com/shop/cart","Test":"TestDiscount","Elapsed":0}
{"Time":"2026-11-25T19:25:20.569175908Z","Action":"output","Package":"example.com/shop/cart","Output":"FAIL\\n"}
{"Time":"2026-11-25T19:25:20.569396519Z","Action":"output","Package":"example.com/shop/cart","Output":"FAIL\\texample.com/shop/cart\\t0.001s\\n"}
{"Time":"2026-11-25T19:25:20.56941169Z","Action":"fail","Package":"example.com/shop/cart","Elapsed":0.002}
{"Time":"2026-11-25T19:25:20.6Z","Action":"start","Package":"example.com/shop/docs"}
{"Time":"2026-11-25T19:25:20.6Z","Action":"output","Package":"example.com/shop/docs","Output":"?   \\texample.com/shop/docs\\t[no test files]\\n"}
{"Time":"2026-11-25T19:25:20.6Z","Action":"skip","Package":"example.com/shop/docs","Elapsed":0}
"""  # noqa: E501

# Standard output of `cargo test --no-fail-fast` (Rust 1.9x) on a library with unit tests (one
# failing, two ignored), an integration test and a doc test. Backtrace shortened.
CARGO_TEST_TEXT = """\

running 4 tests
test tests::cached ... ignored, needs redis
test tests::slow ... ignored
test tests::adds ... ok
test tests::totals ... FAILED

failures:

---- tests::totals stdout ----
computing total

thread 'tests::totals' (15210) panicked at src/lib.rs:22:9:
assertion `left == right` failed
  left: 4
 right: 5
note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace


failures:
    tests::totals

test result: FAILED. 1 passed; 1 failed; 2 ignored; 0 measured; 0 filtered out; finished in 0.10s


running 1 test
test api_adds ... ok

test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s


running 1 test
test src/lib.rs - add (line 3) ... ok

test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s

all doctests ran in 0.15s; merged doctests compilation took 0.15s
"""

# target/surefire-reports/TEST-com.example.cart.CartServiceTest.xml (surefire 3.x, JUnit 5).
SUREFIRE_CART = """\
<?xml version="1.0" encoding="UTF-8"?>
<testsuite xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="https://maven.apache.org/surefire/maven-surefire-plugin/xsd/surefire-test-report-3.0.xsd" version="3.0" name="com.example.cart.CartServiceTest" time="0.052" tests="3" errors="0" skipped="1" failures="1">
  <properties>
    <property name="java.version" value="17.0.13"/>
    <property name="user.dir" value="/src/services/checkout"/>
  </properties>
  <testcase name="addsItem" classname="com.example.cart.CartServiceTest" time="0.004"/>
  <testcase name="computesTotal" classname="com.example.cart.CartServiceTest" time="0.031">
    <failure message="expected: &lt;5&gt; but was: &lt;4&gt;" type="org.opentest4j.AssertionFailedError"><![CDATA[org.opentest4j.AssertionFailedError: expected: <5> but was: <4>
	at org.junit.jupiter.api.AssertionFailureBuilder.build(AssertionFailureBuilder.java:151)
	at com.example.cart.CartServiceTest.computesTotal(CartServiceTest.java:22)
]]></failure>
    <system-out><![CDATA[computing total
]]></system-out>
  </testcase>
  <testcase name="cachesCart" classname="com.example.cart.CartServiceTest" time="0.0">
    <skipped message="needs redis"/>
  </testcase>
</testsuite>
"""  # noqa: E501

SUREFIRE_PRICE = """\
<?xml version="1.0" encoding="UTF-8"?>
<testsuite version="3.0" name="com.example.cart.PriceTest" time="0.011" tests="2" errors="1" skipped="0" failures="0">
  <testcase name="rounds" classname="com.example.cart.PriceTest" time="0.002"/>
  <testcase name="parses" classname="com.example.cart.PriceTest" time="0.003">
    <error message="For input string: &quot;x&quot;" type="java.lang.NumberFormatException"><![CDATA[java.lang.NumberFormatException: For input string: "x"
	at com.example.cart.PriceTest.parses(PriceTest.java:14)
]]></error>
  </testcase>
</testsuite>
"""  # noqa: E501


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _test_stage(service: str, files: list[tuple[ReportKind, str, Path]]) -> StageResult:
    """A test stage whose one step declared `files` as (kind, declared path, host path)."""
    step = Step(
        stage=Stage.TEST,
        name="test",
        image="img:1",
        argv=("true",),
        reports=tuple(ReportFile(kind, declared) for kind, declared, _ in files),
    )
    outcome = StepOutcome(
        step=step,
        exit_code=1,
        duration_s=1.0,
        log_path=Path("/dev/null"),
        reports=tuple(host for _, _, host in files),
    )
    return StageResult(service, Stage.TEST, Status.FAILED, 1.0, steps=(outcome,))


def test_go_test_json_counts_passes_failures_skips_and_subtests() -> None:
    suites = parse_go_test_json(GO_TEST_JSON)
    cart = next(s for s in suites if s.name == "example.com/shop/cart")
    outcomes = {c.name: c.outcome for c in cart.cases}
    assert outcomes == {
        "TestAdd": "passed",
        "TestTotal": "failed",
        "TestSkipped": "skipped",
        "TestDiscount": "failed",
        "TestDiscount/none": "passed",
        "TestDiscount/ten_percent": "failed",
    }


def test_go_failure_keeps_the_test_output() -> None:
    cart = next(s for s in parse_go_test_json(GO_TEST_JSON) if s.name.endswith("/cart"))
    total = next(c for c in cart.cases if c.name == "TestTotal")
    assert total.details is not None and "total = 4, want 5" in total.details


def test_go_skip_reason_is_the_skip_message() -> None:
    cart = next(s for s in parse_go_test_json(GO_TEST_JSON) if s.name.endswith("/cart"))
    skipped = next(c for c in cart.cases if c.name == "TestSkipped")
    assert skipped.message == "cart_test.go:14: needs redis"


def test_go_package_that_does_not_compile_is_an_error_case_with_compiler_output() -> None:
    broken = next(s for s in parse_go_test_json(GO_TEST_JSON) if s.name.endswith("/broken"))
    (case,) = broken.cases
    assert case.outcome == "error"
    assert case.details is not None and "undefined: undefinedCall" in case.details


def test_go_package_without_tests_adds_no_suite() -> None:
    names = {s.name for s in parse_go_test_json(GO_TEST_JSON)}
    assert "example.com/shop/docs" not in names


def test_go_test_that_never_finished_counts_as_failed() -> None:
    stream = "\n".join(
        [
            '{"Action":"run","Package":"p","Test":"TestHang"}',
            '{"Action":"output","Package":"p","Test":"TestHang",'
            '"Output":"panic: test timed out\\n"}',
            '{"Action":"fail","Package":"p","Elapsed":600}',
            "not json at all",
        ]
    )
    (suite,) = parse_go_test_json(stream)
    assert [(c.name, c.outcome) for c in suite.cases] == [("TestHang", "failed")]


def test_libtest_text_counts_each_test_binary() -> None:
    suites = parse_libtest_text(CARGO_TEST_TEXT)
    assert [len(s.cases) for s in suites] == [4, 1, 1]
    assert totals(suites).failures == 1
    assert totals(suites).skipped == 2
    assert totals(suites).passed == 3


def test_libtest_ignored_reason_and_module_path_are_kept() -> None:
    unit = parse_libtest_text(CARGO_TEST_TEXT)[0]
    cached = next(c for c in unit.cases if c.name == "cached")
    assert (cached.classname, cached.outcome, cached.message) == ("tests", "skipped", "needs redis")


def test_libtest_failure_carries_its_section_of_the_failures_output() -> None:
    unit = parse_libtest_text(CARGO_TEST_TEXT)[0]
    totals_case = next(c for c in unit.cases if c.name == "totals")
    assert totals_case.message is not None and "panicked at src/lib.rs:22:9" in totals_case.message
    assert totals_case.details is not None
    assert "computing total" in totals_case.details and "right: 5" in totals_case.details
    assert "tests::totals\n" not in totals_case.details  # the trailing list is not included


def test_libtest_suites_are_named_after_targets_when_cargo_lines_are_present() -> None:
    text = "     Running unittests src/lib.rs (target/debug/deps/cart-1)\n" + CARGO_TEST_TEXT
    assert parse_libtest_text(text)[0].name == "src/lib.rs"


def test_surefire_xml_keeps_failure_error_and_skip(tmp_path: Path) -> None:
    suites = parse_report("junit", _write(tmp_path, "TEST-cart.xml", SUREFIRE_CART))
    (suite,) = suites
    assert [c.outcome for c in suite.cases] == ["passed", "failed", "skipped"]
    assert suite.cases[1].message == "expected: <5> but was: <4>"


def test_a_surefire_reports_folder_is_read_file_by_file(tmp_path: Path) -> None:
    _write(tmp_path, "TEST-com.example.cart.CartServiceTest.xml", SUREFIRE_CART)
    _write(tmp_path, "TEST-com.example.cart.PriceTest.xml", SUREFIRE_PRICE)
    suites = parse_report("junit", tmp_path)
    assert [s.name for s in suites] == [
        "com.example.cart.CartServiceTest",
        "com.example.cart.PriceTest",
    ]
    assert totals(suites).errors == 1


def test_report_files_match_a_declared_glob(tmp_path: Path) -> None:
    host = _write(tmp_path, "out/TEST-com.example.cart.PriceTest.xml", SUREFIRE_PRICE)
    stage = _test_stage("payment", [("junit", "target/surefire-reports/TEST-*.xml", host)])
    assert report_files(stage) == (("junit", host),)


def test_unreadable_junit_is_a_value_error_naming_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "TEST-bad.xml", "<testsuite><testcase")
    with pytest.raises(ValueError, match=r"TEST-bad\.xml"):
        parse_report("junit", path)


def test_clean_text_removes_colour_codes_and_control_bytes() -> None:
    assert clean_text("\x1b[31mFAIL\x1b[0m\x00\x07 done\n") == "FAIL done\n"


def test_report_files_take_the_kind_the_step_declared(tmp_path: Path) -> None:
    host = _write(tmp_path, "copied/.commerce-ci/go-test.json", GO_TEST_JSON)
    stage = _test_stage("cart", [("go-test-json", ".commerce-ci/go-test.json", host)])
    assert report_files(stage) == (("go-test-json", host),)


def test_merged_junit_has_one_suite_per_source_prefixed_by_service(tmp_path: Path) -> None:
    go = _write(tmp_path, "cart/go-test.json", GO_TEST_JSON)
    rs = _write(tmp_path, "ship/cargo-test.txt", CARGO_TEST_TEXT)
    surefire = tmp_path / "pay/target/surefire-reports"
    a = _write(surefire, "TEST-com.example.cart.CartServiceTest.xml", SUREFIRE_CART)
    b = _write(surefire, "TEST-com.example.cart.PriceTest.xml", SUREFIRE_PRICE)
    result = RunResult(
        engine="local",
        started_at=1_700_000_000.0,
        finished_at=1_700_000_010.0,
        services=(
            ServiceResult(
                "cart",
                "go",
                "services/cart",
                (_test_stage("cart", [("go-test-json", "go-test.json", go)]),),
            ),
            ServiceResult(
                "shipping",
                "rust",
                "services/shipping",
                (_test_stage("shipping", [("cargo-test-text", "cargo-test.txt", rs)]),),
            ),
            ServiceResult(
                "payment",
                "java",
                "services/payment",
                (
                    _test_stage(
                        "payment",
                        [
                            ("junit", "target/surefire-reports", a),
                            ("junit", "target/surefire-reports", b),
                        ],
                    ),
                ),
            ),
        ),
    )
    paths = write_reports(result, tmp_path / "report", env={})
    root = ET.parse(paths.junit).getroot()

    assert root.tag == "testsuites"
    names = [s.get("name") for s in root.findall("testsuite")]
    assert names == [
        "cart/example.com/shop/broken",
        "cart/example.com/shop/cart",
        "shipping/tests-1",
        "shipping/tests-2",
        "shipping/tests-3",
        "payment/com.example.cart.CartServiceTest",
        "payment/com.example.cart.PriceTest",
    ]
    # go: 6 cases + 1 build error; cargo: 6; surefire: 3 + 2
    assert root.get("tests") == "18"
    assert root.get("failures") == str(3 + 1 + 1)
    assert root.get("errors") == str(1 + 1)
    assert root.get("skipped") == str(1 + 2 + 1)
    assert len(root.findall(".//testcase")) == 18
    assert root.find(".//property[@name='java.version']") is None  # JVM properties dropped
