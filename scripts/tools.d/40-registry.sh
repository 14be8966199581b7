#!/usr/bin/env bash
# The CNCF distribution registry (Debian's docker-registry, /usr/bin/docker-registry): the real
# registry the image tests push to, with htpasswd auth, plus a second instance in proxy mode as
# the pull-through cache. Installed from apt; linked into .tools/bin so tests find it on PATH.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .tools/bin
if ! command -v docker-registry >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-cache show docker-registry >/dev/null 2>&1; then
    apt-get update
  fi
  apt-get install -y --no-install-recommends docker-registry
  # The package enables a system service on port 5000; the tests start their own instances.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet docker-registry 2>/dev/null; then
    systemctl stop docker-registry || true
    systemctl disable docker-registry || true
  fi
fi
ln -sf "$(command -v docker-registry)" .tools/bin/docker-registry
docker-registry --version
