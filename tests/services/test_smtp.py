"""The SMTP mailer delivers to a real SMTP server the test starts (tests/smtp_server.py): plain, STARTTLS, smtps, AUTH."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from autocrm.core.settings import reset_settings
from autocrm.services.mail import OutboundMail, SmtpMailer, get_mailer, parse_smtp_url
from tests.smtp_server import HOST, SmtpServer


@pytest.fixture
def smtp_env(tmp_path, monkeypatch) -> Iterator[None]:
    monkeypatch.setenv("AUTOCRM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AUTOCRM_MAIL_FROM", "Help Desk <help@desk.example>")
    reset_settings()
    yield
    reset_settings()


def _serve(tmp_path: Path, **options) -> Iterator[SmtpServer]:
    server = SmtpServer(tmp_path, **options).start()
    try:
        yield server
    finally:
        server.stop()


def _mail() -> OutboundMail:
    return OutboundMail(
        to="jane@example.com",
        subject="Your request #42",
        text="Plain words",
        html="<p>Rich <b>words</b></p>",
        message_id="<ticket-42-7.created@desk.example>",
        reply_to="help+t42.abc@desk.example",
        headers={"X-AutoCRM-Ticket": "42"},
    )


def _use(monkeypatch, url: str):
    monkeypatch.setenv("AUTOCRM_SMTP_URL", url)
    reset_settings()
    mailer = get_mailer()
    assert isinstance(mailer, SmtpMailer)
    return mailer


def _delivered(server: SmtpServer):
    assert len(server.messages) == 1
    sender, recipients, message = server.messages[0]
    assert sender == "help@desk.example"
    assert recipients == ["jane@example.com"]
    assert message["Subject"] == "Your request #42"
    assert message["Message-ID"] == "<ticket-42-7.created@desk.example>"
    assert message["Reply-To"] == "help+t42.abc@desk.example"
    assert message["X-AutoCRM-Ticket"] == "42"
    assert message["From"] == "Help Desk <help@desk.example>"
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }
    assert "Plain words" in parts["text/plain"]
    assert "<b>words</b>" in parts["text/html"]


def test_plain_smtp_delivers_text_and_html(smtp_env, tmp_path, monkeypatch):
    for server in _serve(tmp_path):
        _use(monkeypatch, f"smtp://{HOST}:{server.port}").send(_mail())
        _delivered(server)
    assert not list((tmp_path / "data" / "outbox").glob("*.eml")), "SMTP set: nothing goes to the outbox"


def test_starttls_with_login(smtp_env, tmp_path, monkeypatch):
    for server in _serve(tmp_path, tls="starttls", auth=("desk", "s3cr@t pass")):
        url = f"smtp://desk:s3cr%40t%20pass@{HOST}:{server.port}?starttls=1&cafile={server.cert_file}"
        _use(monkeypatch, url).send(_mail())
        _delivered(server)
        assert server.logins == ["desk"]


def test_smtps_implicit_tls(smtp_env, tmp_path, monkeypatch):
    for server in _serve(tmp_path, tls="smtps"):
        _use(monkeypatch, f"smtps://{HOST}:{server.port}?cafile={server.cert_file}").send(_mail())
        _delivered(server)


def test_an_untrusted_certificate_is_refused(smtp_env, tmp_path, monkeypatch):
    """Without the test CA the self-signed certificate fails verification: TLS is never silently unchecked."""
    for server in _serve(tmp_path, tls="starttls"):
        mailer = _use(monkeypatch, f"smtp://{HOST}:{server.port}?starttls=1")
        with pytest.raises(OSError, match="CERTIFICATE_VERIFY_FAILED"):
            mailer.send(_mail())
        assert server.messages == []


def test_a_wrong_password_is_refused(smtp_env, tmp_path, monkeypatch):
    import smtplib

    for server in _serve(tmp_path, tls="starttls", auth=("desk", "right")):
        mailer = _use(monkeypatch, f"smtp://desk:wrong@{HOST}:{server.port}?starttls=1&cafile={server.cert_file}")
        with pytest.raises(smtplib.SMTPAuthenticationError):
            mailer.send(_mail())
        assert server.messages == []


def test_the_url_is_parsed_and_its_password_never_shown():
    target = parse_smtp_url("smtp://u%40x:p%3Ass@mail.example:587?starttls=1")
    assert (target.host, target.port, target.starttls, target.implicit_tls) == ("mail.example", 587, True, False)
    assert (target.username, target.password) == ("u@x", "p:ss")
    assert "p:ss" not in repr(target)
    assert parse_smtp_url("smtps://mail.example").port == 465
    for bad in ("http://mail.example", "smtp://", "smtp://secretpw@host:notaport"):
        with pytest.raises(ValueError) as caught:
            parse_smtp_url(bad)
        assert "secretpw" not in str(caught.value)


def test_settings_never_show_the_smtp_url(smtp_env, monkeypatch):
    from autocrm.core.settings import get_settings

    monkeypatch.setenv("AUTOCRM_SMTP_URL", "smtp://u:hunter2@mail.example:587")
    reset_settings()
    assert "hunter2" not in repr(get_settings())


def test_a_notification_handler_delivers_through_smtp(people, tmp_path, monkeypatch):
    """The ticket-created acknowledgement, through STARTTLS with a login, as a desk with SMTP set sends it."""
    from datetime import UTC, datetime

    from autocrm.core.db import write_session
    from autocrm.models import Role
    from autocrm.services import notifications
    from autocrm.services.events import Event
    from tests.factories import make_ticket

    customer = people.make(Role.customer)
    ticket = make_ticket(requester=customer, subject="Over SMTP")
    for server in _serve(tmp_path, tls="starttls", auth=("desk", "pw")):
        monkeypatch.setenv(
            "AUTOCRM_SMTP_URL", f"smtp://desk:pw@{HOST}:{server.port}?starttls=1&cafile={server.cert_file}"
        )
        monkeypatch.setenv("AUTOCRM_MAIL_FROM", "help@desk.example")
        reset_settings()
        event = Event(
            id=1,
            type="ticket.created",
            actor_label=f"user:{customer.id}",
            actor_user_id=customer.id,
            actor_role="customer",
            via="web",
            ticket_id=ticket.id,
            data={},
            created_at=datetime.now(UTC),
        )
        for _ in range(2):  # the second run finds the first's record and sends nothing
            with write_session() as session:
                notifications.ticket_created(session, event)
        (delivered,) = server.messages
        sender, recipients, message = delivered
        assert (sender, recipients) == ("help@desk.example", [customer.email])
        assert f"#{ticket.number}" in message["Subject"]
        assert message["Reply-To"] == f"help+{notifications.reply_token(ticket.number)}@desk.example"
        assert message["From"] == "AutoCRM Support <help@desk.example>", "the desk's name shows as the sender"


def test_a_bad_smtp_url_is_refused_at_start_without_echoing_it(smtp_env, monkeypatch):
    from pydantic import ValidationError

    from autocrm.core.settings import Settings

    for bad in ("http://u:hunter2@mail.example", "smtp://u:hunter2@mail.example:port"):
        monkeypatch.setenv("AUTOCRM_SMTP_URL", bad)
        with pytest.raises(ValidationError) as caught:
            Settings()
        assert "hunter2" not in str(caught.value)
        assert "AUTOCRM_SMTP_URL" in str(caught.value)


def test_an_unreachable_smtp_server_does_not_fail_the_committed_request(people, monkeypatch, caplog):
    """A password reset commits without sending anything; the runner's attempt fails, and the mail's job waits
    for its retry (never lost), with neither the SMTP password nor the address in the log or the job."""
    from sqlmodel import select

    from autocrm.core.db import read_session, write_session
    from autocrm.events.runner import run_pending_jobs
    from autocrm.models import Job, JobStatus, Role
    from autocrm.services import auth
    from tests.smtp_server import free_port

    customer = people.make(Role.customer)
    monkeypatch.setenv("AUTOCRM_SMTP_URL", f"smtp://u:hunter2@{HOST}:{free_port()}")  # nothing listens there
    reset_settings()
    with write_session() as session:
        auth.request_password_reset(session, email=customer.email)
    run_pending_jobs()
    with read_session() as session:
        job = session.exec(select(Job).where(Job.name == "mail.account")).one()
    assert (job.status, job.attempts) == (JobStatus.pending, 1) and job.last_error
    for said in (caplog.text, job.last_error):
        assert "hunter2" not in said and customer.email not in said
