#!/usr/bin/env bash
# The Rust lint tools (clippy, rustfmt) as rustup components of the default toolchain.
set -euo pipefail
if ! command -v rustup >/dev/null; then
  echo "rustup is not installed: see https://rustup.rs" >&2
  exit 1
fi
rustup component add clippy rustfmt
cargo clippy --version
cargo fmt --version
