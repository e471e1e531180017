"""Rewriting a draft in another tone: the LLM only, links and placeholders kept or the rewrite refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from autocrm.core.db import read_session
from autocrm.models import Role
from autocrm.services.actor import Actor
from autocrm.services.ai import provider, rewrite
from autocrm.services.ai.rewrite import RewriteRequest
from autocrm.services.errors import PermissionDenied
from tests.factories import make_user

DRAFT = "hi {{customer.first_name}}, pls see https://help.example.com/reset for the steps"


def _rewrite(actor, text=DRAFT, tone="formal"):
    with read_session() as session:
        return rewrite.rewrite(session, actor=actor, data=RewriteRequest(text=text, tone=tone))


def test_a_draft_is_rewritten_in_the_tone_asked(llm_server):
    llm_server.reply = lambda body: (
        "Dear {{customer.first_name}}, please see https://help.example.com/reset for the steps."
    )
    result = _rewrite(Actor.for_user(make_user(Role.agent)))
    assert result.text.startswith("Dear {{customer.first_name}}")
    assert result.tone == "formal"
    assert "more formal" in llm_server.requests[-1]["messages"][0]["content"]


def test_a_rewrite_that_drops_a_link_or_placeholder_is_refused(llm_server):
    llm_server.reply = lambda body: "Dear customer, please see our help pages."
    with pytest.raises(provider.AiUnavailable) as raised:
        _rewrite(Actor.for_user(make_user(Role.agent)))
    assert raised.value.details == {"reason": "changed_draft"}
    assert "https://help.example.com/reset" in raised.value.message


def test_rewriting_needs_an_llm_staff_and_a_real_draft(db_url):
    agent = Actor.for_user(make_user(Role.agent))
    with pytest.raises(provider.AiUnavailable):
        _rewrite(agent)
    with pytest.raises(PermissionDenied):
        _rewrite(Actor.for_user(make_user(Role.customer)))
    with pytest.raises(ValidationError):
        RewriteRequest(text="   ", tone="formal")
    with pytest.raises(ValidationError):
        RewriteRequest(text="hello", tone="sarcastic")  # type: ignore[arg-type]
