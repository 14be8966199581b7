#!/usr/bin/env bash
# cosign (sigstore), which signs image digests and attaches SBOM/provenance attestations, built
# with `go install` at the pinned version into .tools/bin. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION=2.6.5
mkdir -p .tools/bin
have=$(.tools/bin/cosign version 2>/dev/null || true)
if [[ "$have" != *"${VERSION}"* ]]; then
  GOBIN="$(pwd)/.tools/bin" GOFLAGS=-mod=mod timeout 1200 \
    go install -ldflags "-X sigs.k8s.io/release-utils/version.gitVersion=v${VERSION}" \
    "github.com/sigstore/cosign/v2/cmd/cosign@v${VERSION}"
fi
have=$(.tools/bin/cosign version 2>&1)
echo "cosign ${VERSION}: $(grep -m1 GitVersion <<<"$have" || echo "${have%%$'\n'*}")"
