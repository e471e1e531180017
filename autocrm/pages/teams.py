"""Admin: teams. One panel per team: its focus, how it hands out tickets, who can take tickets now, its members
(lead, availability, load) and shifts; a new team from a dialog."""

from __future__ import annotations

import reflex as rx

from autocrm import routes
from autocrm.components.forms import empty_state, field, form_callout, skeleton_rows
from autocrm.components.i18n import tr, tr_n
from autocrm.components.layout import agent_shell
from autocrm.components.panel import panel
from autocrm.core.i18n import N_
from autocrm.pages.registry import page
from autocrm.state.teams import BALANCING_LABELS, AdminTeamsState

S = AdminTeamsState


def _member(team, member) -> rx.Component:
    availability = member["availability"].to(str)  # a msgid the state chose
    # mypy types @rx.event handlers as EventNamespace: calling one with arguments is right at run time.
    return rx.flex(
        rx.flex(
            rx.text(member["name"], size="2", weight="medium", class_name="member-name"),
            rx.cond(member["lead"], rx.badge(tr("Lead"), variant="soft", color_scheme="iris", size="1")),
            rx.badge(
                tr(availability),
                color_scheme=member["availability_color"].to(str),
                variant="soft",
                radius="full",
                size="1",
            ),
            rx.cond(
                member["on_shift"],
                rx.badge(tr("On shift"), variant="surface", color_scheme="grass", size="1"),
                rx.badge(tr("Off shift"), variant="surface", color_scheme="gray", size="1"),
            ),
            align="center",
            gap="6px",
            wrap="wrap",
            min_width="0",
        ),
        rx.spacer(),
        rx.tooltip(
            rx.text(member["load"], size="1", color_scheme="gray", class_name="member-load"),
            content=tr("Unsolved tickets / capacity"),
        ),
        rx.button(
            rx.cond(member["lead"], tr("Not lead"), tr("Make lead")),
            size="1",
            variant="ghost",
            color_scheme="gray",
            on_click=S.toggle_lead(team["id"], member["user_id"]),  # type: ignore[operator]
            class_name="member-lead",
        ),
        rx.icon_button(
            rx.icon("x", size=12),
            size="1",
            variant="ghost",
            color_scheme="gray",
            on_click=S.remove_member(team["id"], member["user_id"]),  # type: ignore[operator]
            aria_label=tr("Remove {name} from the team", name=member["name"]),
            class_name="member-remove",
        ),
        align="center",
        gap="8px",
        padding="6px 0",
        border_bottom="1px solid var(--gray-3)",
        class_name="team-member",
    )


def _balancing(team) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=tr("How tickets are handed out"), class_name="team-balancing", min_width="200px"),
        rx.select.content(*[rx.select.item(tr(label), value=value) for value, label in BALANCING_LABELS.items()]),
        value=team["balancing"].to(str),
        on_change=lambda value: S.set_balancing(team["id"], value),  # type: ignore[operator]
        size="1",
    )


def _add_member(team) -> rx.Component:
    return rx.cond(
        team["add_options"].to(list).length() > 0,
        rx.select.root(
            rx.select.trigger(placeholder=tr("Add an agent…"), class_name="team-add-member", min_width="180px"),
            rx.select.content(
                rx.foreach(
                    team["add_options"].to(list[dict[str, str]]),
                    lambda option: rx.select.item(option["label"], value=option["value"]),
                )
            ),
            value="",
            on_change=lambda value: S.add_member(team["id"], value),  # type: ignore[operator]
            size="1",
        ),
    )


def _shift(team, shift) -> rx.Component:
    return rx.flex(
        rx.icon("clock", size=12, color="var(--gray-9)"),
        rx.text(shift["name"], size="1", weight="medium"),
        rx.text(shift["summary"], size="1", color_scheme="gray"),
        rx.icon_button(
            rx.icon("x", size=10),
            size="1",
            variant="ghost",
            color_scheme="gray",
            on_click=S.delete_shift(team["id"], shift["id"]),  # type: ignore[operator]
            aria_label=tr("Remove the shift {name}", name=shift["name"]),
            class_name="shift-remove",
        ),
        align="center",
        gap="6px",
        wrap="wrap",
        class_name="team-shift",
    )


