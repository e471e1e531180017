"""Admin: teams. One panel per team: its focus, how it hands out tickets, who can take tickets now, its members
(lead, availability, load) and shifts; a new team from a dialog."""

from __future__ import annotations

import reflex as rx

from autocrm import routes
from autocrm.components.confirm import confirm_dialog
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
            rx.cond(
                member["skills"],
                rx.text(member["skills"], size="1", color_scheme="gray", class_name="member-skills"),
            ),
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
        rx.icon_button(
            rx.icon("sliders-horizontal", size=12),
            size="1",
            variant="ghost",
            color_scheme="gray",
            on_click=S.open_agent(member["user_id"]),  # type: ignore[operator]
            aria_label=tr("Skills and capacity of {name}", name=member["name"]),
            title=tr("Skills and capacity"),
            class_name="member-edit",
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


LEVEL_CHOICES = [("0", N_("None")), ("1", "1"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5")]


def _skill_level(row) -> rx.Component:
    return rx.flex(
        rx.text(row["name"], size="2", flex="1", min_width="0"),
        rx.select.root(
            rx.select.trigger(aria_label=tr("Level of {skill}", skill=row["name"]), width="96px"),
            rx.select.content(*(rx.select.item(tr(label), value=value) for value, label in LEVEL_CHOICES)),
            value=row["level"].to(str),
            on_change=lambda level: S.set_agent_level(row["id"], level),  # type: ignore[operator]
            size="1",
        ),
        align="center",
        gap="8px",
        class_name="agent-skill",
    )


def _agent_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("{name}: skills and capacity", name=S.agent_name)),
            rx.dialog.description(
                tr(
                    "Load balancing gives an agent tickets only while under capacity, and, for tickets that need "
                    "skills, only when the agent has them at the level asked."
                ),
                size="2",
                color_scheme="gray",
            ),
            rx.form(
                rx.flex(
                    form_callout(S.agent_error),
                    field(
                        tr("Capacity"),
                        rx.input(
                            name="max_open_tickets",
                            id="agent-capacity",
                            default_value=S.agent_capacity,
                            placeholder=tr("No limit"),
                            input_mode="numeric",
                            width="140px",
                        ),
                        error=S.agent_errors["max_open_tickets"],
                        hint=tr("The most unsolved tickets at once; empty for no limit."),
                        html_for="agent-capacity",
                    ),
                    rx.text(tr("Skills, level 1 (some) to 5 (expert)"), size="2", weight="medium"),
                    rx.cond(
                        S.skills.length() > 0,  # type: ignore[attr-defined]
                        rx.flex(rx.foreach(S.agent_skill_rows, _skill_level), direction="column", gap="6px"),
                        rx.text(
                            tr("The desk has no skills yet: add them below the teams."), size="2", color_scheme="gray"
                        ),
                    ),
                    rx.cond(S.agent_errors["skills"], rx.text(S.agent_errors["skills"], size="1", color="red")),
                    rx.flex(
                        rx.dialog.close(rx.button(tr("Cancel"), variant="soft", color_scheme="gray", type="button")),
                        rx.button(tr("Save"), type="submit", class_name="agent-save"),
                        spacing="3",
                        justify="end",
                    ),
                    direction="column",
                    spacing="3",
                ),
                on_submit=S.save_agent,
                reset_on_submit=False,
            ),
            max_width="440px",
            class_name="agent-dialog",
        ),
        open=S.agent_open,
        on_open_change=S.set_agent_open,
    )


def _skills_panel() -> rx.Component:
    return panel(
        rx.flex(
            rx.heading(tr("Skills"), size="3"),
            rx.text(
                tr(
                    "What agents can be good at (a product, a language). Routing rules ask for them, and load "
                    "balancing gives such tickets to agents who have them."
                ),
                size="2",
                color_scheme="gray",
            ),
            rx.flex(
                rx.foreach(
                    S.skills,
                    lambda skill: rx.badge(
                        skill["name"],
                        rx.icon_button(
                            rx.icon("x", size=10),
                            size="1",
                            variant="ghost",
                            color_scheme="gray",
                            on_click=S.ask_delete_skill(skill["id"]),  # type: ignore[operator]
                            aria_label=tr("Delete the skill {name}", name=skill["name"]),
                            class_name="skill-delete",
                        ),
                        variant="surface",
                        size="2",
                        class_name="skill-badge",
                    ),
                ),
                gap="6px",
                wrap="wrap",
            ),
            rx.form(
                rx.flex(
                    rx.input(
                        name="name",
                        id="new-skill",
                        placeholder=tr("e.g. Spanish"),
                        max_length=120,
                        aria_label=tr("New skill"),
                        width="220px",
                    ),
                    rx.button(
                        rx.icon("plus", size=14), tr("Add skill"), type="submit", variant="soft", class_name="add-skill"
                    ),
                    gap="8px",
                    align="center",
                    wrap="wrap",
                ),
                rx.cond(S.skill_error, rx.text(S.skill_error, size="1", color="red", class_name="skill-error")),
                rx.cond(
                    S.skill_errors["name"],
                    rx.text(S.skill_errors["name"], size="1", color="red", class_name="skill-error"),
                ),
                on_submit=S.add_skill,
                reset_on_submit=False,
            ),
            direction="column",
            spacing="3",
        ),
        padding="16px",
        class_name="skills-panel",
    )


def _confirm_skill_delete() -> rx.Component:
    return confirm_dialog(
        S,
        description=tr("Every agent loses it, and tickets that asked for it no longer do."),
        confirm_label=tr("Delete skill"),
        on_confirm=S.confirm_delete_skill,
        class_name="confirm-delete",
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
            rx.cond(S.loaded, _skills_panel()),
            _create_dialog(),
            _shift_dialog(),
            _agent_dialog(),
            _confirm_skill_delete(),
            direction="column",
            spacing="3",
        ),
        title=tr("Teams"),
    )
