"""The List-Unsubscribe URL over real HTTP: one-click POST turns notification mails off, GET goes to the page."""

from __future__ import annotations

from fastapi.testclient import TestClient

from autocrm.api import create_app
from autocrm.core.db import read_session
from autocrm.models import Role, User
from autocrm.services import notifications
from tests.factories import make_user


def _token(user_id: int) -> str:
    with read_session() as session:
        user = session.get(User, user_id)
        assert user is not None
        return notifications.unsubscribe_token(user)


def _preference(user_id: int) -> bool:
    with read_session() as session:
        user = session.get(User, user_id)
        assert user is not None
        return user.email_notifications


def test_one_click_post_turns_notifications_off(db_url):
    customer = make_user(Role.customer)
    client = TestClient(create_app())
    token = _token(customer.id)
    answer = client.post(
        "/api/v1/notifications/off",
        params={"token": token},
        content="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 200
    assert answer.json() == {"email": customer.email, "email_notifications": False}
    assert _preference(customer.id) is False
    assert client.post("/api/v1/notifications/off", params={"token": token}).status_code == 200, "twice is fine"


def test_a_bad_token_is_a_404_and_changes_nothing(db_url):
    customer = make_user(Role.customer)
    client = TestClient(create_app())
    for bad in ("", "nonsense", _token(customer.id) + "x"):
        answer = client.post("/api/v1/notifications/off", params={"token": bad})
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "not_found"
    assert _preference(customer.id) is True


def test_a_browser_opening_the_url_is_sent_to_the_page(db_url):
    customer = make_user(Role.customer)
    client = TestClient(create_app())
    token = _token(customer.id)
    answer = client.get("/api/v1/notifications/off", params={"token": token}, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/notifications/off?token={token}"
    assert _preference(customer.id) is True, "a GET (a link scanner) changes nothing by itself"
    odd = client.get("/api/v1/notifications/off", params={"token": "a/b?c=d&e"}, follow_redirects=False)
    assert odd.headers["location"] == "/notifications/off?token=a%2Fb%3Fc%3Dd%26e"
