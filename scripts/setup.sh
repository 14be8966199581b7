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
# An editable install leaves the engine's own modules uncompiled, and with PYTHONDONTWRITEBYTECODE
# set (as on these machines) Python never caches them: every command would compile its imports
# again (a fifth of `plan`'s time). Python reads these and ignores any whose source changed.
.venv/bin/python -m compileall -q pipelines
scripts/install-tools.sh
echo "==> ready: .venv/bin/commerce-ci --help"
