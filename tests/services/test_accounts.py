"""Issue 13, findings 1, 2, 7, 8, 19: verified e-mail, sign-up without enumeration, throttled account mails,
resets that end every link, signed verification links, the first-run set-up and the demo's passwords."""

import email
import re
import threading
from email import policy

import pytest
from sqlmodel import func, select

from autocrm.core.db import read_session, write_session
from autocrm.core.settings import get_settings, reset_settings
from autocrm.events.runner import run_pending_jobs
from autocrm.models import EmailVerification, Role, User
from autocrm.services import api_keys, auth, seed, setup, tickets, verification
from autocrm.services.errors import NotFound, PermissionDenied, RateLimited, ValidationFailed
from autocrm.services.tickets import TicketCreate, TicketFilter
from tests.factories import TEST_PASSWORD, make_api_key, make_user

PASSWORD = "s3cret-pass"  # noqa: S105 (a test account's password)


def _mails() -> list[tuple[str, str, str]]:
    """(to, subject, body) of every mail in the outbox, once the mail jobs due have run."""
    run_pending_jobs()
    out = []
    for path in get_settings().outbox_dir.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        # Notification mails are text and HTML: read their text part, as the account mails' only one.
        out.append(
            (str(message["To"]), str(message["Subject"]), message.get_body(preferencelist=("plain",)).get_content())
        )
    return out


def _links(kind: str, to: str) -> set[str]:
    return {m for t, _, body in _mails() if t == to for m in re.findall(rf"{kind}\?token=(\S+)", body)}


def _link(kind: str, to: str) -> str:
    """The one link of `kind` mailed to `to` (the outbox is unordered: tests with two ask `_links`)."""
    links = _links(kind, to)
    assert len(links) == 1, f"{len(links)} {kind} links mailed to {to}"
    return links.pop()


def _sign_up(address: str = "new@example.com", *, client: str = "") -> User:
    with write_session() as s:
        auth.sign_up_customer(s, email=address, name="New Customer", password=PASSWORD, client=client)
    with read_session() as s:
        return s.exec(select(User).where(User.email == address)).one()


def _customer_sees(user: User) -> set[str]:
    with read_session() as s:
        page = tickets.customer_tickets(s, actor=_actor(user), filters=TicketFilter(per_page=100))
    return {t.subject for t in page.items}


def _actor(user: User):
    from autocrm.services.actor import Actor

    return Actor.for_user(user)


def test_sign_up_mails_a_verification_link_that_works_once(db_url):
    user = _sign_up()
    assert user.email_verified_at is None
    token = _link("verify-email", "new@example.com")
    with write_session() as s:
        verified = verification.verify_email(s, token=token)
    assert verified.id == user.id and verified.email_verified_at is not None
    with pytest.raises(ValidationFailed), write_session() as s:
        verification.verify_email(s, token=token)  # single use
    for forged in ("", "not-a-token", token[:-2] + ("AA" if not token.endswith("AA") else "BB")):
        with pytest.raises(ValidationFailed), write_session() as s:
            verification.verify_email(s, token=forged)


def test_verification_links_are_signed_with_the_desks_secret_key(db_url, monkeypatch):
    _sign_up()
    token = _link("verify-email", "new@example.com")
    monkeypatch.setenv("AUTOCRM_SECRET_KEY", "another-desk-" + "x" * 40)
    reset_settings()
    with pytest.raises(ValidationFailed), write_session() as s:
        verification.verify_email(s, token=token)  # the signature is the secret key's, not a bare lookup


def test_resend_replaces_the_older_link(db_url):
    user = _sign_up()
    first = _link("verify-email", user.email)
    with write_session() as s:
        verification.resend_verification(s, actor=_actor(user))
    links = _links("verify-email", user.email)
    assert len(links) == 2 and first in links
    second = (links - {first}).pop()
    with pytest.raises(ValidationFailed), write_session() as s:
        verification.verify_email(s, token=first)
    with write_session() as s:
        verification.verify_email(s, token=second)


