#!/usr/bin/env bash
# helm renders and lints charts/microservice for every service and environment (the GitOps
# tests). Built from source through the Go module proxy, so no release tarball is downloaded.
# Rendered objects are validated offline by the `kubernetes-validate` Python package (a test
# dependency of the project, installed with it), which ships the Kubernetes JSON schemas.
set -euo pipefail
cd "$(dirname "$0")/../.."
HELM_VERSION="v3.22.0"
# The Kubernetes version `helm template` assumes without --kube-version. helm's own Makefile
# stamps the one of the client-go it is built with (v0.37 for helm 3.22: 1.37), so a release
# binary renders for it; a plain `go install` leaves the source's fallback, v1.20, which every
# chart here refuses. Stamped the same way, this helm behaves as the release binary does.
KUBE_MAJOR=1
KUBE_MINOR=37
STAMP="${HELM_VERSION} kube ${KUBE_MAJOR}.${KUBE_MINOR}"
mkdir -p .tools/bin .tools/go
have=$(cat .tools/go/helm.stamp 2>/dev/null || true)
if [[ "$have" == "${STAMP}" && -x .tools/bin/helm ]]; then
  echo "helm ${HELM_VERSION} already installed"
else
  command -v go >/dev/null || { echo "go is required to build helm (apt-get install golang)" >&2; exit 1; }
  # -p 1: the machine is shared; the version is stamped in so `helm version` reports it.
  flags="-X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}"
  for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
    flags+=" -X ${pkg}.k8sVersionMajor=${KUBE_MAJOR} -X ${pkg}.k8sVersionMinor=${KUBE_MINOR}"
  done
  GOBIN="$(pwd)/.tools/go" GOFLAGS="-p=1" go install -ldflags "${flags}" \
    "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}"
  ln -sf ../go/helm .tools/bin/helm
  echo "${STAMP}" > .tools/go/helm.stamp
fi
.tools/bin/helm version --template '{{.Version}}{{"\n"}}'
