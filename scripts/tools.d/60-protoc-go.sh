#!/usr/bin/env bash
# Pinned protoc (PyPI grpcio-tools) and protoc-gen-go/-go-grpc for proto/generate.sh, installed
# under .tools/protoc-go. Idempotent: the versions live in proto/generate.sh alone.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
exec bash "$root/proto/generate.sh" --tools