def test_unverified_account_sees_only_the_tickets_it_opened_itself(db_url):
    squatter = _sign_up("ceo@victim.example")
    agent = make_user(Role.agent)
    key = make_api_key(scopes=("tickets:read", "tickets:write"))
    with write_session() as s:
        tickets.create_ticket(
            s, actor=_actor(squatter), data=TicketCreate(subject="My own", body="hi", body_format="text")
        )
        by_staff = tickets.create_ticket(
            s,
            actor=_actor(agent),
            data=TicketCreate(
                subject="Board pack", body="secret", body_format="text", requester_email="ceo@victim.example"
            ),
        )
        tickets.create_ticket(
            s,
            actor=api_keys.api_key_actor(s, key),
            data=TicketCreate(subject="Payroll", body="secret", body_format="text", requester_id=squatter.id),
        )
    assert _customer_sees(squatter) == {"My own"}
    with pytest.raises(NotFound), read_session() as s:
        tickets.customer_ticket(s, actor=_actor(squatter), ticket_id=by_staff.id)
    # The desk still sees who the ticket is for.
    assert by_staff.requester.id == squatter.id
    with write_session() as s:
        verification.verify_email(s, token=_link("verify-email", "ceo@victim.example"))
    assert _customer_sees(squatter) == {"My own", "Board pack", "Payroll"}


def test_sign_up_answers_the_same_for_a_taken_address_and_mails_its_owner(db_url):
    admin = make_user(Role.admin, email="boss@example.com")
    with write_session() as s:
        answer = auth.sign_up_customer(s, email="Boss@example.com", name="Mallory", password="mallory-pass")
    with write_session() as s:
        fresh = auth.sign_up_customer(s, email="fresh@example.com", name="Fresh", password="fresh-pass-1")
    assert (answer, fresh) == ("boss@example.com", "fresh@example.com")
    with read_session() as s:
        owner = s.get(User, admin.id)
        assert owner.role == Role.admin and owner.name == admin.name
        assert s.exec(select(func.count()).select_from(User).where(User.email == "boss@example.com")).one() == 1
    to_owner = [(subject, body) for to, subject, body in _mails() if to == "boss@example.com"]
    assert len(to_owner) == 1 and "tried to create an account" in to_owner[0][1]
    assert "verify-email" not in to_owner[0][1]
    with write_session() as s:
        assert auth.authenticate(s, email="boss@example.com", password=TEST_PASSWORD).id == admin.id


def test_sign_up_reports_every_field_at_once(db_url):
    with pytest.raises(ValidationFailed) as info, write_session() as s:
        auth.sign_up_customer(s, email="nope", name="  ", password="short")
    assert set(info.value.details) == {"email", "name", "password"}
    assert _mails() == []


def test_a_reset_ends_every_outstanding_reset_link_and_verifies_the_address(db_url):
    user = _sign_up()
    with write_session() as s:
        auth.request_password_reset(s, email=user.email)
    older = _link("reset-password", user.email)
    with write_session() as s:
        auth.request_password_reset(s, email=user.email)
    newer = (_links("reset-password", user.email) - {older}).pop()
    with write_session() as s:
        auth.reset_password(s, token=newer, new_password="brand-new-pass")
    with pytest.raises(ValidationFailed), write_session() as s:
        auth.reset_password(s, token=older, new_password="attacker-pass")
    with read_session() as s:
        stored = s.get(User, user.id)
        assert stored.email_verified_at is not None  # the reset link came to the address
        outstanding = s.exec(select(EmailVerification).where(EmailVerification.user_id == user.id)).all()
        assert outstanding and all(row.used_at is not None for row in outstanding)


@pytest.mark.parametrize("kind", ["reset", "signup", "verify"])
def test_account_mails_are_throttled_per_address_and_per_client(db_url, monkeypatch, kind):
    monkeypatch.setenv("AUTOCRM_ACCOUNT_MAILS_PER_ADDRESS_PER_HOUR", "2")
    monkeypatch.setenv("AUTOCRM_ACCOUNT_MAILS_PER_CLIENT_PER_HOUR", "3")
    reset_settings()
    user = _sign_up("someone@example.com", client="10.0.0.9") if kind == "verify" else None

    def ask(address: str, client: str) -> None:
        with write_session() as s:
            if kind == "reset":
                auth.request_password_reset(s, email=address, client=client)
            elif kind == "signup":
                auth.sign_up_customer(s, email=address, name="Someone", password=PASSWORD, client=client)
            else:
                verification.resend_verification(s, actor=_actor(user), client=client)

    first = "someone@example.com"
    for client in ("10.0.0.1", "10.0.0.2"):
        ask(first, client)
    with pytest.raises(RateLimited):
        ask(first, "10.0.0.3")  # the address's limit, from any client
    if kind == "verify":
        return  # resend always goes to the account's own address
    for n in range(3):
        ask(f"other{n}@example.com", "10.0.0.7")
    with pytest.raises(RateLimited):
        ask("yet-another@example.com", "10.0.0.7")  # the client's limit, for any address


