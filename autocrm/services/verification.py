"""E-mail verification and the throttle on account mails.

A self-signed-up account starts unverified. Its verification link is signed with the desk's secret key
(itsdangerous) and names a stored `EmailVerification` row, which makes it single-use and ties it to the
address it was mailed to. Until the account verifies:

- it sees only the tickets it opened itself;
- a ticket that staff or the API open for its address (or for it by id) still gets it as requester, but
  with a `TicketVerificationHold`: hidden from the account until it verifies, so whoever squats an address
  they do not read never sees what the desk writes to its owner. Verifying (by the link, or by resetting the
  password through a mailed link) drops the holds and shows those tickets.

Accounts made by an admin, the CLI, the seed or for a ticket's requester count as verified (someone vouched
for the address, and a passwordless requester account can only be entered through a mailed reset link).
"""

from __future__ import annotations

import hmac
import json
import secrets
from datetime import timedelta
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import RateLimitItemPerHour
from sqlmodel import Session, col, delete, select

from autocrm import routes
from autocrm.core.db import stored_id
from autocrm.core.i18n import t
from autocrm.core.sealing import sealer
from autocrm.core.settings import get_settings
from autocrm.models import EmailVerification, EventRecord, Role, TicketVerificationHold, User
from autocrm.models.base import utcnow
from autocrm.services import audit, auth, events
from autocrm.services.actor import Actor
from autocrm.services.errors import PermissionDenied, RateLimited, ValidationFailed
from autocrm.services.events import Event
from autocrm.services.mail import OutboundMail, get_mailer
from autocrm.services.user_shapes import UserPublic

_SALT = "autocrm.email-verification"
INVALID_LINK = "This verification link is invalid, expired or already used. Sign in and ask for a new one."

# Distinct limiter namespaces, so a burst of one kind of mail never blocks another.
SIGNUP_MAIL = "mail-signup"
RESET_MAIL = "mail-reset"
VERIFY_MAIL = "mail-verify"


def throttle_account_mail(namespace: str, *, email: str, client: str = "") -> None:
    """RateLimited once this address, or this client, asked for too many mails of this kind in an hour.
    Counted before anything is looked up, so the answer never depends on whether the address has an account."""
    settings = get_settings()
    per_address = RateLimitItemPerHour(settings.account_mails_per_address_per_hour)
    per_client = RateLimitItemPerHour(settings.account_mails_per_client_per_hour)
    # The login throttle's limiter: one storage (memory, or Redis shared by every worker) for all limits.
    limiter = auth._limiter()
    checks = [(per_address, f"email:{auth.sha256(email)}")] + ([(per_client, f"client:{client}")] if client else [])
    for item, key in checks:
        if not limiter.hit(item, namespace, key):
            raise RateLimited(t("Too many e-mails asked for. Wait an hour and try again."))


# The account mails' events, each followed by the `send_account_mail` listener.
VERIFICATION_REQUESTED = "account.verification_requested"
RESET_MAIL_REQUESTED = "account.password_reset_requested"
SIGNUP_ATTEMPT_ON_EXISTING = "account.signup_attempt_on_existing"
_MAIL_SEAL = "account-mail"


def _mail_fernet() -> Fernet:
    return sealer(_MAIL_SEAL)


def mail_after_commit(session: Session, mail: OutboundMail, *, event_type: str, user_id: int | None) -> None:
    """Emits `event_type` carrying `mail`, which the job runner sends once the write commits (never if it rolls
    back, and again after a crash until it is sent). The mail holds a live link, so the outbox keeps it sealed
    with a key derived from the secret key, and only until it is sent."""
    sealed = _mail_fernet().encrypt(json.dumps({"to": mail.to, "subject": mail.subject, "text": mail.text}).encode())
    events.emit(
        session,
        event_type,
        actor=Actor.system("accounts"),
        data={"user_id": user_id, "mail": sealed.decode()},
    )


def send_account_mail(session: Session, event: Event) -> None:
    """The after-commit listener of the account mails: sends the sealed mail, then drops it from the outbox row
    in the same transaction as the job is marked done (a second run finds nothing left to send)."""
    row = session.get(EventRecord, event.id)
    sealed = row.data.get("mail") if row is not None else None
    if row is None or not sealed:
        return
    try:
        mail = json.loads(_mail_fernet().decrypt(str(sealed).encode()))
    except InvalidToken:
        # The secret key changed since: the link inside would not work either. Nothing to send.
        mail = None
    if mail is not None:
        get_mailer().send(OutboundMail(to=mail["to"], subject=mail["subject"], text=mail["text"]))
    row.data = {key: value for key, value in row.data.items() if key != "mail"} | {"sent": mail is not None}
    session.add(row)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().resolved_secret_key, salt=_SALT)


def is_verified(user: User | None) -> bool:
    return user is not None and user.email_verified_at is not None


