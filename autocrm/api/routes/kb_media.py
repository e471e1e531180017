"""A tutorial step's images and videos for the pages: read with the session cookie when there is one (else as a
visitor of the help centre), with the article's visibility (`kb.tutorials.read_media`), in ranges so a video
seeks (`api/ranges.py`). Every answer is sandboxed and never sniffed: uploads are untrusted. (The editor
uploads a step's file through its page's own upload event, API keys through `POST /api/v1/kb/media`.)

The article editor's rich-text body posts a picked, pasted or dropped image here (`POST /api/kb/media`, from a
page of this site with the session cookie: the Origin is checked, as for a ticket's images); the answer is the
address the editor inserts, readable by customers only once a published article shows it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response, UploadFile, status
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from autocrm.api.deps import resource_id
from autocrm.api.ranges import ranged_response
from autocrm.api.routes.attachments import content_disposition
from autocrm.api.routes.session import allowed_origins
from autocrm.core.db import read_session, write_session
from autocrm.core.i18n import t
from autocrm.models import Role
from autocrm.services import auth
from autocrm.services.actor import Actor
from autocrm.services.errors import AuthenticationFailed, PermissionDenied
from autocrm.services.kb import tutorials
from autocrm.services.kb.tutorials import MediaFile, MediaPublic
from autocrm.services.storage import get_file_store

router = APIRouter(prefix="/api/kb/media", include_in_schema=False)

MediaId = Annotated[int, resource_id("The uploaded file's id.")]
VISITOR = Actor(role=Role.customer, label="help-centre")


def _find(token: str | None, media_id: int) -> MediaFile:
    with read_session() as session:
        user = auth.user_for_session_token(session, token) if token else None
        actor = Actor.for_user(user) if user is not None else VISITOR
        return tutorials.read_media(session, actor=actor, media_id=media_id)


def media_response(found: MediaFile, *, range_header: str | None, if_range: str | None) -> Response:
    store = get_file_store()
    return ranged_response(
        size=found.size,
        read=lambda start, length: store.read_range(found.storage_key, start, length),
        range_header=range_header,
        if_range=if_range,
        etag=f'"{found.sha256[:32]}"',
        media_type=found.content_type,
        headers={
            "Content-Disposition": content_disposition(found.filename, inline=True),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, max-age=3600",
        },
    )


@router.get("/{media_id}")
async def media_file(
    request: Request,
    media_id: MediaId,
    range_: Annotated[str | None, Header(alias="range")] = None,
    if_range: Annotated[str | None, Header(alias="if-range")] = None,
) -> Response:
    found = await run_in_threadpool(_find, request.cookies.get(auth.SESSION_COOKIE), media_id)
    return media_response(found, range_header=range_, if_range=if_range)


class BodyImage(BaseModel):
    id: int
    filename: str
    src: str


def _store(token: str | None, filename: str, data: bytes) -> MediaPublic:
    with write_session() as session:
        user = auth.user_for_session_token(session, token) if token else None
        if user is None:
            raise AuthenticationFailed(t("Sign in to add images."))
        return tutorials.upload_media(
            session, actor=Actor.for_user(user), filename=filename, data=data, images_only=True
        )


@router.post("", status_code=status.HTTP_201_CREATED)
async def body_image(request: Request, file: UploadFile) -> BodyImage:
    if request.headers.get("origin", "") not in allowed_origins(request):
        raise PermissionDenied(t("Add images from a page of this site."))
    data = await file.read()
    stored = await run_in_threadpool(_store, request.cookies.get(auth.SESSION_COOKIE), file.filename or "", data)
    return BodyImage(id=stored.id, filename=stored.filename, src=stored.src)
