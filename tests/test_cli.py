"""The command line, run the way an admin runs it: as a separate process."""

import os
import re
import subprocess
import sys

import pytest
from sqlmodel import col, func, select

from autocrm.core.db import read_session, write_session
from autocrm.models import (
    Message,
    Organization,
    Role,
    StatusCategory,
    Team,
    Ticket,
    TicketStatus,
    TicketVector,
    TicketWork,
    User,
)
from autocrm.services import api_keys, auth, seed


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
        # The resolved tickets are triage's history from the start: categorized, with their vectors.
        resolved = s.exec(
            select(Ticket)
            .join(TicketStatus, Ticket.status == TicketStatus.key)
            .where(col(TicketStatus.category).in_([StatusCategory.solved, StatusCategory.closed]))
        ).all()
        assert resolved and all(ticket.custom_fields.get("category") for ticket in resolved)
        assert count(TicketVector) == len(resolved)
        # Their agents' handling time, as presence records it, so the stats page shows one from the start.
        assigned = [ticket for ticket in resolved if ticket.assignee_id is not None]
        assert count(TicketWork) == len(assigned) > 0
        # A few customers write in Spanish and German, and their tickets read so.
        speakers = s.exec(select(User).where(col(User.locale).in_(["es", "de"]))).all()
        assert sorted(u.locale or "" for u in speakers) == ["de", "de", "es", "es"]
        for speaker in speakers:
            subjects = {t.subject for t in s.exec(select(Ticket).where(Ticket.requester_id == speaker.id))}
            local = {subject for subject, _ in seed.LOCAL_QUERIES[speaker.locale or ""]}
            assert subjects and subjects <= local


