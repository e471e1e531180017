from __future__ import annotations

from enum import StrEnum

from autocrm.core.i18n import N_


class Role(StrEnum):
    customer = "customer"
    agent = "agent"
    admin = "admin"

    @property
    def is_staff(self) -> bool:
        return self in STAFF_ROLES


# The roles that work the desk (agents and admins); API keys act as one of them.
STAFF_ROLES: tuple[Role, ...] = (Role.agent, Role.admin)


class StatusCategory(StrEnum):
    """What a configurable status means to the desk: every status maps to one."""

    new = "new"
    open = "open"
    pending = "pending"
    on_hold = "on_hold"
    solved = "solved"
    closed = "closed"


class Channel(StrEnum):
    web = "web"
    email = "email"
    chat = "chat"
    phone = "phone"
    sms = "sms"
    social = "social"
    api = "api"


class CallDirection(StrEnum):
    inbound = "inbound"  # the customer called
    outbound = "outbound"  # an agent called the customer


# How each channel is named on screen (msgids: translated where shown).
CHANNEL_LABELS: dict[str, str] = {
    Channel.web.value: N_("Web"),
    Channel.email.value: N_("E-mail"),
    Channel.chat.value: N_("Chat"),
    Channel.phone.value: N_("Phone"),
    Channel.sms.value: N_("SMS"),
    Channel.social.value: N_("Social media"),
    Channel.api.value: N_("API"),
}


class CustomFieldType(StrEnum):
    text = "text"
    number = "number"
    date = "date"
    select = "select"
    checkbox = "checkbox"


class Availability(StrEnum):
    """What an agent says of themselves: only `online` agents get tickets from load balancing."""

    online = "online"
    away = "away"
    offline = "offline"


class Balancing(StrEnum):
    """How a team hands its unassigned tickets out (`services/balancing.py`); `manual`: it does not."""

    manual = "manual"
    round_robin = "round_robin"
    least_loaded = "least_loaded"
    skills_first = "skills_first"
