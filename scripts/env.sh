# Sourced by the other scripts: one place for the paths and offline switches.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export AUTOCRM_ROOT="$ROOT"
export PATH="$ROOT/.tools/node_modules/.bin:$ROOT/.venv/bin:$PATH"
# Keep Reflex and bun caches inside the project; never reach for the network at start-up.
export REFLEX_DIR="$ROOT/.tools/reflex"
export BUN_INSTALL_CACHE_DIR="$ROOT/.tools/bun-cache"
export BUN_RUNTIME_TRANSPILER_CACHE_PATH="$ROOT/.tools/bun-transpiler-cache"
export NPM_CONFIG_REGISTRY="https://registry.npmjs.org"
export REFLEX_CHECK_LATEST_VERSION=0
export REFLEX_TELEMETRY_ENABLED=false
export PIP_DISABLE_PIP_VERSION_CHECK=1