def _verification_mail(session: Session, user: User, *, intro: str) -> OutboundMail:
    """A fresh link for `user`; the links mailed before it stop working."""
    from autocrm.services.setup import company_name

    settings = get_settings()
    _expire_links(session, user)
    nonce = secrets.token_urlsafe(24)
    row = EmailVerification(
        user_id=stored_id(user.id),
        email=user.email,
        nonce_hash=auth.sha256(nonce),
        expires_at=utcnow() + timedelta(seconds=settings.email_verification_ttl_seconds),
    )
    session.add(row)
    session.flush()
    token = _serializer().dumps({"id": row.id, "nonce": nonce})
    hours = settings.email_verification_ttl_seconds // 3600
    desk = company_name(session)
    return OutboundMail(
        to=user.email,
        subject=f"Confirm your e-mail address for {desk}",
        text=(
            f"Hello {user.name},\n\n{intro}\n\nTo confirm that this address is yours, open this link within "
            f"{hours} hours:\n\n{routes.verify_email_link(settings.base_url, token)}\n\n"
            "Until you do, your account shows only the requests you opened yourself.\n"
            "If you did not sign up, ignore this message.\n"
        ),
    )


def _expire_links(session: Session, user: User) -> None:
    now = utcnow()
    for row in session.exec(
        select(EmailVerification).where(EmailVerification.user_id == user.id, col(EmailVerification.used_at).is_(None))
    ):
        row.used_at = now
        session.add(row)


def send_signup_verification(session: Session, user_id: int) -> None:
    user = session.get(User, user_id)
    if user is not None:
        mail = _verification_mail(session, user, intro="Thanks for creating an account.")
        mail_after_commit(session, mail, event_type=VERIFICATION_REQUESTED, user_id=user.id)


def send_signup_notice_to_owner(session: Session, user: User) -> None:
    """Someone signed up with an address that already has an account: tell its owner, not the browser."""
    from autocrm.services.setup import company_name

    settings = get_settings()
    mail_after_commit(
        session,
        OutboundMail(
            to=user.email,
            subject=f"Someone tried to create a {company_name(session)} account with your address",
            text=(
                f"Hello {user.name},\n\nSomeone tried to create an account with this e-mail address, which already "
                f"has one. If it was you, sign in:\n\n{settings.base_url}{routes.LOGIN}\n\n"
                f"or, if you forgot your password, choose a new one:\n\n{settings.base_url}{routes.FORGOT_PASSWORD}\n\n"
                "If it was not you, ignore this message: nothing changed.\n"
            ),
        ),
        event_type=SIGNUP_ATTEMPT_ON_EXISTING,
        user_id=user.id,
    )


def resend_verification(session: Session, *, actor: Actor, client: str = "") -> None:
    """Mails the signed-in account a new link (the older ones stop working). Throttled per address and client."""
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None or not user.is_active:
        raise PermissionDenied(t("Sign in to confirm your e-mail address."))
    if is_verified(user):
        return
    throttle_account_mail(VERIFY_MAIL, email=user.email, client=client)
    mail = _verification_mail(session, user, intro="You asked for a new confirmation link.")
    mail_after_commit(session, mail, event_type=VERIFICATION_REQUESTED, user_id=user.id)
    audit.record(session, actor=actor, action="auth.verification_sent", object_type="user", object_id=user.id)


def verify_email(session: Session, *, token: str) -> UserPublic:
    """Redeems a verification link once. A forged, expired, used or superseded link is refused."""
    max_age = get_settings().email_verification_ttl_seconds
    try:
        data = _serializer().loads(token or "", max_age=max_age)
    except BadSignature:
        raise ValidationFailed(INVALID_LINK, {"token": "invalid or expired"}) from None
    row_id, nonce = (data.get("id"), data.get("nonce")) if isinstance(data, dict) else (None, None)
    row = session.get(EmailVerification, row_id) if isinstance(row_id, int) and isinstance(nonce, str) else None
    if (
        row is None
        or row.used_at is not None
        or row.expires_at <= utcnow()
        or not hmac.compare_digest(row.nonce_hash, auth.sha256(str(nonce)))
    ):
        raise ValidationFailed(INVALID_LINK, {"token": "invalid or expired"})
    user = session.get(User, row.user_id)
    if user is None or not user.is_active or user.email != row.email:
        raise ValidationFailed(INVALID_LINK, {"token": "invalid or expired"})
    mark_verified(session, user, how="link")
    row.used_at = utcnow()
    session.add(row)
    return UserPublic.model_validate(user)


def mark_verified(session: Session, user: User, *, how: str) -> None:
    """`user` proved they read mail at their address: every outstanding link ends and held tickets show."""
    _expire_links(session, user)
    session.exec(delete(TicketVerificationHold).where(col(TicketVerificationHold.user_id) == user.id))
    if user.email_verified_at is not None:
        return
    user.email_verified_at = utcnow()
    session.add(user)
    audit.record(
        session,
        actor=Actor.for_user(user),
        action="auth.email_verified",
        object_type="user",
        object_id=user.id,
        changes={"email_verified": (False, True), "via": (None, how)},
    )


def hold_if_unverified(session: Session, *, actor: Actor, ticket_id: int, requester_id: int) -> None:
    """A ticket opened by someone other than its unverified requester waits for the requester to verify."""
    requester = session.get(User, requester_id)
    if requester is None or requester.role != Role.customer or is_verified(requester):
        return
    if actor.user_id == requester.id and actor.api_key_id is None:
        return
    session.add(TicketVerificationHold(ticket_id=ticket_id, user_id=requester_id))


def held_from(actor: Actor) -> Any:
    """The ids of tickets this customer may not see yet (a subquery for the customer's ticket lists)."""
    return select(TicketVerificationHold.ticket_id).where(TicketVerificationHold.user_id == actor.user_id)


def is_held(session: Session, ticket_id: int) -> bool:
    return session.get(TicketVerificationHold, ticket_id) is not None
