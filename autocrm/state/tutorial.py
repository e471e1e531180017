"""A tutorial read one step at a time: Back/Next, a jump to any step, the arrow keys, and for a signed-in reader
their place kept as they move (`kb.tutorials.remember_place`) and found again when they come back, with "Start
over". Visitors get no memory. A mixin of the help centre's and the staff's article states: both hold the
article's `steps` as the reading services shaped them (no staff-only field)."""

from __future__ import annotations

import logging
from typing import Any

import reflex as rx

from autocrm.core.db import read_session, write_session
from autocrm.services.actor import Actor
from autocrm.services.errors import DomainError
from autocrm.services.kb import tutorials
from autocrm.services.kb.steps import StepPublic, step_label

log = logging.getLogger(__name__)

# The arrow keys move through the steps (not while typing, nor with a dialog open); sent by the page's load as
# `rx.call_script` (the page's policy runs scripts a backend event sends), installed once per tab.
KEYS_JS = r"""
(() => {
  if (window.__autocrmTutorialKeys) return;
  window.__autocrmTutorialKeys = true;
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.shiftKey || e.defaultPrevented) return;
    const el = document.activeElement;
    if (el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT|VIDEO|IFRAME)$/.test(el.tagName))) return;
    if (document.querySelector('[role=dialog], [role=alertdialog]')) return;
    const key = e.key === 'ArrowRight' ? '.tutorial-next' : e.key === 'ArrowLeft' ? '.tutorial-back' : '';
    const button = key && document.querySelector(key);
    if (!button || button.disabled) return;
    e.preventDefault();
    button.click();
  });
})();
"""


# After a move, the step's top in view (a long step read to its end on a phone), scrolling no more than needed.
SHOW_STEP_JS = "document.getElementById('tutorial-step')?.scrollIntoView({block: 'nearest', behavior: 'smooth'})"


def step_rows(steps: list[StepPublic]) -> list[dict[str, Any]]:
    """The steps as the viewer shows them."""
    rows = []
    for index, step in enumerate(steps):
        media = step.media
        rows.append(
            {
                "index": index,
                "label": step_label(index, {"title": step.title}),
                "title": step.title,
                "body_html": step.body_html,
                "media_type": media.type if media else "",
                "src": media.src if media else "",
                "alt": (media.alt or step.title) if media else "",
            }
        )
    return rows


class TutorialViewerMixin(rx.State, mixin=True):
    steps: list[dict[str, Any]] = []
    step: int = 0
    # Opened where the reader left off (not the first step): the viewer says so and offers "Start over".
    resumed: bool = False
    tutorial_id: int = 0

    @rx.var
    def step_count(self) -> int:
        return len(self.steps)

    @rx.var
    def current_step(self) -> dict[str, Any]:
        if not self.steps:
            return {"index": 0, "label": "", "title": "", "body_html": "", "media_type": "", "src": "", "alt": ""}
        return self.steps[min(max(self.step, 0), len(self.steps) - 1)]

    @rx.var
    def step_number(self) -> int:
        return min(self.step, max(len(self.steps) - 1, 0)) + 1

    @rx.var
    def progress(self) -> int:
        return round(100 * self.step_number / len(self.steps)) if self.steps else 0

    @rx.var
    def at_first(self) -> bool:
        return self.step <= 0

    @rx.var
    def at_last(self) -> bool:
        return self.step >= len(self.steps) - 1

    def _reader_actor(self) -> Actor | None:
        user = self._current_user()  # type: ignore[attr-defined]
        return Actor.for_user(user) if user is not None else None

    def _tutorial_keys(self) -> list[Any]:
        """What the page's load sends the browser for a tutorial: the arrow keys."""
        return [rx.call_script(KEYS_JS)] if self.steps else []

    def _open_tutorial(self, article_id: int, steps: list[StepPublic]) -> None:
        """Shows the tutorial at the reader's place (the first step for a visitor or a first reading)."""
        keep = self.tutorial_id == article_id and self.steps  # the same tutorial read again (a language switch)
        self.tutorial_id, self.steps = article_id, step_rows(steps)
        if not self.steps:
            self.step, self.resumed = 0, False
            return
        if keep:
            self.step = min(self.step, len(self.steps) - 1)
            return
        self.step, self.resumed = 0, False
        actor = self._reader_actor()
        if actor is not None:
            try:
                with read_session() as session:
                    place = tutorials.tutorial_place(session, actor=actor, article_id=article_id)
            except DomainError:
                place = None
            if place:
                self.step, self.resumed = place, True

    def _close_tutorial(self) -> None:
        self.steps, self.step, self.resumed, self.tutorial_id = [], 0, False, 0

    def _move(self, step: int) -> None:
        if not self.steps:
            return
        self.step = min(max(step, 0), len(self.steps) - 1)
        actor = self._reader_actor()
        if actor is None:
            return
        try:
            with write_session() as session:
                tutorials.remember_place(session, actor=actor, article_id=self.tutorial_id, step=self.step)
        except DomainError as error:  # unpublished meanwhile: the reader still moves, nothing is kept
            log.info("tutorial place not kept: %s", error)

    @rx.event
    def next_step(self):
        self._move(self.step + 1)
        return rx.call_script(SHOW_STEP_JS)

    @rx.event
    def previous_step(self):
        self._move(self.step - 1)
        return rx.call_script(SHOW_STEP_JS)

    @rx.event
    def go_to_step(self, index: int):
        self._move(int(index))
        return rx.call_script(SHOW_STEP_JS)

    @rx.event
    def start_over(self):
        self.resumed = False
        self._move(0)
        return rx.call_script(SHOW_STEP_JS)
