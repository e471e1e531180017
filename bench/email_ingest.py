"""Inbound e-mail: messages per second from an IMAP mailbox and through the SMTP listener.

    .venv/bin/python bench/email_ingest.py                          # SQLite and PostgreSQL, 1,000 messages each
    .venv/bin/python bench/email_ingest.py --db sqlite --messages 2000 --smtp-clients 4
    .venv/bin/python bench/email_ingest.py --db postgresql --profile   # the poll's top functions by own time

IMAP: a real dovecot on a free loopback port (the tests' `tests/imap_server.py`; `scripts/bootstrap.sh --dev`
installs it) holds N messages; the clock runs over one `mailboxes.poll_mailbox`: fetch in batches, parse,
thread, write (tickets, messages, the raw original as an attachment, audit, events and their jobs), commit,
flag \\Seen. SMTP: `autocrm mail-listener`'s server in a thread; `--smtp-clients` connections send N messages
with smtplib, each answered 250 only once stored (one transaction per message). Four in five messages open a
ticket from a new sender, one in five answers an earlier one by In-Reply-To. The after-commit jobs the writes
add (acknowledgement mails, webhooks) are not run: they are the job runner's work, measured in bench/events.py.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import smtplib
import sys
import tempfile
import threading
import time
import uuid
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG_ADMIN = os.environ.get("AUTOCRM_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _messages(count: int, tag: str) -> list[bytes]:
    raws: list[bytes] = []
    for n in range(count):
        message = EmailMessage()
        replying = n % 5 == 4
        original = n - 1 if replying else n
        message["From"] = f"Customer {original} <c{original}.{tag}@example.org>"
        message["To"] = "support@autocrm.local"
        message["Subject"] = f"Re: Order {original} did not arrive" if replying else f"Order {n} did not arrive"
        message["Message-ID"] = f"<m{n}.{tag}@example.org>"
        if replying:
            message["In-Reply-To"] = f"<m{original}.{tag}@example.org>"
        text = f"Hello,\n\nmy order {original} has not arrived yet. Can you check where it is?\n\nThanks"
        if replying:
            text = "Any news on this?\n\nOn Mon, Support wrote:\n> We are looking into it.\n"
        message.set_content(text)
        if n % 10 == 0:
            message.add_alternative(f"<p>Hello,</p><p>my order <b>{original}</b> has not arrived.</p>", subtype="html")
        raws.append(bytes(message))
    return raws


def _bench_imap(label: str, count: int, profile: bool) -> None:
    from autocrm.core.db import write_session
    from autocrm.models import Role
    from autocrm.services.actor import Actor
    from autocrm.services.email import mailboxes
    from autocrm.services.email.mailboxes import MailboxCreate
    from tests.imap_server import HOST, PASSWORD, USER, Dovecot

    with Dovecot() as imap:
        imap.append(_messages(count, f"imap{uuid.uuid4().hex[:6]}"))
        with write_session() as session:
            box = mailboxes.create_mailbox(
                session,
                actor=Actor(role=Role.admin, label="bench"),
                data=MailboxCreate(
                    name="bench", host=HOST, port=imap.port, security="none", username=USER, password=PASSWORD
                ),
            )
        profiler = cProfile.Profile() if profile else None
        started = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        result = mailboxes.poll_mailbox(box.id)
        if profiler is not None:
            profiler.disable()
        seconds = time.perf_counter() - started
    statuses = {status: sum(r.status == status for r in result.results) for status in ("created", "threaded")}
    print(
        f"{label:<11} IMAP  {result.fetched} messages in {seconds:.1f} s: {result.fetched / seconds:.0f} msg/s "
        f"(created {statuses['created']}, threaded {statuses['threaded']}, error {result.error})"
    )
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def _bench_smtp(label: str, count: int, clients: int) -> None:
    from autocrm.channels.smtp_listener import ListenerThread

    raws = _messages(count, f"smtp{uuid.uuid4().hex[:6]}")
    # Each client sends its share in order (a reply after the message it answers, as their senders would).
    shares = [raws[i::clients] for i in range(clients)] if clients > 1 else [raws]
    refused: list[str] = []

    def send(port: int, share: list[bytes]) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
            for raw in share:
                try:
                    client.sendmail("customer@example.org", ["support@autocrm.local"], raw)
                except smtplib.SMTPException as exc:
                    refused.append(str(exc))

    with ListenerThread() as listener:
        threads = [threading.Thread(target=send, args=(listener.port, share)) for share in shares]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
    print(
        f"{label:<11} SMTP  {count} messages, {clients} connections, in {seconds:.1f} s: {count / seconds:.0f} msg/s"
        f" (refused {len(refused)})"
    )


def _run(label: str, url: str, args: argparse.Namespace) -> None:
    from sqlmodel import SQLModel

    import autocrm.models  # noqa: F401 (registers the tables)
    from autocrm.core.db import dispose_engines, get_engine, write_session
    from autocrm.core.settings import reset_settings
    from autocrm.services import desk

    os.environ["AUTOCRM_DATABASE_URL"] = url
    reset_settings()
    dispose_engines()
    SQLModel.metadata.create_all(get_engine())
    with write_session() as session:
        desk.ensure_defaults(session)
    if not args.skip_imap:
        _bench_imap(label, args.messages, args.profile)
    if not args.skip_smtp:
        _bench_smtp(label, args.messages, args.smtp_clients)
    dispose_engines()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--smtp-clients", type=int, default=1)
    parser.add_argument("--skip-imap", action="store_true")
    parser.add_argument("--skip-smtp", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile the IMAP poll")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as folder:
        os.environ["AUTOCRM_DATA_DIR"] = folder
        os.environ.setdefault("AUTOCRM_SECRET_KEY", "bench-email")
        os.environ["AUTOCRM_EMAIL_SENDER_LIMIT"] = "100000"  # the bench's senders are few and fast
        if args.db in ("sqlite", "both"):
            _run("SQLite", f"sqlite:///{folder}/bench.db", args)
        if args.db in ("postgresql", "both"):
            from sqlalchemy import create_engine, text

            name = f"autocrm_bench_email_{uuid.uuid4().hex[:6]}"
            admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                _run("PostgreSQL", PG_ADMIN.rsplit("/", 1)[0] + "/" + name, args)
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()


if __name__ == "__main__":
    main()
