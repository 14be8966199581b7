#!/usr/bin/env bash
# Installs every tool the engine and its tests use, on a fresh Debian machine, idempotently.
# Tools land in .tools/ (own virtualenvs for scanners with heavy dependencies) and .tools/bin,
# which the local engine puts first on PATH. Each file in scripts/tools.d/ installs one concern.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .tools/bin
for part in scripts/tools.d/*.sh; do
  echo "==> ${part}"
  bash "${part}"
done
