"""`doctor` says where each setting came from and which tools are missing, with a hint."""

from __future__ import annotations

import io

from pipelines.doctor import doctor
from pipelines.settings import resolve


def test_doctor_names_each_setting_origin_and_each_missing_tool(tmp_path):
    settings = resolve({"jobs": "3"}, {"COMMERCE_CI_FAIL_ON": "high"}, tmp_path, tmp_path)
    out = io.StringIO()
    code = doctor(tmp_path, settings, {"PATH": str(tmp_path)}, out)
    text = out.getvalue()
    assert code == 0
    assert "jobs               3" in text and "(flag)" in text
    assert "(env COMMERCE_CI_FAIL_ON)" in text
    assert "MISSING  go         go" in text
    assert "tool(s) missing" in text


def test_doctor_lists_what_release_needs_beyond_the_toolchains(tmp_path):
    settings = resolve({}, {}, tmp_path, tmp_path)
    out = io.StringIO()
    doctor(tmp_path, settings, {"PATH": str(tmp_path)}, out)
    text = out.getvalue()
    assert "MISSING  registry   docker-registry apt-get install docker-registry" in text
    assert "MISSING  bases      dpkg-deb" in text


def test_doctor_lists_the_scanners_once_and_each_toolchain_its_own_tools(tmp_path):
    settings = resolve({}, {}, tmp_path, tmp_path)
    out = io.StringIO()
    doctor(tmp_path, settings, {"PATH": str(tmp_path)}, out)
    lines = out.getvalue().splitlines()
    semgrep = [line for line in lines if " semgrep " in line]
    assert len(semgrep) == 1 and "MISSING  sca" in semgrep[0]
    assert any("MISSING  rust       cargo " in line for line in lines)
