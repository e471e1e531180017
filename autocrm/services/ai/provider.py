"""The provider layer: whether a feature may ask the LLM, asking it (whole or streamed), and the accounting.

- **Configured** by the settings (`core/llm.py`, `AUTOCRM_LLM_*`); **switched** by admins as data: a global kill
  switch and one switch per feature (`ai.switches` in the desk settings), read on every call, so turning a
  feature off takes effect at once in every process.
- **Asking**: `complete` and `stream` take a rendered prompt (`prompts.py`), use the feature's model, and turn
  every failure of the provider (timeout, refusal, rate limit, a broken stream) into `AiUnavailable` with a
  reason, so a caller falls back to its no-LLM path or says plainly that the AI could not answer.
- **Accounting**: every call is one `ai_call` row (feature, model, prompt version, tokens, latency, first token,
  outcome; no text, which may hold customers' words), written in a transaction of its own so that a call
  that failed, or whose caller rolled back, is counted too. Never call the LLM inside a write transaction: on
  SQLite it would hold the desk's one write lock for as long as the model thinks.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import httpx2
import openai
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from autocrm.core import llm
from autocrm.core.db import write_session
from autocrm.core.i18n import N_, t
from autocrm.models import AiCall
from autocrm.models.base import utcnow
from autocrm.services import audit, setup
from autocrm.services.actor import AI_USE, Actor
from autocrm.services.ai.prompts import Prompt
from autocrm.services.errors import Unavailable, field_error
from autocrm.services.inputs import ServiceInput

# The features that may use an LLM, with the name admins see beside their switches.
FEATURES: dict[str, str] = {
    "summary": N_("Conversation summaries"),
    "suggest_reply": N_("Suggested replies"),
    "rewrite": N_("Tone and phrasing"),
    "triage": N_("Triage"),
    "chat": N_("Chatbot answers"),
}
SWITCHES_KEY = "ai.switches"
HEALTH_TIMEOUT_SECONDS = 5.0


class AiUnavailable(Unavailable):
    """No LLM answer: none is configured, an admin switched it off, or the provider failed (`details.reason`)."""

    code = "ai_unavailable"


class Switches(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True  # the global kill switch: off, no feature asks the LLM
    features: dict[str, bool] = Field(default_factory=dict)  # a feature not named is on

    def allows(self, feature: str) -> bool:
        return self.enabled and self.features.get(feature, True)


class FeatureState(BaseModel):
    name: str
    label: str
    enabled: bool  # its own switch
    model: str | None  # None: no LLM configured


class AiStatus(BaseModel):
    configured: bool
    provider: str | None
    enabled: bool
    features: list[FeatureState]


class FeatureUsage(BaseModel):
    feature: str
    label: str
    calls: int
    failures: int
    prompt_tokens: int
    completion_tokens: int
    latency_p50_ms: int | None
    latency_p95_ms: int | None
    first_token_p95_ms: int | None


class Health(BaseModel):
    configured: bool
    ok: bool
    latency_ms: int | None = None
    error: str | None = None  # a reason code, never the provider's own text (it may echo the key's prefix)


@dataclass(frozen=True)
class Completion:
    text: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    latency_ms: int


def switches(session: Session) -> Switches:
    stored = setup.get_value(session, SWITCHES_KEY)
    return Switches.model_validate(stored) if isinstance(stored, dict) else Switches()


def available(session: Session, feature: str) -> bool:
    """Whether `feature` would ask an LLM now: one is configured and neither switch is off."""
    return llm.config() is not None and switches(session).allows(feature)


def _llm_for(session: Session, feature: str) -> llm.LLMConfig:
    if feature not in FEATURES:
        raise ValueError(f"unknown AI feature {feature!r}")
    config = llm.config()
    if config is None:
        raise AiUnavailable(t("No AI model is set up on this desk."), {"reason": "not_configured"})
    if not switches(session).allows(feature):
        raise AiUnavailable(t("An administrator has switched this AI feature off."), {"reason": "switched_off"})
    return config


def complete(
    session: Session, *, feature: str, prompt: Prompt, values: dict[str, str], max_tokens: int = 600
) -> Completion:
    """The model's whole answer to `prompt` filled with `values`."""
    config = _llm_for(session, feature)
    model = config.model_for(feature)
    started = time.perf_counter()
    try:
        response = llm.client_for(config).chat.completions.create(
            model=model,
            messages=prompt.messages(**values),
            max_tokens=max_tokens,
            temperature=0.2,
        )
    except openai.APIError as error:
        _record(feature, model, prompt, started, ok=False, error_code=_reason(error))
        raise _unavailable(error) from None
    text = (response.choices[0].message.content or "").strip() if response.choices else ""
    usage = response.usage
    prompt_tokens = usage.prompt_tokens if usage else 0
    completion_tokens = usage.completion_tokens if usage else 0
    if not text:
        _record(
            feature, model, prompt, started, ok=False, error_code="empty", tokens=(prompt_tokens, completion_tokens)
        )
        raise _failure("empty")
    latency = _record(feature, model, prompt, started, ok=True, tokens=(prompt_tokens, completion_tokens))
    return Completion(
        text=text, model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, latency_ms=latency
    )


