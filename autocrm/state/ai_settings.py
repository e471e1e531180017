"""Admin: AI (`/admin/ai`). Whether an LLM is set up and answers, the kill switch and each feature's switch,
and what the features cost over the last week (`services/ai/provider.py`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import reflex as rx

from autocrm.core.db import read_session, write_session
from autocrm.core.i18n import N_, format_number, t
from autocrm.services.ai import provider
from autocrm.services.errors import DomainError
from autocrm.state.roles import ADMIN
from autocrm.state.staff import StaffState

USAGE_DAYS = 7
# What `bench/ai_eval.py --write` measured on public data (BANKING77), shipped with the code it measured.
QUALITY_FILE = Path(__file__).resolve().parent.parent / "seed_data" / "ai_quality.json"


QUALITY_TEXT = {
    "triage": N_("Triage: the right category for new tickets (BANKING77: 3,080 new, 10,003 resolved)"),
    "chat_answer": N_("Chatbot: answerable questions answered from the right article / unanswerable ones escalated"),
    "chat_latency": N_("Chatbot: time to answer with 10,000 articles"),
}


def quality_row(row: dict[str, str]) -> dict[str, str]:
    """A measured row with what it measures in the reader's language (the file says it in English)."""
    label = QUALITY_TEXT.get(row.get("key", ""))
    return {**row, "what": t(label) if label else row.get("what", "")}


def measured_quality() -> dict[str, Any]:
    try:
        return json.loads(QUALITY_FILE.read_text())
    except (OSError, ValueError):
        return {}


PROVIDER_TEXT = {"openai-compatible": N_("OpenAI-compatible server"), "azure": N_("Azure OpenAI")}
HEALTH_TEXT = {
    "not_configured": N_("No model set up"),
    "timeout": N_("Not answering"),
    "refused": N_("Key refused"),
    "rate_limited": N_("Busy (rate limited)"),
    "provider_error": N_("Not reachable"),
}


def _ms(value: int | None) -> str:
    return t("{n} ms", n=format_number(value)) if value is not None else "—"


def usage_row(usage: provider.FeatureUsage) -> dict[str, Any]:
    return {
        "feature": usage.feature,
        "label": usage.label,
        "calls": format_number(usage.calls),
        "failures": format_number(usage.failures),
        "tokens": f"{format_number(usage.prompt_tokens)} / {format_number(usage.completion_tokens)}",
        "p50": _ms(usage.latency_p50_ms),
        "p95": _ms(usage.latency_p95_ms),
        "first_token": _ms(usage.first_token_p95_ms),
    }


class AdminAiState(StaffState):
    configured: bool = False
    provider_name: str = ""
    enabled: bool = True
    features: list[dict[str, Any]] = []
    usage: list[dict[str, Any]] = []
    health_text: str = ""
    health_color: str = "gray"
    health_detail: str = ""
    checking: bool = False
    error: str = ""
    loaded: bool = False
    quality: list[dict[str, str]] = []
    quality_note: str = ""

    def _fetch(self) -> None:
        actor, _ = self._actor(ADMIN)
        if actor is None:
            return
        with read_session() as session:
            status = provider.status(session, actor=actor)
            usage = provider.usage(session, actor=actor, days=USAGE_DAYS)
        self._show_status(status)
        self.usage = [usage_row(u) for u in usage]
        quality = measured_quality()
        self.quality = [quality_row(row) for row in quality.get("rows", [])]
        self.quality_note = (
            t(
                "Measured {date} with {command}, on public data.",
                date=quality["measured_on"],
                command=quality["command"],
            )
            if quality
            else ""
        )

    def _refresh_for_language(self) -> None:
        self._fetch()

    def _show_status(self, status: provider.AiStatus) -> None:
        self.configured = status.configured
        self.provider_name = PROVIDER_TEXT.get(status.provider or "", "")
        self.enabled = status.enabled
        self.features = [
            {"name": f.name, "label": f.label, "enabled": f.enabled, "model": f.model or ""} for f in status.features
        ]

    @rx.event
    def load(self):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        self.current_view = ""
        self.error = ""
        self.health_text, self.health_detail, self.health_color = "", "", "gray"
        self._fetch()
        self._load_counts(actor)
        self.loaded = True
        return None

    def _switch(self, *, enabled: bool | None = None, features: dict[str, bool] | None = None) -> None:
        actor, _ = self._actor(ADMIN)
        if actor is None:
            return
        try:
            with write_session() as session:
                status = provider.set_switches(session, actor=actor, enabled=enabled, features=features)
        except DomainError as error:
            self.error = error.message
            return
        self.error = ""
        self._show_status(status)

    @rx.event
    def set_enabled(self, value: bool):
        self._switch(enabled=bool(value))

    @rx.event
    def set_feature(self, name: str, value: bool):
        self._switch(features={str(name): bool(value)})

    @rx.event
    def check_health(self):
        actor, _ = self._actor(ADMIN)
        if actor is None:
            return
        with read_session() as session:
            health = provider.health(session, actor=actor)
        if health.ok:
            self.health_text, self.health_color = t("Answering"), "grass"
        else:
            self.health_text = t(HEALTH_TEXT.get(health.error or "", HEALTH_TEXT["provider_error"]))
            self.health_color = "gray" if health.error == "not_configured" else "red"
        self.health_detail = t("in {time}", time=_ms(health.latency_ms)) if health.latency_ms is not None else ""
