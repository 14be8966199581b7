#!/usr/bin/env bash
# actionlint checks the GitHub Actions workflows (syntax, expressions, action inputs, shellcheck
# is optional and skipped when absent). Built from source through the Go module proxy.
set -euo pipefail
cd "$(dirname "$0")/../.."
ACTIONLINT_VERSION="v1.7.12"
mkdir -p .tools/bin
have=$(.tools/bin/actionlint -version 2>/dev/null || true)
if [[ "${have%%$'\n'*}" == "${ACTIONLINT_VERSION}" ]]; then
  echo "actionlint ${ACTIONLINT_VERSION} already installed"
else
  command -v go >/dev/null || { echo "go is required to build actionlint (apt-get install golang)" >&2; exit 1; }
  GOBIN="$(pwd)/.tools/bin" go install "github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}"
fi
have=$(.tools/bin/actionlint -version)
echo "${have%%$'\n'*}"
