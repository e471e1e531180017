"""Attachments for the browser: the pages show and download a ticket's files through the session cookie
(the versioned API takes keys). The same visibility as everywhere: a customer never reads a note's files.

Only images from the upload allowlist are ever shown inline (previews); everything else is a download, and
every answer is sandboxed and never sniffed, so an uploaded file cannot run in our origin.

The rich-text editor posts a pasted or dropped image here (`tickets/{id}/images`, from a page of this site: the
Origin is checked, as for signing out); the answer is the stored file's address for the editor to show, its
writer's alone until the message that shows it is sent (`tickets.add_inline_image`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, UploadFile, status
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from autocrm import routes
from autocrm.api.routes.attachments import AttachmentId, file_response
from autocrm.api.routes.session import allowed_origins
from autocrm.api.routes.tickets import TicketId
from autocrm.core.db import read_session, write_session
from autocrm.core.i18n import t
from autocrm.services import auth, tickets
from autocrm.services.actor import Actor
from autocrm.services.errors import AuthenticationFailed, PermissionDenied
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


class InlineImage(BaseModel):
    id: int
    filename: str
    src: str


def _store_image(token: str | None, ticket_id: int, filename: str, data: bytes) -> AttachmentPublic:
    with write_session() as session:
        user = auth.user_for_session_token(session, token)
        if user is None:
            raise AuthenticationFailed(t("Sign in to add images."))
        return tickets.add_inline_image(
            session, actor=Actor.for_user(user), ticket_id=ticket_id, filename=filename, data=data
        )


@router.post("/tickets/{ticket_id}/images", status_code=status.HTTP_201_CREATED)
async def inline_image(request: Request, ticket_id: TicketId, file: UploadFile) -> InlineImage:
    if request.headers.get("origin", "") not in allowed_origins(request):
        raise PermissionDenied(t("Add images from a page of this site."))
    data = await file.read()
    stored = await run_in_threadpool(
        _store_image, request.cookies.get(auth.SESSION_COOKIE), ticket_id, file.filename or "", data
    )
    return InlineImage(id=stored.id, filename=stored.filename, src=routes.page_file(stored.id))
