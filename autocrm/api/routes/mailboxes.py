"""The e-mail channel's settings for admin keys with `channels:manage`: IMAP mailboxes (never their passwords in
an answer), a connection check, and the received mail with the failed messages' retry."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from autocrm.api.deps import Credential, outside_session, read, resource_id, write
from autocrm.api.errors import ERROR_RESPONSES
from autocrm.api.strict_json import StrictJSONRoute
from autocrm.services import email as inbound
from autocrm.services.email import InboundMailPublic, InboundResult, mailboxes
from autocrm.services.email.mailboxes import ConnectionCheck, MailboxCreate, MailboxPublic, MailboxUpdate

router = APIRouter(
    prefix="/api/v1/channels/email", tags=["channels"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES
)

MailboxId = Annotated[int, resource_id("The mailbox's id (see the list).")]
InboundId = Annotated[int, resource_id("The received message's id (see the received mail).")]


@router.get("/mailboxes", summary="List IMAP mailboxes")
async def list_mailboxes(key: Credential) -> list[MailboxPublic]:
    """Each with the outcome of its last poll or check (`last_ok`, `last_status`); never its password."""
    return await read(key, lambda session, actor: mailboxes.list_mailboxes(session, actor=actor))


@router.post("/mailboxes", status_code=status.HTTP_201_CREATED, summary="Add an IMAP mailbox")
async def create_mailbox(key: Credential, data: MailboxCreate, response: Response) -> MailboxPublic:
    """The password is sealed with the desk's key at rest. `security` is `ssl` (port 993), `starttls` or
    `none`; `processed_folder`, when set, is where fetched mail is moved (else it is flagged seen). The
    `email.poll` job fetches new mail from enabled mailboxes every minute."""
    created = await write(key, lambda session, actor: mailboxes.create_mailbox(session, actor=actor, data=data))
    response.headers["Location"] = f"{router.prefix}/mailboxes/{created.id}"
    return created


@router.get("/mailboxes/{mailbox_id}", summary="Get an IMAP mailbox")
async def get_mailbox(key: Credential, mailbox_id: MailboxId) -> MailboxPublic:
    return await read(key, lambda session, actor: mailboxes.get_mailbox(session, actor=actor, mailbox_id=mailbox_id))


@router.patch("/mailboxes/{mailbox_id}", summary="Change an IMAP mailbox")
async def update_mailbox(key: Credential, mailbox_id: MailboxId, data: MailboxUpdate) -> MailboxPublic:
    """Only the fields sent change; a `password` sent replaces the stored one; `"enabled": false` pauses it."""
    return await write(
        key, lambda session, actor: mailboxes.update_mailbox(session, actor=actor, mailbox_id=mailbox_id, data=data)
    )


@router.delete("/mailboxes/{mailbox_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove an IMAP mailbox")
async def delete_mailbox(key: Credential, mailbox_id: MailboxId) -> Response:
    """No more mail is fetched from it and its password is forgotten; the tickets it brought stay."""
    await write(key, lambda session, actor: mailboxes.delete_mailbox(session, actor=actor, mailbox_id=mailbox_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/mailboxes/{mailbox_id}/check", summary="Check a mailbox's connection")
async def check_mailbox(key: Credential, mailbox_id: MailboxId) -> ConnectionCheck:
    """Connects, signs in and opens the folder (at most 10 s), and says how many unread messages wait there;
    `ok: false` with the server's reason otherwise. Fetches nothing."""
    return await outside_session(key, lambda actor: mailboxes.check_connection(actor=actor, mailbox_id=mailbox_id))


@router.get("/received", summary="Mail the desk received")
async def list_received(
    key: Credential,
    status: Annotated[Literal["failed", "created", "threaded", "ignored"] | None, Query()] = "failed",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[InboundMailPublic]:
    """Newest first; by default the failed messages, each with its `reason`, for a retry."""
    return await read(
        key, lambda session, actor: inbound.list_inbound(session, actor=actor, status=status, limit=limit)
    )


@router.post("/received/{inbound_id}/retry", summary="Read a failed message again")
async def retry_received(key: Credential, inbound_id: InboundId) -> InboundResult:
    """From its stored raw bytes, after a fix; answers like the inbound endpoint. Only a failed message can be
    retried (409 otherwise)."""
    return await write(key, lambda session, actor: inbound.retry_inbound(session, actor=actor, inbound_id=inbound_id))
