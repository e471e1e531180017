#!/usr/bin/env bash
# Installs everything, migrates the database, seeds the demo desk on first start
# and serves AutoCRM in production mode at http://localhost:3000 on the embedded
# default (SQLite and every file under AUTOCRM_DATA_DIR, ./data by default).
# The demo desk is an explicit choice (--demo): the server says so at start-up,
# and it keeps the demo's published password only while it answers on loopback.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
bash scripts/bootstrap.sh
exec .venv/bin/autocrm serve --demo "$@"
