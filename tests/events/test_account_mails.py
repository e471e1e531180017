"""Issue 14: the account mails go through the outbox and the job runner: nothing is mailed inside the
transaction or for a rolled-back one, the live link is sealed in the outbox only until it is sent, and a
job run twice mails once."""

import json

import pytest
from sqlmodel import col, select

from autocrm.core.db import read_session, write_session
from autocrm.core.settings import get_settings
from autocrm.events import runner
from autocrm.models import EventRecord, Job, JobStatus
from autocrm.services import auth, verification

PASSWORD = "s3cret-pass"  # noqa: S105 (a test account's password)


def _mail_files():
    return list(get_settings().outbox_dir.glob("*.eml"))


def _reset_events():
    with read_session() as s:
        return list(s.exec(select(EventRecord).where(EventRecord.type == verification.RESET_MAIL_REQUESTED)))


def test_a_reset_mail_is_sent_by_the_runner_after_the_commit_and_kept_sealed_until_then(db_url):
    with write_session() as s:
        auth.sign_up_customer(s, email="rita@example.com", name="Rita", password=PASSWORD)
    runner.run_pending_jobs()
    mailed = len(_mail_files())  # the sign-up's verification mail
    with write_session() as s:
        auth.request_password_reset(s, email="rita@example.com")
        assert len(_mail_files()) == mailed
    assert len(_mail_files()) == mailed  # committed, not sent yet: the job runner sends it
    (event,) = _reset_events()
    assert "reset-password" not in json.dumps(event.data)  # sealed
    assert event.data["mail"] and event.via == "system"

    assert runner.run_pending_jobs() == 1
    (sent,) = [p for p in _mail_files() if "reset-password" in p.read_text()]
    assert "rita@example.com" in sent.read_text()
    (event,) = _reset_events()
    assert "mail" not in event.data and event.data["sent"] is True  # the link left the outbox with the mail


def test_a_rolled_back_reset_mails_nothing(db_url):
    with write_session() as s:
        auth.sign_up_customer(s, email="rita@example.com", name="Rita", password=PASSWORD)
    runner.run_pending_jobs()
    mailed = len(_mail_files())
    with pytest.raises(RuntimeError), write_session() as s:
        auth.request_password_reset(s, email="rita@example.com")
        raise RuntimeError("rolled back")
    assert runner.run_pending_jobs() == 0
    assert len(_mail_files()) == mailed and _reset_events() == []


def test_an_account_mail_job_run_twice_mails_once(db_url):
    with write_session() as s:
        auth.sign_up_customer(s, email="vic@example.com", name="Vic", password=PASSWORD)
    (job,) = runner.claim(worker="first")
    assert runner.run_job(job) == "done"
    with write_session() as s:  # as if a lost lease ran it again
        row = s.exec(select(Job).where(col(Job.id) == job.id)).one()
        row.status, row.claim = JobStatus.running, "again"
        s.add(row)
    again = runner.Claimed(id=job.id, name=job.name, event_id=job.event_id, attempts=2, claim="again")
    assert runner.run_job(again) == "done"
    assert len(_mail_files()) == 1
