"""Files answered with HTTP range requests (RFC 9110 §14), so a video plays and seeks in the page.

One range at a time: `bytes=0-99`, `bytes=100-` and `bytes=-100` get 206 Partial Content with their
`Content-Range`; a range past the end or one that reads backwards gets 416 with `Content-Range: bytes */<size>`;
no Range header, another unit, several ranges at once or an `If-Range` that names an older file get the whole
file (200), as the RFC lets a server do. Every answer says `Accept-Ranges: bytes`. The bytes are read from the
file store a chunk at a time, so a long video is never held in memory whole.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable

from fastapi import Response
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from autocrm.core.i18n import t

CHUNK_BYTES = 256 * 1024
_SPEC = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


class RangeNotSatisfiable(Exception):
    pass


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) byte inclusive for one satisfiable range; None for the whole file; raises
    `RangeNotSatisfiable` for a range of bytes the file cannot give."""
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes":
        return None
    if "," in spec:
        return None
    found = _SPEC.match(spec)
    if found is None:
        raise RangeNotSatisfiable(header)
    first, last = found.groups()
    if not first and not last:
        raise RangeNotSatisfiable(header)
    if not first:  # the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(header)
        return max(0, size - suffix), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if end < start or start >= size:
        raise RangeNotSatisfiable(header)
    return start, min(end, size - 1)


def ranged_response(
    *,
    size: int,
    read: Callable[[int, int], bytes],
    range_header: str | None,
    if_range: str | None,
    etag: str,
    media_type: str,
    headers: dict[str, str],
) -> Response:
    """The file (`read(start, length)` gives its bytes) whole or in the range asked for."""
    common = {**headers, "Accept-Ranges": "bytes", "ETag": etag}
    wanted = range_header if not if_range or if_range.strip() == etag else None
    try:
        chosen = parse_range(wanted, size)
    except RangeNotSatisfiable:
        return JSONResponse(
            status_code=416,
            content={
                "error": {
                    "code": "range_not_satisfiable",
                    "message": t("The file has {size} bytes: that range is not in it.", size=size),
                    "details": {"size": size},
                }
            },
            headers={**common, "Content-Range": f"bytes */{size}"},
        )
    start, end = chosen if chosen is not None else (0, size - 1)
    length = max(0, end - start + 1)

    async def body() -> AsyncIterator[bytes]:
        position, left = start, length
        while left > 0:
            piece = await run_in_threadpool(read, position, min(CHUNK_BYTES, left))
            if not piece:
                break
            position += len(piece)
            left -= len(piece)
            yield piece

    extra = {"Content-Length": str(length)}
    if chosen is not None:
        extra["Content-Range"] = f"bytes {start}-{end}/{size}"
    return StreamingResponse(
        body(), status_code=206 if chosen is not None else 200, media_type=media_type, headers={**common, **extra}
    )
