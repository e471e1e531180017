"""The provider layer through the real `openai` client against the local test server: completions, streaming,
per-feature models, Azure, retries, timeouts, the kill switch, health and the accounting."""

from __future__ import annotations

import pytest
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.core.settings import reset_settings
from autocrm.models import AiCall, AuditEntry, Role
from autocrm.services.actor import Actor
from autocrm.services.ai import provider
from autocrm.services.ai.prompts import REWRITE, TONES
from autocrm.services.errors import PermissionDenied, ValidationFailed
from tests.factories import make_user

VALUES = {"tone": TONES["concise"], "text": "Hello there, thanks a lot for waiting so long."}


def _calls() -> list[AiCall]:
    with read_session() as session:
        return list(session.exec(select(AiCall).order_by(AiCall.id)).all())


def _admin() -> Actor:
    return Actor.for_user(make_user(Role.admin))


def _complete(feature: str = "rewrite") -> provider.Completion:
    with read_session() as session:
        return provider.complete(session, feature=feature, prompt=REWRITE, values=VALUES)


def test_without_an_llm_nothing_is_asked(db_url):
    with read_session() as session:
        assert not provider.available(session, "rewrite")
        with pytest.raises(provider.AiUnavailable) as raised:
            provider.complete(session, feature="rewrite", prompt=REWRITE, values=VALUES)
    assert raised.value.details == {"reason": "not_configured"}
    assert provider.check_health().error == "not_configured"


def test_a_completion_is_answered_and_accounted_without_its_text(llm_server):
    llm_server.reply = lambda body: "Thanks for waiting."
    result = _complete()
    assert result.text == "Thanks for waiting."
    assert result.model == "test-model"
    asked = llm_server.requests[-1]
    assert asked["model"] == "test-model"
    assert asked["messages"][0]["role"] == "system" and "shorter" in asked["messages"][0]["content"]
    assert asked["messages"][1]["content"] == VALUES["text"]
    (call,) = _calls()
    assert (call.feature, call.ok, call.prompt_version, call.streamed) == ("rewrite", True, "rewrite@1", False)
    assert call.completion_tokens == 3 and call.prompt_tokens > 0
    assert not hasattr(call, "text")  # the accounting keeps no customer words


def test_each_feature_may_use_its_own_model(llm_server, monkeypatch):
    monkeypatch.setenv("AUTOCRM_LLM_MODELS", '{"summary": "big-model"}')
    reset_settings()
    _complete("summary")
    _complete("rewrite")
    assert [r["model"] for r in llm_server.requests] == ["big-model", "test-model"]


def test_azure_openai_is_reached_by_deployment_with_its_api_version(llm_server, monkeypatch):
    monkeypatch.setenv("AUTOCRM_LLM_BASE_URL", llm_server.url.removesuffix("/v1"))
    monkeypatch.setenv("AUTOCRM_LLM_AZURE_API_VERSION", "2024-10-21")
    monkeypatch.setenv("AUTOCRM_LLM_API_KEY", "azure-key")
    reset_settings()
    llm_server.api_key = "azure-key"
    assert _complete().text.startswith("Echo:")
    assert llm_server.paths[-1] == "/openai/deployments/test-model/chat/completions?api-version=2024-10-21"


def test_a_failing_provider_is_retried_then_reported(llm_server, monkeypatch):
    monkeypatch.setenv("AUTOCRM_LLM_MAX_RETRIES", "1")
    reset_settings()
    llm_server.fail_next = 1
    assert _complete().text.startswith("Echo:")  # the client's own retry took the second answer
    assert len(llm_server.requests) == 2
    llm_server.fail_next = 2
    with pytest.raises(provider.AiUnavailable) as raised:
        _complete()
    assert raised.value.details == {"reason": "provider_error"}
    failed = _calls()[-1]
    assert (failed.ok, failed.error_code) == (False, "provider_error")


