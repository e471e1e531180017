"""The command line, run the way an admin runs it: as a separate process."""

import os
import subprocess
import sys

import pytest
from sqlmodel import func, select

from autocrm.core.db import read_session, write_session
from autocrm.models import Message, Organization, Role, StatusCategory, Team, Ticket, TicketStatus, User
from autocrm.services import api_keys, seed


def _run(tmp_path, *args, ok=True):
    env = {**os.environ, "AUTOCRM_DATA_DIR": str(tmp_path / "data")}
    env.pop("AUTOCRM_DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "autocrm", *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert (result.returncode == 0) == ok, result.stdout + result.stderr
    return result


def test_bootstrap_an_admin_and_an_api_key(tmp_path, monkeypatch):
    _run(tmp_path, "db", "upgrade")
    _run(
        tmp_path,
        "create-user",
        "--email",
        "boss@example.com",
        "--name",
        "Boss",
        "--role",
        "admin",
        "--password",
        "long-enough",
    )
    result = _run(tmp_path, "create-api-key", "--name", "ci", "--scopes", "tickets:read,tickets:write")
    raw_key = result.stdout.strip().splitlines()[-1]

    monkeypatch.setenv("AUTOCRM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("AUTOCRM_DATABASE_URL", raising=False)
    from autocrm.core.db import dispose_engines
    from autocrm.core.settings import reset_settings

    reset_settings()
    dispose_engines()
    try:
        with read_session() as s:
            assert api_keys.api_key_actor(s, raw_key).scopes == frozenset({"tickets:read", "tickets:write"})
            assert s.exec(select(User).where(User.email == "boss@example.com")).one().role == Role.admin
    finally:
        dispose_engines()
        reset_settings()


def test_api_keys_list_and_revoke(tmp_path):
    _run(tmp_path, "db", "upgrade")
    _run(
        tmp_path,
        *("create-user", "--email", "boss@example.com", "--name", "Boss", "--role", "admin"),
        *("--password", "long-enough"),
    )
    assert "no API keys yet" in _run(tmp_path, "api-keys", "list").stdout
    made = _run(tmp_path, "create-api-key", "--name", "ci", "--scopes", "tickets:read").stdout
    assert "never expiring" in made
    owned = _run(
        tmp_path,
        *("api-keys", "create", "--name", "zapier", "--scopes", "tickets:read,tickets:write"),
        *("--expires-days", "30", "--owner", "boss@example.com"),
    ).stdout
    assert "expiring 20" in owned
    header, *rows = _run(tmp_path, "api-keys", "list").stdout.strip().splitlines()
    assert header.split()[:7] == ["ID", "NAME", "PREFIX", "SCOPES", "ROLE", "CREATOR", "CREATED"]
    assert "LAST USED" in header and "EXPIRES" in header and header.endswith("STATE")
    zapier, ci = rows  # newest first
    assert zapier.split()[1:6] == ["zapier", zapier.split()[2], "tickets:read,tickets:write", "agent", "Boss"]
    assert zapier.split()[2].startswith("acrm_") and zapier.endswith("active")
    assert "command line" in ci and ci.split()[0] == "1" and "never" in ci

    assert "is revoked" in _run(tmp_path, "api-keys", "revoke", "1").stdout
    assert _run(tmp_path, "api-keys", "list").stdout.strip().splitlines()[-1].endswith("revoked")
    failed = _run(tmp_path, "api-keys", "revoke", "99", ok=False)
    assert "no API key #99" in failed.stderr and "Traceback" not in failed.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("create-user", "--email", "a@example.com", "--name", "A", "--role", "boss", "--password", "long-enough"),
        ("create-user", "--email", "nope", "--name", "A", "--role", "agent", "--password", "long-enough"),
        ("create-user", "--email", "a@example.com", "--name", "A", "--role", "agent", "--password", "short"),
        ("create-api-key", "--name", "k", "--scopes", "tickets:delete"),
        ("create-api-key", "--name", "k", "--scopes", "tickets:read", "--role", "customer"),
        ("create-api-key", "--name", "k", "--scopes", "tickets:read", "--expires-days", "0"),
        ("create-api-key", "--name", "k", "--scopes", "tickets:read", "--owner", "nobody@example.com"),
        ("api-keys", "revoke", "abc"),
        ("api-keys", "revoke", "99999999999"),
        ("seed",),
        ("no-such-command",),
    ],
)
def test_bad_arguments_exit_non_zero_with_a_message(tmp_path, args):
    _run(tmp_path, "db", "upgrade")
    result = _run(tmp_path, *args, ok=False)
    assert result.stderr.strip(), "a failing command must say why"
    assert "Traceback" not in result.stderr


def test_demo_desk_is_believable(db_url):
    with write_session() as s:
        summary = seed.seed_demo(s, tickets=400)
    assert summary.tickets == 400
    with read_session() as s:
        count = lambda model, *where: s.exec(select(func.count()).select_from(model).where(*where)).one()  # noqa: E731
        assert count(Team) == 3 and count(Organization) == 4
        assert count(User, User.role == Role.agent) == 8 and count(User, User.role == Role.admin) == 1
        assert count(User, User.role == Role.customer) == 60
        assert count(Ticket) == 400 and count(Message) > 800
        categories = set(
            s.exec(select(TicketStatus.category).join(Ticket, Ticket.status == TicketStatus.key).distinct())
        )
        assert categories == set(StatusCategory)
        oldest = s.exec(select(func.min(Ticket.created_at))).one()
        newest = s.exec(select(func.max(Ticket.created_at))).one()
        assert (newest - oldest).days >= 80
        assert seed.demo_already_seeded(s)
