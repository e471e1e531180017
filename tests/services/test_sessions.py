"""Browser sessions: their devices, last seen (noted once a minute), and ending them (own or, for admins, anyone's)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.models import AuditEntry, LoginSession, Role
from autocrm.models.base import utcnow
from autocrm.services import auth, sessions
from autocrm.services.actor import Actor
from autocrm.services.errors import NotFound, PermissionDenied
from tests.factories import make_api_key

CHROME_LINUX = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1"
)


def _sign_in(user, user_agent: str = CHROME_LINUX) -> str:
    """A claimed browser session, as the sign-in form and the claim route make it; returns its token."""
    browser_key = f"browser-{user_agent[:20]}"  # the pre-login cookie the sign-in page set in that browser
    with write_session() as s:
        code = auth.begin_login_session(s, user=user, browser_key=browser_key)
    with write_session() as s:
        return auth.claim_login_session(s, code=code, browser_key=browser_key, user_agent=user_agent)


def _row(token: str) -> LoginSession:
    with read_session() as s:
        return s.exec(select(LoginSession).where(LoginSession.token_hash == auth.sha256(token))).one()


@pytest.mark.parametrize(
    ("user_agent", "device"),
    [
        (CHROME_LINUX, "Chrome on Linux"),
        (SAFARI_IPHONE, "Safari on iPhone"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge on Windows",
        ),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on macOS"),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
            "Chrome on iPhone",
        ),
        ("curl/8.5.0", "curl"),
        ("", "Unknown browser"),
        ("something odd", "Unknown browser"),
    ],
)
def test_the_device_is_said_the_way_people_say_it(user_agent, device):
    assert sessions.describe_device(user_agent) == device


def test_a_user_sees_their_live_sessions_with_device_and_this_one_first(people):
    user, other = people.make(Role.customer), people.make(Role.customer)
    phone = _sign_in(user, SAFARI_IPHONE)
    laptop = _sign_in(user, CHROME_LINUX + "\x00\n")
    _sign_in(other)
    with write_session() as s:
        auth.begin_login_session(s, user=user, browser_key="unclaimed")  # started, never claimed: not a session yet
        auth.end_login_session(s, token=_sign_in(user))  # signed out: gone
    with read_session() as s:
        listed = sessions.list_sessions(s, actor=Actor.for_user(user), current_token=laptop)
    assert [(x.device, x.current) for x in listed] == [("Chrome on Linux", True), ("Safari on iPhone", False)]
    assert listed[0].user_agent == CHROME_LINUX  # kept printable
    assert listed[1].id == _row(phone).id
    assert "token" not in listed[0].model_dump_json()


def test_last_seen_is_noted_at_most_once_a_minute(people):
    user = people.make(Role.agent)
    token = _sign_in(user)
    claimed = _row(token).last_seen_at
    assert claimed is not None
    with read_session() as s:
        assert auth.user_for_session_token(s, token).id == user.id
    assert _row(token).last_seen_at == claimed  # seen within the minute: no write
    a_while_ago = utcnow() - timedelta(seconds=61)
    with write_session() as s:
        row = s.exec(select(LoginSession).where(LoginSession.token_hash == auth.sha256(token))).one()
        row.last_seen_at = a_while_ago
        s.add(row)
    with read_session() as s:
        assert auth.user_for_session_token(s, token).id == user.id
    assert _row(token).last_seen_at > a_while_ago


def test_ending_a_session_signs_that_browser_out_at_once_and_is_audited(people):
    user = people.make(Role.customer)
    mine, other = _sign_in(user), _sign_in(user, SAFARI_IPHONE)
    with write_session() as s:
        ended = sessions.end_session(s, actor=Actor.for_user(user), session_id=_row(other).id)
    assert ended.device == "Safari on iPhone"
    with read_session() as s:
        assert auth.user_for_session_token(s, other) is None
        assert auth.user_for_session_token(s, mine).id == user.id
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "auth.session_end")).one()
    assert (entry.object_type, entry.object_id, entry.actor_user_id) == ("login_session", ended.id, user.id)
    with pytest.raises(NotFound), write_session() as s:  # ended already
        sessions.end_session(s, actor=Actor.for_user(user), session_id=ended.id)


def test_sign_out_everywhere_else_keeps_only_this_session(people):
    user = people.make(Role.agent)
    here, *elsewhere = (_sign_in(user) for _ in range(3))
    with write_session() as s:
        assert sessions.end_other_sessions(s, actor=Actor.for_user(user), current_token=here) == 2
    with read_session() as s:
        assert [auth.user_for_session_token(s, t) is not None for t in (here, *elsewhere)] == [True, False, False]
        assert len(s.exec(select(AuditEntry).where(AuditEntry.action == "auth.session_end")).all()) == 2


def test_someone_elses_session_is_refused_unless_an_admin_ends_it(people):
    owner, stranger, agent, admin = (
        people.make(role) for role in (Role.customer, Role.customer, Role.agent, Role.admin)
    )
    token = _sign_in(owner)
    session_id = _row(token).id
    for outsider in (stranger, agent):
        with pytest.raises(NotFound), write_session() as s:
            sessions.end_session(s, actor=Actor.for_user(outsider), session_id=session_id)
        with pytest.raises(NotFound), read_session() as s:
            sessions.list_sessions(s, actor=Actor.for_user(outsider), user_id=owner.id)
        with pytest.raises(PermissionDenied), write_session() as s:
            sessions.end_all_sessions(s, actor=Actor.for_user(outsider), user_id=owner.id)
    with read_session() as s:
        assert auth.user_for_session_token(s, token).id == owner.id
        assert len(sessions.list_sessions(s, actor=Actor.for_user(admin), user_id=owner.id)) == 1
    with pytest.raises(PermissionDenied), write_session() as s:  # an API key is no person with sessions
        sessions.end_session(s, actor=_key_actor(), session_id=session_id)
    _sign_in(owner)
    with write_session() as s:
        assert sessions.end_all_sessions(s, actor=Actor.for_user(admin), user_id=owner.id) == 2
    with read_session() as s:
        assert auth.user_for_session_token(s, token) is None
        entries = s.exec(select(AuditEntry).where(AuditEntry.action == "auth.session_end")).all()
    assert {e.actor_user_id for e in entries} == {admin.id} and len(entries) == 2
    with pytest.raises(NotFound), write_session() as s:
        sessions.end_all_sessions(s, actor=Actor.for_user(admin), user_id=999_999)


def _key_actor() -> Actor:
    from autocrm.services import api_keys

    with read_session() as s:
        return api_keys.api_key_actor(s, make_api_key(role=Role.admin))
