"""checkov over terraform/ with the repository's configuration (terraform/.checkov.yaml).

Runs offline (--skip-download): registry modules are not fetched, so checkov judges the
resources written here; their module inputs are pinned down by test_terraform_properties.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from infra_helpers import TERRAFORM_DIR, run, tool

CONFIG = TERRAFORM_DIR / ".checkov.yaml"
CHECKOV_FLAGS = ("--framework", "terraform", "--skip-download", "--quiet", "--compact")


def test_checkov_passes_on_terraform_tree() -> None:
    result = run([tool("checkov"), "--config-file", str(CONFIG), "-d", str(TERRAFORM_DIR)])
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "Failed checks: 0" in result.stdout


def test_every_skipped_check_gives_its_reason() -> None:
    config = yaml.safe_load(CONFIG.read_text())
    skipped = config.get("skip-check", [])
    lines = CONFIG.read_text().splitlines()
    for check in skipped:
        line = next(line for line in lines if re.match(rf"\s*-\s*{re.escape(check)}\b", line))
        reason = line.partition("#")[2].strip()
        assert len(reason) >= 20, f"skipped check {check} needs a reason on its line in {CONFIG}"


INLINE_SKIP = re.compile(r"#\s*checkov:skip=(CKV2?_[A-Z]+_\d+)(?::(.*))?$")


def test_every_inline_skip_gives_its_reason() -> None:
    skips = [
        (path.name, match)
        for path in sorted(TERRAFORM_DIR.rglob("*.tf"))
        for line in path.read_text().splitlines()
        if (match := INLINE_SKIP.search(line.strip()))
    ]
    for name, match in skips:
        assert len((match[2] or "").strip()) >= 20, (
            f"{name}: {match[1]} is skipped without a reason"
        )


def test_checkov_catches_a_mutable_unscanned_repository(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_ecr_repository" "bad" {\n'
        '  name                 = "bad"\n'
        '  image_tag_mutability = "MUTABLE"\n'
        "}\n"
    )

    result = run([tool("checkov"), *CHECKOV_FLAGS, "-d", str(tmp_path)])

    assert result.returncode != 0
    assert "CKV_AWS_51" in result.stdout  # immutable tags
    assert "CKV_AWS_163" in result.stdout  # scan on push
