#!/usr/bin/env bash
# promtool (`promtool check rules`) ships in Debian's `prometheus` package. Only that one binary
# (libc only) is wanted, not the server and its service: the .deb is downloaded and unpacked
# into .tools/prometheus instead of installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
dest=".tools/prometheus"
mkdir -p .tools/bin
if [[ ! -x "${dest}/usr/bin/promtool" ]]; then
  command -v apt-get >/dev/null || { echo "apt-get is required to fetch Debian's prometheus package" >&2; exit 1; }
  apt-get update -qq
  work="$(mktemp -d)"
  trap 'rm -rf "${work}"' EXIT
  chmod 755 "${work}" # apt downloads as the _apt user
  (cd "${work}" && apt-get download prometheus >/dev/null)
  rm -rf "${dest}"
  mkdir -p "${dest}"
  dpkg-deb -x "${work}"/prometheus_*.deb "${dest}"
fi
ln -sfn "../prometheus/usr/bin/promtool" .tools/bin/promtool
have=$(.tools/bin/promtool --version 2>&1)
echo "${have%%$'\n'*}"