def test_a_slow_provider_times_out(llm_server, monkeypatch):
    monkeypatch.setenv("AUTOCRM_LLM_TIMEOUT_SECONDS", "0.3")
    reset_settings()
    llm_server.delay_seconds = 1.5
    with pytest.raises(provider.AiUnavailable) as raised:
        _complete()
    assert raised.value.details == {"reason": "timeout"}
    assert _calls()[-1].error_code == "timeout"


def test_a_streamed_answer_arrives_in_pieces_and_is_accounted(llm_server):
    llm_server.reply = lambda body: "One two three four"
    with read_session() as session:
        pieces = list(provider.stream(session, feature="chat", prompt=REWRITE, values=VALUES))
    assert len(pieces) == 4 and "".join(pieces) == "One two three four"
    call = _calls()[-1]
    assert (call.streamed, call.ok, call.completion_tokens) == (True, True, 4)
    assert call.first_token_ms is not None and call.first_token_ms <= call.latency_ms


def test_a_stream_cut_half_way_is_reported_after_what_arrived(llm_server):
    llm_server.reply = lambda body: "One two three four"
    llm_server.break_stream_after = 2
    received: list[str] = []
    with read_session() as session, pytest.raises(provider.AiUnavailable):
        for piece in provider.stream(session, feature="chat", prompt=REWRITE, values=VALUES):
            received.append(piece)
    assert received == ["One", " two"]
    assert _calls()[-1].ok is False


def test_the_kill_switch_and_the_feature_switches_are_admins_own_and_audited(llm_server):
    admin = _admin()
    agent = Actor.for_user(make_user(Role.agent))
    with write_session() as session, pytest.raises(PermissionDenied):
        provider.set_switches(session, actor=agent, enabled=False)
    with write_session() as session, pytest.raises(ValidationFailed):
        provider.set_switches(session, actor=admin, features={"horoscopes": True})
    with write_session() as session:
        provider.set_switches(session, actor=admin, features={"rewrite": False})
    with pytest.raises(provider.AiUnavailable) as raised:
        _complete("rewrite")
    assert raised.value.details == {"reason": "switched_off"}
    assert _complete("summary").text  # only that feature is off
    with write_session() as session:
        status = provider.set_switches(session, actor=admin, enabled=False)
    assert status.enabled is False
    with pytest.raises(provider.AiUnavailable):
        _complete("summary")
    assert len(llm_server.requests) == 1  # nothing reached the provider while switched off
    with read_session() as session:
        actions = session.exec(select(AuditEntry.action).where(AuditEntry.action == "ai.switches_changed")).all()
        seen = provider.status(session, actor=agent)
    assert len(actions) == 2
    assert seen.configured and not seen.enabled
    assert {f.name: f.enabled for f in seen.features}["rewrite"] is False


def test_health_says_whether_the_provider_answers_and_takes_the_key(llm_server, monkeypatch):
    assert provider.check_health().ok
    llm_server.api_key = "the-right-key"
    monkeypatch.setenv("AUTOCRM_LLM_API_KEY", "a-wrong-key")
    reset_settings()
    health = provider.check_health()
    assert (health.ok, health.error) == (False, "refused")
    assert llm_server.requests == []  # a health check is not a completion


def test_usage_per_feature_for_admins_only(llm_server):
    _complete("rewrite")
    _complete("rewrite")
    llm_server.fail_next = 1
    with pytest.raises(provider.AiUnavailable):
        _complete("summary")
    with read_session() as session:
        figures = {u.feature: u for u in provider.usage(session, actor=_admin())}
        with pytest.raises(PermissionDenied):
            provider.usage(session, actor=Actor.for_user(make_user(Role.agent)))
    assert (figures["rewrite"].calls, figures["rewrite"].failures) == (2, 0)
    assert figures["rewrite"].latency_p50_ms is not None
    assert (figures["summary"].calls, figures["summary"].failures) == (1, 1)
    assert figures["chat"].calls == 0 and figures["chat"].latency_p95_ms is None
