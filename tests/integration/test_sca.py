"""The SCA stage with the real scanners: the repository's semgrep rules and osv-scanner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from _osvdb import advisory, write_db
from _runsteps import PROJECT_ROOT, copy_fixture, run_stage, run_step, shared_cache_dir
from testenv import require_tool

from pipelines.catalog import load_service
from pipelines.sca.steps import RULES_DIR, SEMGREP_REPORT, semgrep_step
from pipelines.steps import Stage

SHARED_VULNDB = PROJECT_ROOT.parent / "shared" / "vulndb"

#: One planted snippet per rule family; every rule in sca/semgrep must fire on one of them.
#: Fake credentials only (AWS's documented example key id).
UNSAFE = {
    "app.py": """\
import pickle, subprocess, os, requests, yaml, ssl
db_password = "hunter2hunter2"
subprocess.run("ls " + name, shell=True)
os.system(cmd)
requests.get(url, verify=False)
ssl._create_unverified_context()
pickle.loads(blob)
yaml.load(text)
""",
    "main.go": """\
package main

import ("crypto/tls"; "fmt"; "os/exec")

const apiKey = "sk_live_51Habcdefgh"

func f(db DB, id string) {
	exec.Command("sh", "-c", "echo "+id)
	_ = &tls.Config{InsecureSkipVerify: true}
	db.Query(fmt.Sprintf("SELECT * FROM t WHERE id = %s", id))
}
""",
    "server.js": """\
const cp = require("child_process");
const accessToken = "tok_0123456789abcdef";
cp.exec("ls " + dir);
https.request({ host: h, rejectUnauthorized: false });
eval(userInput);
const aws = "AKIAIOSFODNN7EXAMPLE";
""",
    "Shell.java": """\
class Shell {
  String password = "correcthorsebattery";
  void run(String arg) throws Exception {
    new ProcessBuilder("sh", "-c", "ls " + arg).start();
  }
  public void checkServerTrusted(X509Certificate[] chain, String authType) {}
}
""",
    "Shell.kt": """\
val apiKey = "kt_live_0123456789"
fun trustAll() = HostnameVerifier { host, session -> true }
""",
    "main.rs": """\
fn main() {
    let secret = "rs_live_0123456789";
    std::process::Command::new("sh").arg("-c").arg("ls");
    let client = reqwest::Client::builder().danger_accept_invalid_certs(true);
}
""",
    "key.pem": "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n",
}

SAFE = {
    "app.py": """\
import os, subprocess, yaml
db_password = os.environ["DB_PASSWORD"]
subprocess.run(["ls", name], check=True)
yaml.safe_load(text)
""",
    "main.go": """\
package main

import ("crypto/tls"; "os"; "os/exec")

func f(db DB, id string) {
	apiKey := os.Getenv("API_KEY")
	exec.Command("ls", id)
	_ = &tls.Config{MinVersion: tls.VersionTLS12}
	db.Query("SELECT * FROM t WHERE id = $1", id)
	_ = apiKey
}
""",
    "server.js": """\
const cp = require("child_process");
cp.execFile("ls", [dir]);
const re = /a/; re.exec("abc");
JSON.parse(input);
""",
}


def rule_ids() -> set[str]:
    ids = set()
    for path in (PROJECT_ROOT / RULES_DIR).glob("*.yml"):
        ids |= {rule["id"] for rule in yaml.safe_load(path.read_text())["rules"]}
    return ids


def semgrep_findings(folder: Path, cache_dir: Path) -> list[str]:
    run = run_step(semgrep_step(), folder, cache_dir, vulndb=None)
    assert run.exit_code in (0, 1), run.output
    sarif = json.loads((folder / SEMGREP_REPORT).read_text())
    return [r["ruleId"].rsplit(".", 1)[-1] for r in sarif["runs"][0]["results"]]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_tool("semgrep", "scripts/tools.d/10-semgrep.sh")
    require_tool("osv-scanner", "scripts/tools.d/11-osv-scanner.sh")
    return shared_cache_dir(tmp_path_factory)


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def test_every_semgrep_rule_fires_on_its_planted_snippet(tmp_path: Path, cache_dir: Path) -> None:
    fired = set(semgrep_findings(write(tmp_path / "unsafe", UNSAFE), cache_dir))
    assert fired == rule_ids()


def test_safe_equivalents_raise_no_semgrep_finding(tmp_path: Path, cache_dir: Path) -> None:
    assert semgrep_findings(write(tmp_path / "safe", SAFE), cache_dir) == []


def test_code_finding_in_a_service_fails_its_sca_stage(tmp_path: Path, cache_dir: Path) -> None:
    service, folder = copy_fixture("python-svc", tmp_path)
    planted = (
        "import subprocess\n\n\ndef run(cmd: str) -> None:\n    subprocess.run(cmd, shell=True)\n"
    )
    (folder / "shop_prices" / "admin.py").write_text(planted)
    result = run_stage(service, folder, Stage.SCA, cache_dir, vulndb=SHARED_VULNDB)
    assert not result.passed
    assert result.gate is not None
    assert "python-subprocess-shell-true" in (result.gate.reason or "")
    assert "shop_prices/admin.py:5" in (result.gate.reason or "")


def test_threshold_decides_on_a_medium_advisory(tmp_path: Path, cache_dir: Path) -> None:
    service, folder = copy_fixture("python-svc", tmp_path)
    medium = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"  # 5.3
    planted = advisory("PYSEC-2099-2", "PyPI", "attrs", "24.2.0", cvss_v3=medium)
    vulndb = write_db(tmp_path / "vulndb", {"PyPI": [planted]})
    high = run_stage(service, folder, Stage.SCA, cache_dir, vulndb, severity_threshold="high")
    assert high.passed, (high.gate, high.output)
    assert high.gate is not None and high.gate.findings == 1
    low = run_stage(service, folder, Stage.SCA, cache_dir, vulndb, severity_threshold="medium")
    assert not low.passed and low.gate is not None
    assert "PYSEC-2099-2 (attrs 24.2.0 (PyPI), medium)" in (low.gate.reason or "")


def test_npm_lockfile_is_audited_against_the_shared_vulndb(tmp_path: Path, cache_dir: Path) -> None:
    folder = write(
        tmp_path / "services" / "web",
        {
            "service.yaml": "name: web\nlanguage: node\ndescription: d\nport: 80\n"
            "image:\n  repository: commerce/web\n",
            "package-lock.json": json.dumps(
                {
                    "name": "web",
                    "version": "1.0.0",
                    "lockfileVersion": 3,
                    "packages": {
                        "": {"name": "web", "version": "1.0.0"},
                        "node_modules/lodash": {"version": "4.17.15"},
                    },
                }
            ),
        },
    )
    service = load_service(folder / "service.yaml", tmp_path)
    result = run_stage(service, folder, Stage.SCA, cache_dir, SHARED_VULNDB, "low")
    # ../shared/vulndb holds npm advisories now: the pin is audited, and a known one found.
    assert not result.passed
    assert result.gate is not None and result.gate.packages_audited == 1
    assert "NSWG-ECO-516 (lodash 4.17.15 (npm)" in (result.result.reason or "")
