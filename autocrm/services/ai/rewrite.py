"""Tone and phrasing: an agent's draft rewritten friendlier, more concise or more formal, by the LLM.

There is no offline rewrite (no small model here writes well enough to put words in an agent's mouth): without
an LLM this answers `ai_unavailable`, and the composer keeps the browser's own spelling check. A rewrite that
lost one of the draft's links or placeholders is refused rather than offered, since the agent might send it
without noticing.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field
from sqlmodel import Session

from autocrm.core.i18n import t
from autocrm.services.actor import AI_USE, Actor
from autocrm.services.ai import provider
from autocrm.services.ai.prompts import REWRITE, TONES
from autocrm.services.inputs import ServiceInput

FEATURE = "rewrite"
MAX_DRAFT_CHARS = 8_000
# What must come through a rewrite unchanged: links and macro placeholders.
KEPT = re.compile(r"https?://\S+|\{\{[^{}]+\}\}")

Tone = Literal["friendly", "concise", "formal"]


class RewriteRequest(ServiceInput):
    text: str = Field(min_length=1, max_length=MAX_DRAFT_CHARS)
    tone: Tone


class Rewritten(BaseModel):
    text: str
    tone: Tone
    model: str


def rewrite(session: Session, *, actor: Actor, data: RewriteRequest) -> Rewritten:
    """Staff only (scope `ai:use` for keys). Read-only: the LLM is asked outside any write."""
    actor.require_scope(AI_USE)
    actor.require_staff()
    completion = provider.complete(
        session,
        feature=FEATURE,
        prompt=REWRITE,
        values={"tone": TONES[data.tone], "text": data.text},
        max_tokens=min(2_000, len(data.text) // 2 + 200),
    )
    kept = {m.rstrip(".,;:!?)") for m in KEPT.findall(data.text)}
    lost = sorted(item for item in kept if item not in completion.text)
    if lost:
        raise provider.AiUnavailable(
            t("The rewrite dropped part of your draft ({items}); your draft is unchanged.", items=", ".join(lost)),
            {"reason": "changed_draft"},
        )
    return Rewritten(text=completion.text, tone=data.tone, model=completion.model)
