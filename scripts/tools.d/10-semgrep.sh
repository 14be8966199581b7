#!/usr/bin/env bash
# semgrep in its own virtualenv (.tools/semgrep): its dependencies pin versions that would clash
# with the engine's. Idempotent: does nothing when the pinned version is already there.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=1.185.0
VENV=.tools/semgrep
mkdir -p .tools/bin
if [[ "$("${VENV}/bin/semgrep" --version 2>/dev/null || true)" != "${VERSION}" ]]; then
  python3 -m venv "${VENV}"
  "${VENV}/bin/python" -m pip install --disable-pip-version-check --quiet "semgrep==${VERSION}"
fi
ln -sfn "../semgrep/bin/semgrep" .tools/bin/semgrep
.tools/bin/semgrep --version
