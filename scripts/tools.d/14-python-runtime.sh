#!/usr/bin/env bash
# Debian 12's python3.11 and pip: the Python toolchain builds, tests and runs every Python service
# on /usr/bin/python3.11, the interpreter the python runtime base ships (pipelines/toolchains/
# python.py INTERPRETER), never on another Python first on PATH.
set -euo pipefail
if ! /usr/bin/python3.11 -m pip --version >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-cache show python3-pip >/dev/null 2>&1 || timeout 600 apt-get update -q
  timeout 900 apt-get install -y -q --no-install-recommends python3.11 python3-pip
fi
/usr/bin/python3.11 --version
/usr/bin/python3.11 -m pip --version
