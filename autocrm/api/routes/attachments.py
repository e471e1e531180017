from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Response

from autocrm.api.deps import Credential, read, resource_id
from autocrm.api.errors import ERROR_RESPONSES
from autocrm.services import tickets
from autocrm.services.tickets import AttachmentPublic

router = APIRouter(prefix="/api/v1", tags=["attachments"], responses=ERROR_RESPONSES)

AttachmentId = Annotated[int, resource_id("The attachment's id.")]


def content_disposition(filename: str, *, inline: bool = False) -> str:
    ascii_fallback = filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get(
    "/attachments/{attachment_id}",
    summary="Download an attachment",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The file's bytes"}},
)
async def download_attachment(key: Credential, attachment_id: AttachmentId) -> Response:
    meta, data = await read(
        key, lambda session, actor: tickets.read_attachment(session, actor=actor, attachment_id=attachment_id)
    )
    return file_response(meta, data)


def file_response(meta: AttachmentPublic, data: bytes, *, inline: bool = False, **headers: str) -> Response:
    """An uploaded file's bytes: a download unless `inline` (the caller vouches for the type), never sniffed,
    and sandboxed so that nothing in it runs in our origin: uploads are untrusted."""
    return Response(
        content=data,
        media_type=meta.content_type,
        headers={
            "Content-Disposition": content_disposition(meta.filename, inline=inline),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            **headers,
        },
    )
