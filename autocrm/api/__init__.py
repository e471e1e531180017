"""The REST API, v1: a thin HTTP adapter over `autocrm.services`.

`create_app()` builds the FastAPI app; `app` is one built at import, for `uvicorn autocrm.api:app`;
`wrap_reflex` is the Reflex `api_transformer` that serves the API beside the UI in one backend.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp

from autocrm.api.body_limit import JSON_BODY_MAX_BYTES, MULTIPART_OVERHEAD_BYTES, RequestBodyLimit
from autocrm.api.docs import install_docs
from autocrm.api.errors import install_error_handlers
from autocrm.api.locale import RequestLocale
from autocrm.api.routes import (
    ai,
    alerts,
    api_keys,
    attachments,
    audit,
    bulk,
    channels,
    chat,
    desk,
    files,
    health,
    kb,
    kb_media,
    macros,
    mailboxes,
    metrics,
    notifications,
    routing,
    session,
    sla,
    sso,
    suggestions,
    teams,
    ticket_context,
    tickets,
    triage,
    views,
    webhooks,
)
from autocrm.api.routing import ALL_METHODS, unmatched_api_path
from autocrm.api.security_headers import SecurityHeaders
from autocrm.core.settings import get_settings

__all__ = ["app", "create_app", "wrap_reflex"]


def _body_limit_for(path: str) -> int:
    if path.endswith("/attachments") or (path.startswith("/api/files/tickets/") and path.endswith("/images")):
        return get_settings().attachment_max_bytes + MULTIPART_OVERHEAD_BYTES
    if path == "/api/v1/kb/media":
        settings = get_settings()
        return max(settings.kb_video_max_bytes, settings.attachment_max_bytes) + MULTIPART_OVERHEAD_BYTES
    if path == "/api/v1/channels/email/inbound":
        return get_settings().email_max_bytes
    return JSON_BODY_MAX_BYTES


class _Api(FastAPI):
    """FastAPI with the security headers outermost, so even the answer to an unexpected error carries them."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack(), base_url=get_settings().base_url)


def create_app() -> FastAPI:
    api = _Api(
        title="AutoCRM API",
        version="1",
        description="Tickets, their conversations and history. Authenticate with `Authorization: Bearer <API key>`.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served by install_docs, from installed assets
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    install_docs(api)
    install_error_handlers(api)
    api.add_middleware(RequestBodyLimit, limit_for_path=_body_limit_for)
    api.add_middleware(RequestLocale)
    api.include_router(health.router)
    api.include_router(bulk.router)  # before tickets: /tickets/bulk is not a ticket id
    api.include_router(tickets.router)
    api.include_router(attachments.router)
    api.include_router(files.router)
    api.include_router(api_keys.router)
    api.include_router(webhooks.router)
    api.include_router(macros.router)
    api.include_router(metrics.router)
    api.include_router(metrics.page_router)
    api.include_router(ticket_context.router)
    api.include_router(routing.router)
    api.include_router(alerts.router)
    api.include_router(teams.router)
    api.include_router(sla.router)
    api.include_router(kb.router)
    api.include_router(kb_media.router)
    api.include_router(suggestions.router)
    api.include_router(session.router)
    api.include_router(sso.router)
    api.include_router(notifications.router)
    api.include_router(views.router)
    api.include_router(channels.router)
    api.include_router(mailboxes.router)
    api.include_router(ai.router)
    api.include_router(triage.router)
    api.include_router(chat.router)
    api.include_router(audit.router)
    api.include_router(desk.router)
    return api


def wrap_reflex(reflex_asgi_app: ASGIApp) -> FastAPI:
    """Reflex's `api_transformer`: a fresh API app with the Reflex backend mounted under it."""
    api = create_app()
    # After the API's routes, before the mount: unknown /api paths get the error envelope, not the UI.
    api.add_api_route("/api/{rest_of_path:path}", unmatched_api_path, methods=ALL_METHODS, include_in_schema=False)
    api.mount("", reflex_asgi_app)
    return api


app = create_app()
