"""Presence on the staff screens (`services/presence.py`): the ticket page beats and shows who else is on the
ticket ("Ana Lopez is viewing", "… is replying…"); the queue badges the rows someone else is on. Both follow
changes live through `live.follow_presence`, which calls `_presence_refresh` on their tabs.

In the browser a small script (sent by the ticket page's load, installed once per tab) decides what the tab is
doing each second: `away` while the tab is hidden or nobody touched it for five minutes; `replying` while the
composer has focus and was typed in or focused in the last minute, or was typed in during the last 15 s, until
a reply is sent; else `viewing`. It beats when that changes and every `presence.beat_seconds()` otherwise, by
clicking one of three hidden buttons of the page (the page's policy lets scripts a backend event sends run, and
buttons are how they reach a handler)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import reflex as rx
from babel.lists import format_list

from autocrm.core import i18n
from autocrm.services import presence
from autocrm.services.actor import Actor
from autocrm.services.errors import DomainError
from autocrm.services.presence import PresencePerson
from autocrm.state.roles import STAFF

BEAT_KINDS = presence.BEATS  # the heartbeats a page's hidden buttons send
PRESENCE_JS = r"""
(() => {
  const BEAT = %(beat)d, IDLE = 300000;
  const p = window.__autocrmPresence || (window.__autocrmPresence = {});
  p.beat = BEAT; p.last = 'viewing'; p.sentAt = Date.now(); p.touchedAt = 0; p.typedAt = 0; p.activeAt = Date.now();
  if (p.installed) return;
  p.installed = true;
  const active = () => { const idle = Date.now() - p.activeAt > IDLE; p.activeAt = Date.now(); if (idle) tick(); };
  for (const kind of ['pointerdown', 'pointermove', 'keydown', 'wheel', 'scroll', 'touchstart']) {
    document.addEventListener(kind, active, {capture: true, passive: true});
  }
  const inComposer = (el) => !!el && !!el.closest && !!el.closest('#composer-form');
  const activity = () => {
    const now = Date.now();
    if (document.hidden || now - p.activeAt > IDLE) return 'away';
    const el = document.activeElement;
    const focused = inComposer(el) && (el.isContentEditable || el.getAttribute('role') === 'textbox');
    if (focused && now - p.touchedAt < 60000) return 'replying';
    if (now - p.typedAt < 15000) return 'replying';
    return 'viewing';
  };
  const tick = () => {
    if (!location.pathname.startsWith('/agent/tickets/')) { p.last = ''; return; }
    const now = activity();
    if (now === p.last && Date.now() - p.sentAt < p.beat) return;
    const button = document.getElementById('presence-' + now);
    if (!button) return;
    p.last = now; p.sentAt = Date.now();
    button.click();
  };
  const touched = (typed) => (e) => {
    if (!inComposer(e.target)) return;
    p.touchedAt = Date.now();
    if (typed) p.typedAt = p.touchedAt;
    tick();
  };
  document.addEventListener('focusin', touched(false), true);
  document.addEventListener('keydown', touched(true), true);
  document.addEventListener('input', touched(true), true);
  document.addEventListener('focusout', () => setTimeout(tick, 0), true);
  document.addEventListener('visibilitychange', tick);
  // A sent reply clears the composer (the page resets its form): viewing again until the next keystroke.
  document.addEventListener('reset', (e) => {
    if (e.target && e.target.id === 'composer-form') { p.touchedAt = 0; p.typedAt = 0; tick(); }
  }, true);
  setInterval(tick, 1000);
})();
"""


def install_script() -> Any:
    return rx.call_script(PRESENCE_JS % {"beat": int(presence.beat_seconds() * 1000)})


def people_rows(people: list[PresencePerson], own_id: Any) -> list[dict[str, Any]]:
    """The others on a ticket as the page holds them: id, name, initials and whether they are replying."""
    return [
        {
            "id": p.user_id,
            "name": p.name,
            "initials": "".join(part[0] for part in p.name.split()[:2]).upper() or "?",
            "replying": p.activity == presence.REPLYING,
        }
        for p in people
        if p.user_id != own_id
    ]


def _names(names: list[str]) -> str:
    return format_list(names, locale=i18n.get_locale())


def presence_sentence(people: list[dict[str, Any]]) -> str:
    """ "Ana Lopez is replying… · Ben Cho and Chloé Martin are viewing", in the current locale."""
    replying = [p["name"] for p in people if p["replying"]]
    viewing = [p["name"] for p in people if not p["replying"]]
    parts = []
    if replying:
        parts.append(
            i18n.ngettext("{names} is replying…", "{names} are replying…", len(replying), names=_names(replying))
        )
    if viewing:
        parts.append(i18n.ngettext("{names} is viewing", "{names} are viewing", len(viewing), names=_names(viewing)))
    return " · ".join(parts)


def badge_fields(people: list[PresencePerson], own_id: Any) -> dict[str, Any]:
    """What a queue row shows of presence: a count, whether someone replies, and the sentence as its tooltip."""
    others = people_rows(people, own_id)
    return {
        "presence_count": len(others),
        "presence_replying": any(p["replying"] for p in others),
        "presence_text": presence_sentence(others),
    }


class TicketPresenceMixin(rx.State, mixin=True):
    """The ticket page's presence: who else is on it, and its own heartbeats."""

    presence: list[dict[str, Any]] = []  # the others: id, name, initials, replying

    if TYPE_CHECKING:
        ticket: dict[str, Any]
        user: dict[str, Any]
        locale: str

        def _actor(self, roles: Any) -> tuple[Actor | None, Any]: ...

    @rx.var
    def presence_line(self) -> str:
        with i18n.using_locale(self.locale or None):
            return presence_sentence(self.presence)

    @rx.var
    def others_replying(self) -> str:
        """The composer's note (beside the collision warning): who else is writing a reply right now."""
        names = [p["name"] for p in self.presence if p["replying"]]
        if not names:
            return ""
        with i18n.using_locale(self.locale or None):
            return i18n.ngettext(
                "{names} is also replying: check before you send.",
                "{names} are also replying: check before you send.",
                len(names),
                names=_names(names),
            )

    def _presence_ticket_id(self) -> int:
        return int((self.ticket or {}).get("id") or 0)

    def _presence_on_load(self, actor: Actor) -> Any:
        """The page's load: this tab is viewing the ticket from now on; who else is here."""
        ticket_id = self._presence_ticket_id()
        if not ticket_id:
            self.presence = []
            return None
        try:
            presence.beat(
                actor=actor, ticket_id=ticket_id, activity=presence.VIEWING, tab=self.router.session.client_token
            )
            found = presence.on_tickets(actor=actor, ticket_ids=[ticket_id])
        except DomainError:
            return None
        self._set_presence(found.get(ticket_id, []), actor.user_id)
        return install_script()

    def _set_presence(self, people: list[PresencePerson], own_id: Any) -> None:
        rows = people_rows(people, own_id)
        if rows != self.presence:
            self.presence = rows

    def _presence_refresh(self, found: dict[int, list[PresencePerson]]) -> None:
        ticket_id = self._presence_ticket_id()
        if ticket_id:
            self._set_presence(found.get(ticket_id, []), (self.user or {}).get("id"))

    @rx.event
    def presence_beat(self, activity: str):
        ticket_id = self._presence_ticket_id()
        if not ticket_id or activity not in presence.BEATS:
            return None
        actor, _ = self._actor(STAFF)
        if actor is None:
            return None
        try:
            presence.beat(actor=actor, ticket_id=ticket_id, activity=activity, tab=self.router.session.client_token)
        except DomainError:
            return None
        return None
