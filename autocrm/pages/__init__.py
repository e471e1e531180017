"""The UI's pages. Importing this package records them in `registry.PAGES`; `autocrm.autocrm` adds them."""

from autocrm.pages import (
    account,
    account_security,
    accounts,
    admin,
    admin_sso,
    agent,
    ai_settings,
    api_keys,
    auth,
    kb,
    mailboxes,
    not_found,
    notifications,
    portal,
    stats,
    teams,
    webhooks,
)
from autocrm.pages.registry import PAGES

__all__ = [
    "PAGES",
    "account",
    "account_security",
    "accounts",
    "admin",
    "admin_sso",
    "ai_settings",
    "agent",
    "api_keys",
    "auth",
    "kb",
    "mailboxes",
    "not_found",
    "notifications",
    "portal",
    "stats",
    "teams",
    "webhooks",
]
