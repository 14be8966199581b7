#!/usr/bin/env bash
# osv-scanner, built with `go install` at the pinned version into .tools/bin.
# The offline database layout it reads (osv-scanner/<Ecosystem>/all.zip) depends on this
# version: see pipelines/sca/gate.py OFFLINE_DB_SUBDIR before changing it.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=2.3.5
mkdir -p .tools/bin
# Outputs are captured before matching: with pipefail, `cmd | grep -q` or `| head` can fail on
# SIGPIPE when the reader stops early.
have=$(.tools/bin/osv-scanner --version 2>/dev/null || true)
if [[ "$have" != *"osv-scanner version: ${VERSION}"* ]]; then
  GOBIN="$(pwd)/.tools/bin" GOFLAGS=-mod=mod timeout 900 \
    go install "github.com/google/osv-scanner/v2/cmd/osv-scanner@v${VERSION}"
fi
have=$(.tools/bin/osv-scanner --version)
echo "${have%%$'\n'*}"