def test_first_run_set_up_names_the_desk_and_creates_one_admin(db_url):
    with write_session() as s:
        code = setup.open_setup(s)
    assert code
    with pytest.raises(PermissionDenied), write_session() as s:
        setup.complete_setup(s, code="wrong", company="Acme", email="a@acme.example", name="Ann", password=PASSWORD)
    with pytest.raises(ValidationFailed) as info, write_session() as s:
        setup.complete_setup(s, code=code, company="", email="nope", name="", password="short")
    assert set(info.value.details) == {"company_name", "email", "name", "password"}
    with write_session() as s:
        admin = setup.complete_setup(
            s, code=code, company=" Acme  Support ", email="a@acme.example", name="Ann", password=PASSWORD
        )
    assert admin.role == Role.admin and admin.email_verified_at is not None
    with read_session() as s:
        assert setup.company_name(s) == "Acme Support"
        assert not setup.needs_setup(s)
    with pytest.raises(NotFound), write_session() as s:
        setup.complete_setup(s, code=code, company="Evil", email="e@evil.example", name="Eve", password=PASSWORD)
    with write_session() as s:
        assert setup.open_setup(s) is None


def test_two_simultaneous_set_ups_create_one_admin(db_url):
    with write_session() as s:
        code = setup.open_setup(s)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(n: int) -> None:
        start.wait()
        try:
            with write_session() as s:
                setup.complete_setup(
                    s,
                    code=code,
                    company=f"Desk {n}",
                    email=f"admin{n}@example.com",
                    name=f"Admin {n}",
                    password=PASSWORD,
                )
            outcomes.append("created")
        except (NotFound, PermissionDenied) as exc:
            outcomes.append(type(exc).__name__)
        except Exception as exc:  # noqa: BLE001 (any other refusal also counts as "not created")
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes).count("created") == 1, outcomes
    with read_session() as s:
        assert s.exec(select(func.count()).select_from(User).where(User.role == Role.admin)).one() == 1


def test_demo_desk_off_loopback_has_no_published_password(db_url):
    with write_session() as s:
        summary = seed.seed_demo(s, tickets=3, published_password=False)
    assert set(summary.logins) == set(seed.DEMO_LOGINS)
    with read_session() as s:
        users = s.exec(select(User)).all()
        assert not seed.carries_published_passwords(s)
    for user in users:
        assert not auth._verify(user.password_hash, seed.DEMO_PASSWORD)
    with write_session() as s:
        assert auth.authenticate(s, email=seed.DEMO_ADMIN_EMAIL, password=summary.logins[seed.DEMO_ADMIN_EMAIL])


def test_published_demo_passwords_are_retired_for_a_server_off_loopback(db_url):
    with write_session() as s:
        seed.seed_demo(s, tickets=3)
    with read_session() as s:
        assert seed.carries_published_passwords(s)
    with write_session() as s:
        logins = seed.retire_published_passwords(s)
    assert set(logins) == set(seed.DEMO_LOGINS)
    with read_session() as s:
        assert not seed.carries_published_passwords(s)
        hashes = s.exec(select(User.password_hash)).all()
    assert all(h is None or not auth._verify(h, seed.DEMO_PASSWORD) for h in hashes)
    with write_session() as s:
        assert seed.retire_published_passwords(s) == {}


def test_the_bench_desks_published_password_is_retired_off_loopback_too(db_url):
    from autocrm.services import bench_seed

    bench_seed.seed_bench(tickets=5)
    with read_session() as s:
        assert seed.carries_published_passwords(s)
    with write_session() as s:
        logins = seed.retire_published_passwords(s)
    assert set(logins) == {bench_seed.BENCH_ADMIN_EMAIL}  # the admins keep a way in, printed once
    with read_session() as s:
        hashes = s.exec(select(User.password_hash)).all()
    assert all(h is None or not auth._verify(h, bench_seed.BENCH_PASSWORD) for h in set(hashes))
    with write_session() as s:
        assert auth.authenticate(s, email=bench_seed.BENCH_ADMIN_EMAIL, password=logins[bench_seed.BENCH_ADMIN_EMAIL])
