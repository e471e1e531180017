"""The team dashboards (`/admin/dashboards`): a team's or the whole desk's figures from the metrics service
(`services/metrics.py`, the one the personal stats read), each beside the period before; created and solved per
bucket; each member's row linking to their own figures; the same figures as a CSV download. Admins see every
team and the desk, team leads their own teams; the service decides, the page only offers what it allows.
Live: the figures follow ticket changes (`state/live.py`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import reflex as rx

from autocrm import routes
from autocrm.core import i18n
from autocrm.core.db import read_session
from autocrm.services import alerts, metrics
from autocrm.services.actor import Actor
from autocrm.services.errors import DomainError
from autocrm.state import live
from autocrm.state.confirm import ConfirmMixin
from autocrm.state.roles import ADMIN, STAFF
from autocrm.state.session import Form
from autocrm.state.staff import StaffState
from autocrm.state.stats import PERIODS, _change, _duration, _percent

DESK = "desk"
EXPORT = "/api/dashboards/export.csv"


def dashboard_cards(result: metrics.TeamMetrics) -> list[dict[str, Any]]:
    """The dashboard's cards: each figure now, in the reader's language, and how it moved since the period before."""
    now, before = result.current, result.previous
    net = now.created - now.solved
    return [
        {
            "key": "backlog",
            "label": i18n.t("Backlog"),
            "value": i18n.format_number(result.backlog),
            "detail": i18n.t("unsolved now"),
            "text": i18n.t("{delta} this period (created − solved)", delta=f"{net:+d}")
            if net
            else i18n.t("as many solved as created"),
            "tone": "red" if net > 0 else "green" if net < 0 else "gray",
        },
        {
            "key": "created",
            "label": i18n.t("Created"),
            "value": i18n.format_number(now.created),
            "detail": "",
            # More new tickets is neither better nor worse: said, not coloured.
            **_change(now.created, before.created, lower_is_better=False) | {"tone": "gray"},
        },
        {
            "key": "solved",
            "label": i18n.t("Tickets solved"),
            "value": i18n.format_number(now.solved),
            "detail": "",
            **_change(now.solved, before.solved, lower_is_better=False),
        },
        {
            "key": "sla",
            "label": i18n.t("SLA compliance"),
            "value": _percent(now.sla_compliance),
            "detail": i18n.ngettext(
                "{n} breached", "{n} breached", now.sla_breached, n=i18n.format_number(now.sla_breached)
            )
            if now.sla_met + now.sla_breached
            else i18n.t("no solved ticket with an SLA"),
            # Nothing to compare when nothing was measured: the detail already says why.
            **(
                _change(now.sla_compliance, before.sla_compliance, lower_is_better=False, percent_points=True)
                if now.sla_compliance is not None
                else {"text": "", "tone": "gray"}
            ),
        },
        {
            "key": "first_response",
            "label": i18n.t("First response (median)"),
            "value": _duration(now.first_response_median_seconds),
            "detail": "",
            **_change(now.first_response_median_seconds, before.first_response_median_seconds, lower_is_better=True),
        },
        {
            "key": "resolution",
            "label": i18n.t("Resolution time (median)"),
            "value": _duration(now.resolution_median_seconds),
            "detail": "",
            **_change(now.resolution_median_seconds, before.resolution_median_seconds, lower_is_better=True),
        },
        {
            "key": "satisfaction",
            "label": i18n.t("Satisfaction"),
            "value": _percent(now.csat),
            "detail": i18n.ngettext("{n} rating", "{n} ratings", now.ratings, n=now.ratings),
            **_change(now.csat, before.csat, lower_is_better=False, percent_points=True),
        },
    ]


def _height(n: int, top: int) -> str:
    return f"{max(2, round(n / top * 100))}%" if n else "0"


def flow_points(result: metrics.TeamMetrics) -> list[dict[str, Any]]:
    """Created and solved per bucket beside the same stretch of the period before, as bars scaled to the
    tallest of them (labels and hover texts in the reader's language)."""
    skeleton = {"day": "MMMd", "week": "MMMd", "month": "MMMyyyy"}[result.interval]
    top = (
        max(
            (max(p.created, p.solved, p.previous_created, p.previous_solved) for p in result.series),
            default=0,
        )
        or 1
    )
    return [
        {
            "label": i18n.format_skeleton_date(point.start, skeleton),
            "created": point.created,
            "solved": point.solved,
            "created_height": _height(point.created, top),
            "solved_height": _height(point.solved, top),
            "previous_created_height": _height(point.previous_created, top),
            "previous_solved_height": _height(point.previous_solved, top),
            "title": i18n.t(
                "{when}: {created} created, {solved} solved (period before: {before_created} created, "
                "{before_solved} solved)",
                when=i18n.format_date(point.start),
                created=point.created,
                solved=point.solved,
                before_created=point.previous_created,
                before_solved=point.previous_solved,
            ),
        }
        for point in result.series
    ]


def agent_rows(result: metrics.TeamMetrics, period: str = "30d") -> list[dict[str, Any]]:
    return [
        {
            "id": row.agent.id,
            "name": row.agent.name,
            "solved": i18n.format_number(row.solved),
            "first_response": _duration(row.first_response_median_seconds),
            "resolution": _duration(row.resolution_median_seconds),
            "satisfaction": _percent(row.csat),
            "ratings": i18n.ngettext("{n} rating", "{n} ratings", row.ratings, n=row.ratings),
            "href": f"{routes.AGENT_STATS}?{urlencode({'agent': row.agent.id, 'period': period})}",
        }
        for row in result.agents
    ]


ALERT_FORM = Form(errors="alert_errors", message="alert_error", fields=("kind", "threshold"))


def alert_rows(rules: list[alerts.AlertRulePublic]) -> list[dict[str, Any]]:
    return [
        {
            "id": rule.id,
            "what": i18n.t(alerts.KINDS.get(rule.kind, rule.kind)),
            "threshold": i18n.format_number(rule.threshold),
            "enabled": rule.enabled,
            "firing": rule.firing,
        }
        for rule in rules
    ]


class DashboardState(ConfirmMixin, StaffState):
    period: str = "30d"
    team: str = ""  # a team id, or DESK; "" until the page loaded
    teams: list[dict[str, str]] = []  # what this person may pick: {value, label}
    cards: list[dict[str, Any]] = []
    chart: list[dict[str, Any]] = []
    agents: list[dict[str, Any]] = []
    csv_href: str = ""
    scope_name: str = ""
    error: str = ""
    loaded: bool = False
    # What fires now for the team shown (every team's and the desk's on the whole desk), and its rules.
    alerts_firing: list[dict[str, Any]] = []
    alert_rules: list[dict[str, Any]] = []
    can_manage_alerts: bool = False
    alert_kind: str = "unassigned"
    alert_errors: dict[str, str] = {}
    alert_error: str = ""

    @rx.var
    def alert_kind_options(self) -> list[dict[str, str]]:
        return [{"value": kind, "label": self._t(label)} for kind, label in alerts.KINDS.items()]

    @rx.var
    def period_options(self) -> list[dict[str, str]]:
        return [{"value": key, "label": self._t(label)} for key, (_, _, label) in PERIODS.items()]

    def _options(self, actor: Actor) -> list[dict[str, str]]:
        with read_session() as session:
            found = metrics.dashboard_teams(session, actor=actor)
        desk = [{"value": DESK, "label": i18n.t("Whole desk")}] if actor.is_admin else []
        return desk + [{"value": str(team.id), "label": team.name} for team in found]

    def _read(self, actor: Actor, batch: live.Batch | None = None) -> None:
        days, interval, _label = PERIODS.get(self.period, PERIODS["30d"])
        team_id = None if self.team == DESK else int(self.team)
        # Whole minutes, so tabs refreshed by one live push share one reading.
        end = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        start = end - timedelta(days=days)
        zone = i18n.get_time_zone()

        def read() -> metrics.TeamMetrics | str:
            try:
                with read_session() as session:
                    return metrics.team_metrics(
                        session,
                        actor=actor,
                        team_id=team_id,
                        start=start,
                        end=end,
                        interval=interval,
                        time_zone=zone,
                    )
            except DomainError as error:
                return error.message

        key = ("dashboard", actor.user_id, self.team, self.period, end)
        found = batch.shared(key, read) if batch is not None else read()
        if isinstance(found, str):
            self.cards, self.chart, self.agents, self.csv_href, self.error = [], [], [], "", found
            return
        query = {"from": start.isoformat(), "to": end.isoformat(), "interval": interval, "tz": zone}
        if team_id is not None:
            query["team"] = str(team_id)
        # Assigned only when they change, so a live push sends a tab only what moved.
        for name, value in (
            ("cards", dashboard_cards(found)),
            ("chart", flow_points(found)),
            ("agents", agent_rows(found, self.period)),
            ("csv_href", f"{EXPORT}?{urlencode(query)}"),
            ("scope_name", found.team.name if found.team is not None else i18n.t("Whole desk")),
            ("error", ""),
        ):
            if getattr(self, name) != value:
                setattr(self, name, value)
        self._read_alerts(actor)

    def _read_alerts(self, actor: Actor) -> None:
        team_id = None if self.team == DESK else int(self.team)
        try:
            with read_session() as session:
                firing = alerts.active_alerts(session, actor=actor, team_id=team_id)
                rules = alerts.list_rules(session, actor=actor, team_id=team_id)
                if team_id is None:  # the whole desk's own rules are those without a team
                    rules = [rule for rule in rules if rule.team_id is None]
        except DomainError:
            firing, rules = [], []
        shown = [{"id": a.rule_id, "summary": a.summary, "since": i18n.format_datetime(a.since)} for a in firing]
        if shown != self.alerts_firing:
            self.alerts_firing = shown
        if (rows := alert_rows(rules)) != self.alert_rules:
            self.alert_rules = rows
        self.can_manage_alerts = actor.is_admin

    @rx.event
    def load(self):
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        self.teams = self._options(actor)
        if not self.teams:
            self.cards, self.chart, self.agents, self.csv_href = [], [], [], ""
            self.error = self._t("Dashboards are for admins and team leads.")
            self._load_counts(actor)
            self.loaded = True
            return None
        if self.team not in {option["value"] for option in self.teams}:
            self.team = self.teams[0]["value"]
        self._read(actor)
        self._load_counts(actor)
        self.loaded = True
        if actor.user_id is not None:
            live.watch(self, user_id=actor.user_id, staff=True)
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

    @rx.event
    def set_team(self, team: str):
        actor, refusal = self._actor(STAFF)
        if actor is None:
            return refusal
        self.teams = self._options(actor)
        if team not in {option["value"] for option in self.teams}:
            return None
        self.team = team
        self._read(actor)
        return None

    def _live_refresh(self, batch: live.Batch) -> None:
        """Tickets changed somewhere: the figures as they are now (the service checks the rights again)."""
        user = batch.user(self._session_token())
        if user is None or user.role.value not in STAFF or not self.team:
            return
        actor = Actor.for_user(user)
        self._read(actor, batch)
        self._load_counts(actor, batch)

    def _refresh_for_language(self) -> None:
        user = self._current_user()
        if user is not None and user.role.value in STAFF and self.team:
            actor = Actor.for_user(user)
            self.teams = self._options(actor)
            self._read(actor)

    # ---- alert rules (admins) -------------------------------------------------------------------------------

    @rx.event
    def set_alert_kind(self, kind: str):
        if kind in alerts.KINDS:
            self.alert_kind = kind

    @rx.event
    def add_alert(self, form: dict[str, Any]):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        team_id = None if self.team == DESK else int(self.team)
        raw = str(form.get("threshold", "")).strip()
        if not raw.isdigit():
            self.alert_errors, self.alert_error = {"threshold": self._t("Give a whole number, 0 or more.")}, ""
            return None
        data = {"team_id": team_id, "kind": self.alert_kind, "threshold": int(raw)}
        written = self._write(
            lambda session: alerts.create_rule(session, actor=actor, data=alerts.AlertRuleCreate(**data)),
            form=ALERT_FORM,
            success=self._t("Alert added: it is checked every minute."),
        )
        if written.ok:
            self._read_alerts(actor)
        return written.events

    @rx.event
    def switch_alert(self, rule_id: int, enabled: bool):
        actor, refusal = self._actor(ADMIN)
        if actor is None:
            return refusal
        written = self._write(
            lambda session: alerts.update_rule(
                session, actor=actor, rule_id=int(rule_id), data=alerts.AlertRuleUpdate(enabled=bool(enabled))
            )
        )
        self._read_alerts(actor)
        return written.events

    @rx.event
    def ask_delete_alert(self, rule_id: int):
        rule = next((row for row in self.alert_rules if row["id"] == rule_id), None)
        if rule is not None:
            self._ask(id=rule["id"], title=self._t("Delete the alert on “{what}”?", what=rule["what"]))

    @rx.event
    def confirm_delete_alert(self):
        return self._write_confirmed(
            ADMIN,
            lambda session, actor, rule_id: alerts.delete_rule(session, actor=actor, rule_id=rule_id),
            success=self._t("Alert deleted."),
            then=self._read_alerts,
        )
