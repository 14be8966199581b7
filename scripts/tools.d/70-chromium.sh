#!/usr/bin/env bash
# Headless Chromium from Debian's packages, for the tests that load the HTML run report and the
# shop's trace pages the way a person does (DOM, console errors, screenshots).
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .tools/bin
if ! command -v chromium >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-cache show chromium >/dev/null 2>&1 || timeout 600 apt-get update -q
  timeout 1200 apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
fi
ln -sf "$(command -v chromium)" .tools/bin/chromium
chromium --version
