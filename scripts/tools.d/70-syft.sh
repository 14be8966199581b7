#!/usr/bin/env bash
# syft (anchore), the SBOM generator of the image stage, built with `go install` at the pinned
# version into .tools/bin. Idempotent: skips when the installed binary reports that version.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=1.57.2
mkdir -p .tools/bin
have=$(.tools/bin/syft version 2>/dev/null || true)
if [[ "$have" != *"${VERSION}"* ]]; then
  GOBIN="$(pwd)/.tools/bin" GOFLAGS=-mod=mod timeout 1200 \
    go install -ldflags "-X main.version=${VERSION}" "github.com/anchore/syft/cmd/syft@v${VERSION}"
fi
have=$(.tools/bin/syft version)
echo "syft ${VERSION}: ${have%%$'\n'*}"
