#!/usr/bin/env bash
# osv-scanner, built with `go install` at the pinned version into .tools/bin.
# The offline database layout it reads (osv-scanner/<Ecosystem>/all.zip) depends on this
# version: see pipelines/sca/gate.py OFFLINE_DB_SUBDIR before changing it.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=2.3.5
mkdir -p .tools/bin
if ! .tools/bin/osv-scanner --version 2>/dev/null | grep -q "osv-scanner version: ${VERSION}$"; then
  GOBIN="$(pwd)/.tools/bin" GOFLAGS=-mod=mod timeout 900 \
    go install "github.com/google/osv-scanner/v2/cmd/osv-scanner@v${VERSION}"
fi
.tools/bin/osv-scanner --version | head -1
