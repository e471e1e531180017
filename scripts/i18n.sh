#!/usr/bin/env bash
# The translation catalogs (autocrm/locale/<lang>/LC_MESSAGES/messages.po):
#   scripts/i18n.sh extract   write the template (autocrm/locale/messages.pot) from the code's t()/N_()/tr() calls
#   scripts/i18n.sh update    add new msgids to every catalog (empty, to translate) and drop vanished ones
#   scripts/i18n.sh check     fail when a catalog misses a msgid, has an empty or fuzzy entry, or a placeholder differs
# The app reads the .po files directly: nothing is compiled by hand.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
exec .venv/bin/python -m autocrm.core.i18n_tools "$@"
