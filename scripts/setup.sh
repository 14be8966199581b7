#!/usr/bin/env bash
# Sets up a fresh Debian machine for commerce-ci: the engine's virtualenv (.venv) and every tool
# its stages and tests use (scripts/install-tools.sh). Idempotent: a second run is quick.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$python" -m venv .venv
fi
echo "==> installing commerce-ci into .venv"
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
scripts/install-tools.sh
echo "==> ready: .venv/bin/commerce-ci --help"
