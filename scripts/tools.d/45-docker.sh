#!/usr/bin/env bash
# A real Docker daemon (Debian's docker.io: dockerd, containerd, runc and a matching
# /usr/bin/docker client) for the tests that prove daemonless images pull and run under Docker,
# and for the image benchmark that compares against `docker build` + `docker push`.
# The tests start their own dockerd with private roots and socket, so the system service the
# package brings is stopped and disabled. dockerd is linked into .tools/bin so the fixtures find
# it; the client the tests use is /usr/bin/docker (same release as the daemon), not a newer CLI
# that may sit earlier on PATH.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .tools/bin
if ! [ -x /usr/sbin/dockerd ] || ! [ -x /usr/bin/docker ]; then
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-cache show docker.io >/dev/null 2>&1; then
    apt-get update
  fi
  apt-get install -y --no-install-recommends docker.io
fi
# The package enables docker.service/docker.socket and containerd; none of them may hold the
# system socket or state while tests run their own daemons. `disable` works without a running
# systemd (it removes the unit links), `stop` only with one.
if command -v systemctl >/dev/null 2>&1; then
  for unit in docker.socket docker.service containerd.service; do
    if [ -d /run/systemd/system ]; then
      systemctl stop "${unit}" >/dev/null 2>&1 || true
    fi
    systemctl disable "${unit}" >/dev/null 2>&1 || true
  done
fi
if [ -x /etc/init.d/docker ] && ! [ -d /run/systemd/system ]; then
  /etc/init.d/docker stop >/dev/null 2>&1 || true
fi
ln -sf /usr/sbin/dockerd .tools/bin/dockerd
/usr/sbin/dockerd --version
/usr/bin/docker --version
