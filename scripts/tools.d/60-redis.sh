#!/usr/bin/env bash
# Redis from Debian's packages, for `commerce-ci shop` (cart and the order stream).
# The package's own service is not wanted: the shop starts its own server on a free port.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v redis-server >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  # Keep the package's init script from starting a system-wide server.
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod +x "$policy"
    created_policy=1
  fi
  apt-cache show redis-server >/dev/null 2>&1 || timeout 600 apt-get update -q
  timeout 900 apt-get install -y -q --no-install-recommends redis-server
  if [ "$created_policy" = 1 ]; then rm -f "$policy"; fi
fi
ln -sf "$(command -v redis-server)" .tools/bin/redis-server
redis-server --version
