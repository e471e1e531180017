"""Which methods a path allows, and the answer for /api paths that no API route takes."""

from __future__ import annotations

from fastapi import HTTPException, Request
from starlette.routing import Match, Mount

from autocrm.core.i18n import t

ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def allowed_methods(request: Request) -> list[str]:
    """Every method some API route takes at this path (Starlette's 405 names only the first route's)."""
    return [
        method
        for method in ALL_METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL
            for route in request.app.router.routes
            if not isinstance(route, Mount) and getattr(route, "endpoint", None) is not unmatched_api_path
        )
    ]


async def unmatched_api_path(request: Request) -> None:
    """Answers an /api path no API route took, which a UI mounted at "" would otherwise swallow.

    Without a mount, Starlette's own 404 and 405 reach the error handlers; with one, the mount matches every
    path, so this route, placed between the API's routes and the mount, works out which of the two it is.
    """
    allowed = allowed_methods(request)
    if allowed:
        raise HTTPException(status_code=405, headers={"Allow": ", ".join(allowed)})
    raise HTTPException(status_code=404, detail=t("There is no API endpoint at {path}.", path=request.url.path))
