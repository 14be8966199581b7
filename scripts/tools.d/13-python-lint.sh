#!/usr/bin/env bash
# ruff for Python services' lint stage, pinned to the version the Python toolchain's image
# installs (pipelines/toolchains/python.py RUFF_VERSION), in its own virtualenv.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=0.17.6
VENV=.tools/ruff
mkdir -p .tools/bin
if [[ "$("${VENV}/bin/ruff" --version 2>/dev/null || true)" != "ruff ${VERSION}" ]]; then
  python3 -m venv "${VENV}"
  "${VENV}/bin/python" -m pip install --disable-pip-version-check --quiet "ruff==${VERSION}"
fi
ln -sfn "../ruff/bin/ruff" .tools/bin/ruff
.tools/bin/ruff --version
