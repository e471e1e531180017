"""Issue 14 in chromium: the unsubscribe link of a notification mail turns notifications off without sign-in,
and the same page turns them back on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from autocrm.core.db import dispose_engines, read_session
from autocrm.core.settings import reset_settings
from autocrm.models import Role, User
from autocrm.services import notifications

pytestmark = pytest.mark.browser


@pytest.fixture
def served_desk(served, monkeypatch) -> Iterator[Path]:
    """This process's settings pointed at the served app's data folder (its database and secret key)."""
    data_dir = served[1].parent
    for name in ("AUTOCRM_DATABASE_URL", "AUTOCRM_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AUTOCRM_DATA_DIR", str(data_dir))
    monkeypatch.setenv("AUTOCRM_BASE_URL", served[0])
    reset_settings()
    dispose_engines()
    yield data_dir
    dispose_engines()
    reset_settings()


def _preference(user_id: int) -> bool:
    with read_session() as session:
        user = session.get(User, user_id)
        assert user is not None
        return user.email_notifications


def test_the_unsubscribe_link_turns_notifications_off_and_the_page_back_on(open_ui, served_desk):
    with read_session() as session:
        customer = session.exec(select(User).where(User.role == Role.customer).order_by(User.id)).first()
        assert customer is not None
        user_id, address = customer.id, customer.email
        link = notifications.unsubscribe_link(customer)
    assert user_id is not None

    ui = open_ui()  # nobody signed in
    ui.page.goto(link)
    ui.wait_ready(".notifications-off-done")
    assert address in ui.page.locator(".notifications-off-done").inner_text()
    assert _preference(user_id) is False
    ui.shoot("notifications-off")

    ui.page.locator(".notifications-on").filter(visible=True).first.click()
    ui.wait_ready(".notifications-on-done")
    assert _preference(user_id) is True
    ui.shoot("notifications-on-again")

    ui.page.goto(link.replace("token=", "token=x"))
    ui.wait_ready(".notifications-failed")
    assert "not valid" in ui.page.locator(".notifications-failed").inner_text()
    assert _preference(user_id) is True, "a bad link changes nothing"
    ui.shoot("notifications-off-bad-link")
