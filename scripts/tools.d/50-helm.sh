#!/usr/bin/env bash
# helm renders and lints charts/microservice for every service and environment (the GitOps
# tests). Built from source through the Go module proxy, so no release tarball is downloaded.
# Rendered objects are validated offline by the `kubernetes-validate` Python package (a test
# dependency of the project, installed with it), which ships the Kubernetes JSON schemas.
set -euo pipefail
cd "$(dirname "$0")/../.."
HELM_VERSION="v3.22.0"
mkdir -p .tools/bin .tools/go
have=$(.tools/bin/helm version --template '{{.Version}}' 2>/dev/null || true)
if [[ "$have" == "${HELM_VERSION}" ]]; then
  echo "helm ${HELM_VERSION} already installed"
else
  command -v go >/dev/null || { echo "go is required to build helm (apt-get install golang)" >&2; exit 1; }
  # -p 1: the machine is shared; the version is stamped in so `helm version` reports it.
  GOBIN="$(pwd)/.tools/go" GOFLAGS="-p=1" go install \
    -ldflags "-X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}" \
    "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}"
  ln -sf ../go/helm .tools/bin/helm
fi
.tools/bin/helm version --template '{{.Version}}{{"\n"}}'