def stream(
    session: Session, *, feature: str, prompt: Prompt, values: dict[str, str], max_tokens: int = 600
) -> Iterator[str]:
    """The model's answer piece by piece as it is written. The switches are read before the first piece; a
    provider failure before or during the stream raises `AiUnavailable` (pieces already given stay given)."""
    config = _llm_for(session, feature)
    model = config.model_for(feature)
    return _pieces(config, feature, model, prompt, values, max_tokens)


def _pieces(
    config: llm.LLMConfig, feature: str, model: str, prompt: Prompt, values: dict[str, str], max_tokens: int
) -> Iterator[str]:
    started = time.perf_counter()
    first_token_ms: int | None = None
    tokens = (0, 0)
    finished = False  # a stream the server cut short ends without a finish reason, and without an error
    try:
        chunks = llm.client_for(config).chat.completions.create(
            model=model,
            messages=prompt.messages(**values),
            max_tokens=max_tokens,
            temperature=0.2,
            stream=True,
            stream_options={"include_usage": True},
        )
        for chunk in chunks:
            if chunk.usage is not None:
                tokens = (chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
            if not chunk.choices:
                continue
            finished = finished or chunk.choices[0].finish_reason is not None
            piece = chunk.choices[0].delta.content
            if piece:
                if first_token_ms is None:
                    first_token_ms = _elapsed_ms(started)
                yield piece
    except (openai.APIError, httpx2.HTTPError) as error:
        reason = _reason(error) if isinstance(error, openai.APIError) else "provider_error"
        _record(feature, model, prompt, started, ok=False, error_code=reason, streamed=True, tokens=tokens)
        raise _failure(reason) from None
    outcome = None if finished and first_token_ms is not None else ("incomplete" if not finished else "empty")
    _record(
        feature,
        model,
        prompt,
        started,
        ok=outcome is None,
        error_code=outcome,
        streamed=True,
        tokens=tokens,
        first_token_ms=first_token_ms,
    )
    if outcome is not None:
        raise _failure(outcome)


def _elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def _reason(error: openai.APIError) -> str:
    if isinstance(error, openai.APITimeoutError):
        return "timeout"
    if isinstance(error, openai.RateLimitError):
        return "rate_limited"
    if isinstance(error, openai.AuthenticationError | openai.PermissionDeniedError):
        return "refused"
    return "provider_error"


_REASON_TEXT = {
    "timeout": N_("The AI model took too long to answer."),
    "rate_limited": N_("The AI provider is busy; try again in a moment."),
    "refused": N_("The AI provider refused the desk's credentials."),
    "provider_error": N_("The AI provider could not answer."),
    "incomplete": N_("The AI model's answer broke off."),
    "empty": N_("The AI model gave an empty answer."),
}


def _failure(reason: str) -> AiUnavailable:
    return AiUnavailable(t(_REASON_TEXT[reason]), {"reason": reason})


def _unavailable(error: openai.APIError) -> AiUnavailable:
    return _failure(_reason(error))


def _record(
    feature: str,
    model: str,
    prompt: Prompt,
    started: float,
    *,
    ok: bool,
    error_code: str | None = None,
    streamed: bool = False,
    tokens: tuple[int, int] = (0, 0),
    first_token_ms: int | None = None,
) -> int:
    latency = _elapsed_ms(started)
    with write_session() as session:
        session.add(
            AiCall(
                feature=feature,
                model=model[:200],
                prompt_version=prompt.tag,
                ok=ok,
                error_code=error_code,
                streamed=streamed,
                prompt_tokens=tokens[0],
                completion_tokens=tokens[1],
                latency_ms=latency,
                first_token_ms=first_token_ms,
            )
        )
    return latency


def health(session: Session, *, actor: Actor) -> Health:  # noqa: ARG001 (every service takes its session)
    """Admins' check of the provider (the AI settings page's indicator)."""
    actor.require_scope(AI_USE)
    actor.require_admin()
    return check_health()


def check_health() -> Health:
    """Asks the provider for its models, with a short timeout and no retries: is it reachable, and does it take
    the desk's key? Not an LLM call, so it is not accounted."""
    config = llm.config()
    if config is None:
        return Health(configured=False, ok=False, error="not_configured")
    started = time.perf_counter()
    try:
        llm.client_for(config).with_options(timeout=HEALTH_TIMEOUT_SECONDS, max_retries=0).models.list()
    except openai.APIError as error:
        return Health(configured=True, ok=False, latency_ms=_elapsed_ms(started), error=_reason(error))
    return Health(configured=True, ok=True, latency_ms=_elapsed_ms(started))


def status(session: Session, *, actor: Actor) -> AiStatus:
    actor.require_scope(AI_USE)
    actor.require_staff()
    config = llm.config()
    current = switches(session)
    return AiStatus(
        configured=config is not None,
        provider=config.provider_name if config else None,
        enabled=current.enabled,
        features=[
            FeatureState(
                name=name,
                label=t(label),
                enabled=current.features.get(name, True),
                model=config.model_for(name) if config else None,
            )
            for name, label in FEATURES.items()
        ],
    )


class SwitchesUpdate(ServiceInput):
    enabled: bool | None = None
    features: dict[str, bool] | None = None


def set_switches(
    session: Session, *, actor: Actor, enabled: bool | None = None, features: dict[str, bool] | None = None
) -> AiStatus:
    """Admins turn the AI off and on, all of it or one feature at a time; audited."""
    actor.require_scope(AI_USE)
    actor.require_admin()
    before = switches(session)
    unknown = sorted(set(features or {}) - set(FEATURES))
    if unknown:
        raise field_error("features", t("Unknown AI feature: {names}.", names=", ".join(unknown)))
    after = Switches(
        enabled=before.enabled if enabled is None else enabled, features={**before.features, **(features or {})}
    )
    if after != before:
        setup.set_value(session, SWITCHES_KEY, after.model_dump())
        audit.record(
            session,
            actor=actor,
            action="ai.switches_changed",
            object_type="desk_setting",
            object_id=None,
            changes=audit.diff(before.model_dump(), after.model_dump()),
        )
    return status(session, actor=actor)


def usage(session: Session, *, actor: Actor, days: int = 7) -> list[FeatureUsage]:
    """Per feature over the last `days`: calls, failures, tokens and latency percentiles (admins)."""
    actor.require_scope(AI_USE)
    actor.require_admin()
    since = utcnow() - timedelta(days=days)
    rows = session.exec(select(AiCall).where(col(AiCall.created_at) >= since)).all()
    by_feature: dict[str, list[AiCall]] = {}
    for row in rows:
        by_feature.setdefault(row.feature, []).append(row)
    result = []
    for name, label in FEATURES.items():
        calls = by_feature.get(name, [])
        latencies = sorted(r.latency_ms for r in calls if r.ok)
        first_tokens = sorted(r.first_token_ms for r in calls if r.first_token_ms is not None)
        result.append(
            FeatureUsage(
                feature=name,
                label=t(label),
                calls=len(calls),
                failures=sum(1 for r in calls if not r.ok),
                prompt_tokens=sum(r.prompt_tokens for r in calls),
                completion_tokens=sum(r.completion_tokens for r in calls),
                latency_p50_ms=_percentile(latencies, 0.5),
                latency_p95_ms=_percentile(latencies, 0.95),
                first_token_p95_ms=_percentile(first_tokens, 0.95),
            )
        )
    return result


def _percentile(ordered: list[int], share: float) -> int | None:
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]
