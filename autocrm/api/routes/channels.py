"""Channels: raw messages handed to the desk by the services that received them (a mail provider's webhook)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from autocrm.api.deps import Credential, write
from autocrm.api.errors import ERROR_RESPONSES
from autocrm.services import email as inbound
from autocrm.services.email import InboundResult

router = APIRouter(prefix="/api/v1", tags=["channels"], responses=ERROR_RESPONSES)


@router.post(
    "/channels/email/inbound",
    summary="Hand the desk one raw e-mail",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}},
            "description": "The message exactly as received (RFC 822 / MIME), any content type header.",
        }
    },
)
async def email_inbound(key: Credential, request: Request) -> InboundResult:
    """Needs a key with `channels:write`. Answers once the message is stored: `status` is `created` (a new
    ticket or a follow-up), `threaded` (a reply on `ticket_id`), `ignored` (an auto-reply, a bounce, the desk's
    own mail, a mail storm) or `failed` (kept in the admins' failed list with `reason`, for a retry); never a
    5xx for a bad message. Sending the same Message-ID again changes nothing and answers `duplicate: true`."""
    data = await request.body()
    return await write(key, lambda session, actor: inbound.receive(session, actor=actor, data=data, source="api"))