def _shift_dialog() -> rx.Component:
    errors = S.shift_errors
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("New shift for {team}", team=S.shift_team_name)),
            rx.dialog.description(
                tr("Hours in the team's time zone; an end before the start runs past midnight."),
                size="2",
                color_scheme="gray",
                margin_bottom="12px",
            ),
            rx.form(
                rx.flex(
                    form_callout(S.shift_error),
                    field(
                        tr("Name"),
                        rx.input(name="name", id="shift-name", max_length=120, placeholder=tr("Early shift")),
                        error=errors.get("name", ""),
                        html_for="shift-name",
                    ),
                    field(
                        tr("Days and hours"),
                        rx.flex(
                            rx.flex(
                                rx.foreach(
                                    S.day_options,
                                    lambda day: rx.el.label(
                                        rx.flex(
                                            rx.checkbox(
                                                checked=day["on"].to(bool),
                                                on_change=lambda on: S.toggle_shift_day(day["value"], on),  # type: ignore[operator]
                                            ),
                                            rx.text(day["label"], size="2"),
                                            align="center",
                                            gap="4px",
                                        ),
                                        class_name="shift-day",
                                    ),
                                ),
                                gap="10px",
                                wrap="wrap",
                            ),
                            rx.flex(
                                rx.input(name="start", id="shift-start", type="time", default_value="09:00"),
                                rx.text("–"),
                                rx.input(name="end", id="shift-end", type="time", default_value="17:00"),
                                align="center",
                                gap="8px",
                            ),
                            direction="column",
                            gap="8px",
                        ),
                        error=errors.get("weekly", ""),
                    ),
                    field(
                        tr("Who works it"),
                        rx.flex(
                            rx.foreach(
                                S.shift_people_options,
                                lambda person: rx.el.label(
                                    rx.flex(
                                        rx.checkbox(
                                            checked=person["on"].to(bool),
                                            on_change=lambda on: S.toggle_shift_member(person["user_id"], on),  # type: ignore[operator]
                                        ),
                                        rx.text(person["name"], size="2"),
                                        align="center",
                                        gap="4px",
                                    ),
                                ),
                            ),
                            gap="10px",
                            wrap="wrap",
                        ),
                        error=errors.get("member_ids", ""),
                    ),
                    rx.flex(
                        rx.dialog.close(rx.button(tr("Cancel"), variant="soft", color_scheme="gray", type="button")),
                        rx.button(tr("Add shift"), type="submit", class_name="shift-submit"),
                        spacing="3",
                        justify="end",
                        margin_top="8px",
                    ),
                    direction="column",
                    spacing="3",
                ),
                on_submit=S.save_shift,
                reset_on_submit=False,
            ),
            max_width="520px",
        ),
        open=S.shift_open,
        on_open_change=S.set_shift_open,
    )


def _team(team) -> rx.Component:
    return panel(
        rx.flex(
            rx.flex(
                rx.flex(
                    rx.heading(team["name"], size="3", class_name="team-name"),
                    rx.text(team["focus"], size="2", color_scheme="gray"),
                    direction="column",
                    min_width="0",
                    flex="1 1 240px",
                ),
                _balancing(team),
                gap="12px",
                wrap="wrap",
                align="start",
            ),
            rx.flex(
                rx.badge(
                    tr("{ready} of {size} can take tickets now", ready=team["ready"], size=team["size"]),
                    variant="soft",
                    color_scheme=rx.cond(team["ready"].to(int) > 0, "grass", "amber"),
                    class_name="team-ready",
                ),
                rx.badge(
                    tr_n("{n} ticket waits unassigned", "{n} tickets wait unassigned", team["waiting"].to(int)),
                    variant="soft",
                    color_scheme=rx.cond(team["waiting"].to(int) > 0, "red", "gray"),
                    class_name="team-waiting",
                ),
                rx.cond(team["holiday"], rx.badge(tr("Holiday today"), variant="soft", color_scheme="amber")),
                rx.flex(
                    rx.icon("globe", size=12, color="var(--gray-9)"),
                    rx.text(team["time_zone"], size="1", color_scheme="gray"),
                    align="center",
                    gap="4px",
                ),
                gap="6px",
                wrap="wrap",
                align="center",
            ),
            rx.cond(
                team["members"].to(list).length() > 0,
                rx.box(rx.foreach(team["members"].to(list[dict]), lambda member: _member(team, member))),
                rx.text(
                    tr("No members yet: add the agents who work this team's tickets."), size="2", color_scheme="gray"
                ),
            ),
            _add_member(team),
            rx.flex(
                rx.cond(
                    team["shifts"].to(list).length() > 0,
                    rx.flex(
                        rx.foreach(team["shifts"].to(list[dict]), lambda shift: _shift(team, shift)),
                        direction="column",
                        gap="4px",
                    ),
                    rx.text(tr("No shifts: covered round the clock, holidays aside."), size="1", color_scheme="gray"),
                ),
                rx.spacer(),
                rx.button(
                    rx.icon("clock", size=12),
                    tr("Add shift"),
                    size="1",
                    variant="soft",
                    color_scheme="gray",
                    on_click=S.open_shift(team["id"]),  # type: ignore[operator]
                    class_name="team-add-shift",
                ),
                align="center",
                gap="8px",
                wrap="wrap",
            ),
            direction="column",
            gap="10px",
        ),
        padding="14px 16px",
        class_name="team-panel",
    )


