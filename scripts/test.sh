#!/usr/bin/env bash
# Installs everything (Python packages, bun, Debian's chromium), makes sure
# PostgreSQL and Redis run, then runs the whole test suite, browser tests included.
# Extra arguments go to pytest.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
bash scripts/bootstrap.sh --dev
bash scripts/services.sh
exec .venv/bin/python -m pytest "$@"
