"""Who is acting: a signed-in user, an API key, or the system itself (CLI, seed, jobs)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from autocrm.core.i18n import t
from autocrm.models import ApiKey, Role, User
from autocrm.services.errors import PermissionDenied
from autocrm.services.user_shapes import UserPublic

TICKETS_READ = "tickets:read"
TICKETS_WRITE = "tickets:write"
USERS_READ = "users:read"
USERS_WRITE = "users:write"
# Listing and revoking API keys (`api_keys`); only an admin key may use it.
KEYS_MANAGE = "keys:manage"
# Webhook subscriptions and their deliveries (`webhooks`); only an admin key may use it.
WEBHOOKS_MANAGE = "webhooks:manage"
# Routing rules (`routing`); only an admin key may use it.
ROUTING_MANAGE = "routing:manage"
# Reading the knowledge base (every role, within what it may see) and writing it (admins and KB editors).
KB_READ = "kb:read"
KB_WRITE = "kb:write"
# Saved views of the queue (`views`): reading them (tickets:read implies it), and writing them.
VIEWS_READ = "views:read"
VIEWS_WRITE = "views:write"
# Handing the desk messages received on a channel (`POST /api/v1/channels/email/inbound`).
CHANNELS_WRITE = "channels:write"
# The desk's channels themselves: IMAP mailboxes and the failed-mail list (`services/email`); admin keys only.
CHANNELS_MANAGE = "channels:manage"
# The AI features (`services/ai`): summaries, suggested replies, rewrites, triage and the chatbot's answers.
AI_USE = "ai:use"
# Reading the audit log (`audit_log`): who changed what; admin keys only.
AUDIT_READ = "audit:read"
# The desk's vocabulary (`desk`): statuses, priorities, custom fields and tags. Reading it (every staff key
# that reads tickets may too) and changing it (admin keys only).
DESK_READ = "desk:read"
DESK_MANAGE = "desk:manage"
ALL_SCOPES: tuple[str, ...] = (
    TICKETS_READ,
    TICKETS_WRITE,
    USERS_READ,
    USERS_WRITE,
    KEYS_MANAGE,
    WEBHOOKS_MANAGE,
    ROUTING_MANAGE,
    KB_READ,
    KB_WRITE,
    VIEWS_READ,
    VIEWS_WRITE,
    CHANNELS_WRITE,
    CHANNELS_MANAGE,
    AI_USE,
    AUDIT_READ,
    DESK_READ,
    DESK_MANAGE,
)


class ActorKind(StrEnum):
    """What is acting: events record it as their `via`, and a system actor's message is not an agent's reply."""

    person = "person"
    api_key = "api_key"
    system = "system"  # the CLI, the seed, imports, jobs, rules and the bot


@dataclass(frozen=True)
class Actor:
    role: Role
    label: str
    user_id: int | None = None
    api_key_id: int | None = None
    # None for people signed in to the UI: their role alone decides. API keys carry scopes.
    scopes: frozenset[str] | None = None
    # The signed-in person's display name, so what they write can name its author without a lookup.
    name: str | None = None
    kind: ActorKind = ActorKind.person
    # What events record as their `via` when it is not the kind's own ("rule" for a routing rule's writes).
    via: str | None = None

    @classmethod
    def for_user(cls, user: User | UserPublic) -> Actor:
        return cls(role=user.role, label=f"user:{user.id}", user_id=user.id, name=user.name)

    @classmethod
    def for_api_key(cls, key: ApiKey) -> Actor:
        return cls(
            role=key.role,
            label=f"api_key:{key.id}:{key.name}",
            api_key_id=key.id,
            scopes=frozenset(key.scopes),
            kind=ActorKind.api_key,
        )

    @classmethod
    def system(cls, label: str = "system", *, via: str | None = None) -> Actor:
        return cls(role=Role.admin, label=label, kind=ActorKind.system, via=via)

    @property
    def is_staff(self) -> bool:
        return self.role.is_staff

    @property
    def is_channel(self) -> bool:
        """A customer writing through a channel the desk received their words on (an e-mail): the channel names
        who they are, so it writes on their tickets even while those wait for the address to be verified."""
        return (self.via or "").startswith("channel:") and self.kind == ActorKind.person

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    def require_scope(self, scope: str) -> None:
        if self.scopes is not None and scope not in self.scopes:
            raise PermissionDenied(t("This API key lacks the '{scope}' scope.", scope=scope), {"required_scope": scope})

    def require_staff(self) -> None:
        if not self.is_staff:
            raise PermissionDenied(t("Only agents and admins may do this."))

    def require_admin(self) -> None:
        if not self.is_admin:
            raise PermissionDenied(t("Only admins may do this."))
