"""The agent's own figures (`/agent/stats`): one metrics service (`services/metrics.py`) for this page and the
admins' dashboards; each figure beside the period before it, and a series to see the trend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import reflex as rx

from autocrm.core import i18n
from autocrm.core.db import read_session
from autocrm.services import metrics, views
from autocrm.services.actor import Actor
from autocrm.services.ai import recommendations
from autocrm.services.errors import DomainError
from autocrm.state.roles import STAFF
from autocrm.state.staff import StaffState

# The periods the page offers: (days back, the series' interval, the label's msgid).
PERIODS: dict[str, tuple[int, metrics.Interval, str]] = {
    "7d": (7, "day", i18n.N_("Last 7 days")),
    "30d": (30, "day", i18n.N_("Last 30 days")),
    "12w": (84, "week", i18n.N_("Last 12 weeks")),
    "12m": (365, "month", i18n.N_("Last 12 months")),
}


def _duration(seconds: float | None) -> str:
    return i18n.format_duration(seconds) if seconds is not None else "—"


def _percent(share: float | None) -> str:
    return f"{i18n.format_number(round(share * 100))} %" if share is not None else "—"


def _change(now: float | None, before: float | None, *, lower_is_better: bool, percent_points: bool = False) -> dict:
    """The change from the period before, said in words and coloured by whether it is better."""
    if now is None or before is None:
        return {"text": i18n.t("no earlier figure"), "tone": "gray"}
    if percent_points:
        delta = round((now - before) * 100)
        text = i18n.t("{delta} points vs the period before", delta=f"{delta:+d}")
    elif before == 0:
        return {"text": i18n.t("new this period") if now else i18n.t("same as the period before"), "tone": "gray"}
    else:
        delta = round((now - before) / before * 100)
        text = i18n.t("{delta} % vs the period before", delta=f"{delta:+d}")
    if delta == 0:
        return {"text": i18n.t("same as the period before"), "tone": "gray"}
    better = (delta < 0) if lower_is_better else (delta > 0)
    return {"text": text, "tone": "green" if better else "red"}


def figure_cards(result: metrics.AgentMetrics) -> list[dict[str, Any]]:
    """The page's cards: the figure now, in the reader's language, and how it moved."""
    now, before = result.current, result.previous
    return [
        {
            "key": "solved",
            "label": i18n.t("Tickets solved"),
            "value": i18n.format_number(now.solved),
            **_change(now.solved, before.solved, lower_is_better=False),
        },
        {
            "key": "first_response",
            "label": i18n.t("First response (median)"),
            "value": _duration(now.first_response_median_seconds),
            **_change(now.first_response_median_seconds, before.first_response_median_seconds, lower_is_better=True),
        },
        {
            "key": "resolution",
            "label": i18n.t("Resolution time (median)"),
            "value": _duration(now.resolution_median_seconds),
            **_change(now.resolution_median_seconds, before.resolution_median_seconds, lower_is_better=True),
        },
        {
            "key": "handling",
            "label": i18n.t("Handling time (median)"),
            "value": _duration(now.handling_median_seconds),
            "detail": i18n.ngettext(
                "per solved ticket, over {n} with time recorded",
                "per solved ticket, over {n} with time recorded",
                now.handled,
                n=now.handled,
            )
            if now.handled
            else i18n.t("no time recorded on solved tickets yet"),
            **_change(now.handling_median_seconds, before.handling_median_seconds, lower_is_better=True),
        },
        {
            "key": "reopen",
            "label": i18n.t("Reopened"),
            "value": _percent(now.reopen_rate),
            **_change(now.reopen_rate, before.reopen_rate, lower_is_better=True, percent_points=True),
        },
        {
            "key": "satisfaction",
            "label": i18n.t("Satisfaction"),
            "value": i18n.format_number(round(now.satisfaction_average, 1)) + " / 5"
            if now.satisfaction_average is not None
            else "—",
            "detail": i18n.ngettext("{n} rating", "{n} ratings", now.ratings, n=now.ratings),
            **_change(now.satisfaction_average, before.satisfaction_average, lower_is_better=False),
        },
    ]


def series_bars(result: metrics.AgentMetrics) -> list[dict[str, Any]]:
    """Tickets solved per day, week or month, as bars scaled to the busiest one."""
    top = max((point.solved for point in result.series), default=0) or 1
    labels = {"day": "MMMd", "week": "MMMd", "month": "MMMyyyy"}
    rows = []
    for point in result.series:
        rows.append(
            {
                "label": i18n.format_skeleton_date(point.start, labels[result.interval]),
                "solved": point.solved,
                "height": f"{max(2, round(point.solved / top * 100))}%" if point.solved else "2px",
                "title": i18n.t("{when}: {n} solved", when=i18n.format_date(point.start), n=point.solved),
            }
        )
    return rows


class StatsState(StaffState):
    period: str = "30d"
    cards: list[dict[str, Any]] = []
    bars: list[dict[str, Any]] = []
    error: str = ""
    loaded: bool = False
    # Another agent's figures (`?agent=<id>`, the dashboards' drill-down: admins, and leads for their members);
    # 0 for the signed-in agent's own. The service decides who may read whose.
    viewed_agent: int = 0
    agent_name: str = ""
    # From the agent's own records: filters worth saving as views, and tips with the figures behind them.
    recommended: list[dict[str, Any]] = []
    tips: list[str] = []

    def _read_suggestions(self, actor: Actor) -> None:
        if self.viewed_agent:  # suggestions are for the agent's own eyes
            self.recommended, self.tips = [], []
            return
        with read_session() as session:
            found = recommendations.recommended_filters(session, actor=actor)
            self.tips = [tip.text for tip in recommendations.personal_tips(session, actor=actor)]
        self.recommended = [
            {"label": f.label, "reason": f.reason, "filters": f.filters, "index": number}
            for number, f in enumerate(found)
        ]

    @rx.event
    def save_recommended(self, index: int):
        """One click: the recommended filter becomes one of the agent's own views, in the sidebar."""
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        chosen = next((r for r in self.recommended if r["index"] == int(index)), None)
        if chosen is None:
            return None
        data = views.ViewCreate(name=chosen["label"][:120], filters=chosen["filters"])
        written = self._write(
            lambda session: views.create_view(session, actor=actor, data=data),
            success=self._t("Saved as a view: it is in your sidebar."),
        )
        if written.ok:
            self._read_suggestions(actor)
            self._load_counts(actor)
        return written.events

    @rx.var
    def period_options(self) -> list[dict[str, str]]:
        return [{"value": key, "label": self._t(label)} for key, (_, _, label) in PERIODS.items()]

    def _read(self, actor: Actor) -> None:
        days, interval, _label = PERIODS.get(self.period, PERIODS["30d"])
        end = datetime.now(UTC)
        try:
            with read_session() as session:
                result = metrics.agent_metrics(
                    session,
                    actor=actor,
                    agent_id=self.viewed_agent or int(actor.user_id or 0),
                    start=end - timedelta(days=days),
                    end=end,
                    interval=interval,
                    time_zone=i18n.get_time_zone(),
                )
        except DomainError as error:
            self.cards, self.bars, self.error, self.agent_name = [], [], error.message, ""
            return
        self.cards, self.bars, self.error = figure_cards(result), series_bars(result), ""
        self.agent_name = result.agent.name if self.viewed_agent else ""

    @rx.event
    def load(self):
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        asked = str(self.router.url.query_parameters.get("agent", ""))
        self.viewed_agent = int(asked) if asked.isdigit() and 0 < int(asked) < 2**31 else 0
        if self.viewed_agent == actor.user_id:
            self.viewed_agent = 0
        period = str(self.router.url.query_parameters.get("period", ""))
        if period in PERIODS:  # the dashboard's period, carried into its drill-down
            self.period = period
        self._read(actor)
        self._read_suggestions(actor)
        self._load_counts(actor)
        self.loaded = True
        return None

    @rx.event
    def set_period(self, period: str):
        if period not in PERIODS:
            return None
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        self.period = period
        self._read(actor)
        return None

    def _refresh_for_language(self) -> None:
        user = self._current_user()
        if user is not None and user.role.value in STAFF:
            self._read(Actor.for_user(user))
            self._read_suggestions(Actor.for_user(user))
