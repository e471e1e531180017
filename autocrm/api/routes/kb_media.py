"""A tutorial step's images and videos for the pages: read with the session cookie when there is one (else as a
visitor of the help centre), with the article's visibility (`kb.tutorials.read_media`), in ranges so a video
seeks (`api/ranges.py`). Every answer is sandboxed and never sniffed: uploads are untrusted. (The editor
uploads through its page's own upload event, API keys through `POST /api/v1/kb/media`.)"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from starlette.concurrency import run_in_threadpool

from autocrm.api.deps import resource_id
from autocrm.api.ranges import ranged_response
from autocrm.api.routes.attachments import content_disposition
from autocrm.core.db import read_session
from autocrm.models import Role
from autocrm.services import auth
from autocrm.services.actor import Actor
from autocrm.services.kb import tutorials
from autocrm.services.kb.tutorials import MediaFile
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
