"""Attachments for the browser: the pages show and download a ticket's files through the session cookie
(the versioned API takes keys). The same visibility as everywhere: a customer never reads a note's files.

Only images from the upload allowlist are ever shown inline (previews); everything else is a download, and
every answer is sandboxed and never sniffed, so an uploaded file cannot run in our origin.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from autocrm.api.routes.attachments import AttachmentId, file_response
from autocrm.core.db import read_session
from autocrm.services import auth, tickets
from autocrm.services.actor import Actor
from autocrm.services.errors import AuthenticationFailed
from autocrm.services.tickets import AttachmentPublic

router = APIRouter(prefix="/api/files", include_in_schema=False)


def _read(token: str | None, attachment_id: int) -> tuple[AttachmentPublic, bytes]:
    with read_session() as session:
        user = auth.user_for_session_token(session, token)
        if user is None:
            raise AuthenticationFailed("Sign in to see this file.")
        return tickets.read_attachment(session, actor=Actor.for_user(user), attachment_id=attachment_id)


@router.get("/{attachment_id}")
async def attachment_file(
    request: Request,
    attachment_id: AttachmentId,
    preview: Annotated[bool, Query(description="An image shown in the page instead of downloaded.")] = False,
) -> Response:
    meta, data = await run_in_threadpool(_read, request.cookies.get(auth.SESSION_COOKIE), attachment_id)
    inline = preview and meta.content_type in tickets.PREVIEWABLE_ATTACHMENT_TYPES
    return file_response(meta, data, inline=inline, **{"Cache-Control": "private, max-age=3600"})
