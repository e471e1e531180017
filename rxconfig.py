"""Reflex configuration. AutoCRM's own settings live in autocrm.core.settings (AUTOCRM_* variables)."""

import reflex as rx

from autocrm.core.origins import allowed_origins
from autocrm.core.settings import get_settings

_settings = get_settings()

_options: dict = {}
if _settings.redis_url:
    # A Redis URL alone switches Reflex to its Redis state manager (state shared by every worker).
    # Do not set state_manager_mode as well: with the mode set explicitly, Reflex 0.10's prod mode still
    # starts several workers but keeps each one's state on its own disk, so state breaks across workers.
    _options["redis_url"] = _settings.redis_url

config = rx.Config(
    app_name="autocrm",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(
                accent_color="indigo", gray_color="slate", radius="medium", scaling="100%", has_background=True
            ),
        ),
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
    # CORS on the whole backend and the websocket's Origin check: only pages of AUTOCRM_BASE_URL's origin (Reflex's
    # default, "*", echoes any origin with credentials). autocrm.api.security_headers checks the handshake as well.
    cors_allowed_origins=list(allowed_origins(_settings.base_url)),
    **_options,
)
