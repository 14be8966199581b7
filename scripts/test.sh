#!/usr/bin/env bash
# Runs the whole test suite (unit, integration with real toolchains and scanners, infra checks).
# Extra arguments go to pytest, e.g. `scripts/test.sh tests/unit -x`.
set -euo pipefail
cd "$(dirname "$0")/.."
export COMMERCE_CI_VULN_DB="${COMMERCE_CI_VULN_DB:-$(cd .. && pwd)/shared/vulndb}"
exec .venv/bin/python -m pytest "$@"
