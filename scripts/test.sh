#!/usr/bin/env bash
# Installs everything (Python packages, bun, Debian's chromium), makes sure PostgreSQL and Redis run,
# then runs the gates and the whole test suite, browser tests included:
#   ruff (format and lint), mypy, the translation catalogs' check, then pytest with the coverage floor.
# Extra arguments go to pytest and run just those tests (the coverage floor applies to the whole suite only).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
bash scripts/bootstrap.sh --dev
bash scripts/services.sh

# The floor is what the whole suite reached when it was set, minus a point. Raise it as coverage grows;
# never lower it without saying why in the commit.
COVERAGE_FLOOR=85

echo "test: ruff format --check, ruff check, mypy"
.venv/bin/ruff format --check --quiet .
.venv/bin/ruff check --quiet .
.venv/bin/mypy --no-error-summary
echo "test: translation catalogs (scripts/i18n.sh check)"
bash scripts/i18n.sh check

if [ $# -eq 0 ]; then
  exec .venv/bin/python -m pytest --cov --cov-report=term:skip-covered --cov-fail-under="$COVERAGE_FLOOR"
fi
exec .venv/bin/python -m pytest "$@"
