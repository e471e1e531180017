"""The notification mails' unsubscribe URL (List-Unsubscribe): one-click POST (RFC 8058), or a browser's GET
sent on to the page that says what happened. The mail's signed token is the only credential."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from autocrm import routes
from autocrm.core.db import write_session
from autocrm.services import notifications
from autocrm.services.notifications import NotificationPreference

router = APIRouter(tags=["notifications"])
ONE_CLICK_OFF = routes.NOTIFICATIONS_ONE_CLICK_OFF


def _turn_off(token: str) -> NotificationPreference:
    with write_session() as session:
        return notifications.set_notifications_by_token(session, token=token, on=False)


# Not in the API's schema: mail clients call it, not API clients (like the session routes).
@router.post(ONE_CLICK_OFF, include_in_schema=False)
async def one_click_off(token: str = "") -> NotificationPreference:
    """Turns the token's person's notification mails off (what a mail client's "Unsubscribe" button posts)."""
    return await run_in_threadpool(_turn_off, token)


@router.get(ONE_CLICK_OFF, include_in_schema=False)
async def to_the_page(token: str = "") -> RedirectResponse:
    """A person who opened the URL gets the page, which turns notifications off and can turn them back on."""
    # Quoted: whatever the query held, the redirect stays one path on this server.
    return RedirectResponse(routes.notifications_off_link("", quote(token, safe="")), status_code=303)
