#!/usr/bin/env bash
# Checkov lives in its own virtualenv: it pins bc-python-hcl2, which shadows the `hcl2` module
# that python-hcl2 (the engine's test dependency) provides, so the two cannot share one venv.
set -euo pipefail
cd "$(dirname "$0")/../.."
CHECKOV_VERSION="3.3.30"
venv=".tools/checkov"
have=$("${venv}/bin/checkov" --version 2>/dev/null || true)
if [[ "$have" == "${CHECKOV_VERSION}" ]]; then
  echo "checkov ${CHECKOV_VERSION} already installed"
else
  python3 -m venv "${venv}"
  "${venv}/bin/pip" install --quiet --disable-pip-version-check "checkov==${CHECKOV_VERSION}"
fi
mkdir -p .tools/bin
ln -sfn "../checkov/bin/checkov" .tools/bin/checkov
.tools/bin/checkov --version
