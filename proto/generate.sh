#!/usr/bin/env bash
# Generates the Go code of proto/commerce/v1/*.proto into proto/gen/go (module
# github.com/commerce-platform/commerce-ci/proto, package .../proto/commerce/v1).
#
# Pinned tools, installed on first use under .tools/protoc-go/ (idempotent, reused afterwards):
#   protoc               from PyPI grpcio-tools (its bundled protoc, run as `python -m
#                        grpc_tools.protoc`): pinned exactly and the same on every Debian release,
#                        unlike Debian's protobuf-compiler whose version follows the release.
#   protoc-gen-go        google.golang.org/protobuf/cmd/protoc-gen-go (go install)
#   protoc-gen-go-grpc   google.golang.org/grpc/cmd/protoc-gen-go-grpc (go install)
#
# Usage: proto/generate.sh            regenerate proto/gen/go in place
#        proto/generate.sh --check    regenerate into a temporary folder; exit 1 on any diff
#        proto/generate.sh --tools    only install the pinned tools (scripts/tools.d/60-protoc-go.sh)
set -euo pipefail

GRPCIO_TOOLS_VERSION=1.85.1
PROTOC_GEN_GO_VERSION=v1.36.12
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2
GO_MODULE=github.com/commerce-platform/commerce-ci/proto

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
tools="$root/.tools/protoc-go"
venv="$tools/grpcio-tools-$GRPCIO_TOOLS_VERSION"
plugins="$tools/plugins-go-$PROTOC_GEN_GO_VERSION-grpc-$PROTOC_GEN_GO_GRPC_VERSION"
out="$here/gen/go"

mode=generate
case "${1:-}" in
  "") ;;
  --check) mode=check ;;
  --tools) mode=tools ;;
  *) echo "usage: $0 [--check | --tools]" >&2; exit 2 ;;
esac

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "generate.sh: '$1' is required: $2" >&2; exit 1; }
}

if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import grpc_tools.protoc' 2>/dev/null; then
  need python3 "apt-get install python3 python3-venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  timeout 300 "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "grpcio-tools==$GRPCIO_TOOLS_VERSION"
fi

if [[ ! -x "$plugins/protoc-gen-go" || ! -x "$plugins/protoc-gen-go-grpc" ]]; then
  need go "install Go 1.26 (https://go.dev/dl/)"
  mkdir -p "$plugins"
  GOBIN="$plugins" GOFLAGS=-mod=mod GOTOOLCHAIN=local timeout 600 go install \
    "google.golang.org/protobuf/cmd/protoc-gen-go@$PROTOC_GEN_GO_VERSION"
  GOBIN="$plugins" GOFLAGS=-mod=mod GOTOOLCHAIN=local timeout 600 go install \
    "google.golang.org/grpc/cmd/protoc-gen-go-grpc@$PROTOC_GEN_GO_GRPC_VERSION"
fi

if [[ "$mode" == tools ]]; then
  echo "protoc (grpcio-tools $GRPCIO_TOOLS_VERSION) and plugins installed under $tools"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Relative proto paths (-I proto) keep the generated "source:" comments machine-independent.
(
  cd "$here"
  PATH="$plugins:$PATH" timeout 120 "$venv/bin/python" -m grpc_tools.protoc \
    -I . \
    --go_out="$work" --go_opt=module="$GO_MODULE" \
    --go-grpc_out="$work" --go-grpc_opt=module="$GO_MODULE" \
    commerce/v1/*.proto
)

generated="$out/commerce"
if [[ "$mode" == check ]]; then
  if ! diff -r "$work/commerce" "$generated"; then
    echo "generate.sh: proto/gen/go is stale: run proto/generate.sh" >&2
    exit 1
  fi
  echo "proto/gen/go is up to date"
else
  rm -rf "$generated"
  cp -r "$work/commerce" "$generated"
  echo "generated $(cd "$out" && find commerce -name '*.go' | sort | tr '\n' ' ')"
fi