def _serve_until_ready(tmp_path, *args) -> str:
    """`autocrm serve ARGS` up to the moment it hands over to Reflex; returns what it printed. The process is
    stopped there, before Reflex builds or binds anything."""
    import signal

    env = {**os.environ, "AUTOCRM_DATA_DIR": str(tmp_path / "data")}
    env.pop("AUTOCRM_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "autocrm", "serve", "--port", "3999", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    printed = []
    try:
        for line in process.stdout:
            printed.append(line)
            if line.startswith("serving AutoCRM at"):
                break
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    return "".join(printed)


def _users_in(tmp_path):
    from autocrm.core.db import dispose_engines
    from autocrm.core.settings import reset_settings

    os.environ["AUTOCRM_DATA_DIR"] = str(tmp_path / "data")
    reset_settings()
    dispose_engines()
    try:
        with read_session() as s:
            return {u.email: u.password_hash for u in s.exec(select(User))}
    finally:
        dispose_engines()
        reset_settings()


def test_serve_without_demo_offers_the_first_run_set_up(tmp_path, monkeypatch):
    monkeypatch.delenv("AUTOCRM_DATABASE_URL", raising=False)
    printed = _serve_until_ready(tmp_path)
    assert "DEMO DESK" not in printed and "seeded" not in printed
    assert re.search(r"http://localhost:3999/setup\?code=\S+", printed)
    assert _users_in(tmp_path) == {}


def test_serve_demo_on_loopback_says_so_loudly(tmp_path, monkeypatch):
    monkeypatch.delenv("AUTOCRM_DATABASE_URL", raising=False)
    printed = _serve_until_ready(tmp_path, "--demo")
    assert "DEMO DESK" in printed and seed.DEMO_PASSWORD in printed and "/setup" not in printed
    hashes = _users_in(tmp_path)
    assert auth._verify(hashes[seed.DEMO_ADMIN_EMAIL], seed.DEMO_PASSWORD)


def test_serve_demo_off_loopback_never_keeps_the_published_password(tmp_path, monkeypatch):
    monkeypatch.delenv("AUTOCRM_DATABASE_URL", raising=False)
    _run(tmp_path, "db", "upgrade")
    _run(tmp_path, "seed", "--demo", "--tickets", "5")  # seeded earlier with the published password
    printed = _serve_until_ready(tmp_path, "--demo", "--host", "0.0.0.0")  # noqa: S104 (stopped before it binds)
    assert "DEMO DESK: made-up data" in printed and f"'{seed.DEMO_PASSWORD}'" not in printed
    hashes = _users_in(tmp_path)
    assert not any(h and auth._verify(h, seed.DEMO_PASSWORD) for h in hashes.values())
    printed_admin = re.search(rf"{re.escape(seed.DEMO_ADMIN_EMAIL)}\s+(\S+)", printed).group(1)
    assert auth._verify(hashes[seed.DEMO_ADMIN_EMAIL], printed_admin)


def test_reset_mfa_turns_off_a_users_two_step_verification(tmp_path, monkeypatch):
    import pyotp

    from autocrm.core.settings import reset_settings
    from autocrm.services import mfa
    from autocrm.services.actor import Actor

    _run(tmp_path, "db", "upgrade")
    monkeypatch.setenv("AUTOCRM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("AUTOCRM_DATABASE_URL", raising=False)
    reset_settings()
    from autocrm.core.db import dispose_engines

    dispose_engines()
    try:
        with write_session() as session:
            from autocrm.services import users

            agent = users.create_user(
                session,
                actor=Actor.system(),
                email="lost@example.com",
                name="Lost Phone",
                role=Role.agent,
                password="long-enough",
            )
        with write_session() as session:
            secret = mfa.start_enrolment(session, actor=Actor.for_user(agent)).secret
        with write_session() as session:
            mfa.confirm_enrolment(session, actor=Actor.for_user(agent), code=pyotp.TOTP(secret).now())
        assert "no account" in _run(tmp_path, "reset-mfa", "--email", "nobody@example.com", ok=False).stderr
        assert "is off for lost@example.com" in _run(tmp_path, "reset-mfa", "--email", "Lost@Example.com").stdout
        with read_session() as session:
            assert mfa.status(session, actor=Actor.for_user(agent)).enabled is False
    finally:
        dispose_engines()
        reset_settings()


def test_kb_import_reports_each_refused_file_and_reindex_rebuilds(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "reset.md").write_text(
        "---\ntitle: Reset your password\ncategory: Account > Sign-in\ntags: [password]\n---\nPick a new one.\n"
    )
    (folder / "faq.csv").write_text("title,body,locale\nRefunds,Within 14 days.,\nBroken,Body,english\n")
    _run(tmp_path, "db", "upgrade")
    first = _run(tmp_path, "kb", "import", str(folder), ok=False)  # a refused row: exit status 1
    assert first.returncode == 1
    assert "2 created, 0 updated, 0 unchanged, 1 refused" in first.stdout
    assert "refused faq.csv:3: locale:" in first.stderr and "importing" in first.stderr
    (folder / "faq.csv").write_text("title,body,locale\nRefunds,Within 14 days.,\n")
    again = _run(tmp_path, "kb", "import", str(folder))
    assert "0 created, 0 updated, 2 unchanged, 0 refused" in again.stdout
    rebuilt = _run(tmp_path, "kb", "reindex")
    assert "reindexed 2 articles: 2 passages, 2 embedded" in rebuilt.stdout
    assert "articles" in rebuilt.stderr and "passages" in rebuilt.stderr
    assert "no .md, .json or .csv" in _run(tmp_path, "kb", "import", str(tmp_path / "data"), ok=False).stderr


def test_ai_reindex_stores_the_vectors_of_imported_resolved_tickets(tmp_path, monkeypatch):
    from datetime import UTC, datetime

    from autocrm.core.db import dispose_engines
    from autocrm.core.settings import reset_settings
    from autocrm.models import TicketVector
    from autocrm.services import imports
    from autocrm.services.actor import Actor
    from tests.factories import make_user

    _run(tmp_path, "db", "upgrade")
    monkeypatch.setenv("AUTOCRM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("AUTOCRM_DATABASE_URL", raising=False)
    reset_settings()
    dispose_engines()
    try:
        customer = make_user(Role.customer)
        at = datetime(2026, 1, 1, tzinfo=UTC)
        with write_session() as s:
            imports.import_tickets(
                s,
                actor=Actor.system("tests"),
                records=[
                    {
                        "subject": subject,
                        "status": status,
                        "requester_id": customer.id,
                        "created_at": at,
                        "messages": [{"author_id": customer.id, "body": subject, "created_at": at}],
                    }
                    for subject, status in (("Card not arrived", "solved"), ("Refund", "closed"), ("Open", "open"))
                ],
            )
        # An import emits one batch event, not one per ticket: the vectors wait for the command.
        assert "2 ticket vectors stored or dropped" in _run(tmp_path, "ai", "reindex").stdout
        assert "0 ticket vectors stored or dropped" in _run(tmp_path, "ai", "reindex").stdout
        with read_session() as s:
            assert len(s.exec(select(TicketVector)).all()) == 2
    finally:
        dispose_engines()
        reset_settings()