def _create_dialog() -> rx.Component:
    errors = S.create_errors
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("New team")),
            rx.dialog.description(
                tr("A team works a part of the desk's tickets; routing rules send tickets to it."),
                size="2",
                color_scheme="gray",
                margin_bottom="12px",
            ),
            rx.form(
                rx.flex(
                    form_callout(S.create_error),
                    field(
                        tr("Name"),
                        rx.input(name="name", id="team-name", max_length=120, placeholder=tr("Network")),
                        error=errors.get("name", ""),
                        html_for="team-name",
                    ),
                    field(
                        tr("Focus"),
                        rx.input(
                            name="description",
                            id="team-description",
                            max_length=1000,
                            placeholder=tr("VPN, Wi-Fi and office networks"),
                        ),
                        error=errors.get("description", ""),
                        html_for="team-description",
                    ),
                    field(
                        tr("Time zone"),
                        rx.input(name="time_zone", id="team-time-zone", max_length=64, placeholder="Europe/Madrid"),
                        error=errors.get("time_zone", ""),
                        hint=tr("Shifts are in this zone."),
                        html_for="team-time-zone",
                    ),
                    rx.flex(
                        rx.dialog.close(rx.button(tr("Cancel"), variant="soft", color_scheme="gray", type="button")),
                        rx.button(tr("Create team"), type="submit", class_name="team-submit"),
                        spacing="3",
                        justify="end",
                        margin_top="8px",
                    ),
                    direction="column",
                    spacing="3",
                ),
                on_submit=S.create,
                reset_on_submit=False,
            ),
            max_width="480px",
        ),
        open=S.create_open,
        on_open_change=S.set_create_open,
    )


@page(route=routes.ADMIN_TEAMS, title=N_("Teams · AutoCRM"), on_load=AdminTeamsState.load)
def admin_teams() -> rx.Component:
    return agent_shell(
        rx.flex(
            rx.flex(
                rx.text(
                    tr(
                        "Each team chooses how its unassigned tickets are handed out. Only members on shift, online "
                        "and under their capacity get tickets; the others wait in the team's queue."
                    ),
                    size="2",
                    color_scheme="gray",
                    flex="1 1 320px",
                ),
                rx.button(rx.icon("plus", size=14), tr("New team"), on_click=S.open_create, class_name="new-team"),
                spacing="3",
                wrap="wrap",
                align="center",
            ),
            rx.cond(
                ~S.loaded,
                skeleton_rows(3),
                rx.cond(
                    S.has_rows,
                    rx.grid(rx.foreach(S.rows, _team), columns=rx.breakpoints(initial="1", md="2"), gap="12px"),
                    panel(
                        empty_state(
                            "users",
                            tr("No teams yet"),
                            tr("Create a team, add its agents and choose how it hands out its tickets."),
                            rx.button(rx.icon("plus", size=14), tr("New team"), on_click=S.open_create),
                        ),
                        dashed=True,
                    ),
                ),
            ),
            _create_dialog(),
            _shift_dialog(),
            direction="column",
            spacing="3",
        ),
        title=tr("Teams"),
    )
