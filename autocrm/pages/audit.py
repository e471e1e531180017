"""Admin: the audit log. Who changed what and when, each change as field: before → after; filters in the URL and
"Older" pages by keyset."""

from __future__ import annotations

import reflex as rx

from autocrm import routes
from autocrm.components.badges import time_ago
from autocrm.components.forms import empty_state, field_error, form_callout, skeleton_rows
from autocrm.components.i18n import tr
from autocrm.components.layout import agent_shell
from autocrm.components.lists import Column, responsive_list
from autocrm.components.panel import panel
from autocrm.components.secret import MONO
from autocrm.core.i18n import N_
from autocrm.pages.registry import page
from autocrm.state.audit import ANY, AdminAuditState

S = AdminAuditState


def _ellipsis(text, **props) -> rx.Component:
    return rx.text(text, overflow="hidden", text_overflow="ellipsis", white_space="nowrap", **props)


def _who(row) -> rx.Component:
    name = _ellipsis(row["who"], size="2", weight="medium", title=row["who"])
    return rx.flex(
        rx.cond(
            row["who_id"].to(int) > 0,
            rx.link(
                name,
                on_click=S.filter_person(row["who_id"]),  # type: ignore[operator]  # handlers take arguments at run time
                cursor="pointer",
                underline="hover",
                class_name="audit-who",
                title=tr("Show only what {name} did", name=row["who"]),
            ),
            name,
        ),
        rx.text(row["who_kind"], size="1", color_scheme="gray"),
        direction="column",
        min_width="0",
    )


def _action(row) -> rx.Component:
    return rx.badge(row["action"], variant="soft", color_scheme="gray", font_family=MONO, class_name="audit-action")


def _object(row) -> rx.Component:
    label = _ellipsis(row["object"], size="2", title=row["object"])
    return rx.cond(
        row["object_link"],
        rx.link(label, href=row["object_link"].to(str), class_name="audit-object"),
        label,
    )


def _change(change) -> rx.Component:
    return rx.flex(
        rx.text(change["field"], size="1", font_family=MONO, color_scheme="gray", white_space="nowrap"),
        rx.cond(
            change["hidden"],
            rx.badge(rx.icon("eye-off", size=11), tr("hidden"), size="1", variant="surface", color_scheme="gray"),
            rx.flex(
                rx.cond(
                    change["added"],
                    rx.fragment(),
                    rx.fragment(
                        rx.text(change["before"], size="1", color_scheme="red", text_decoration="line-through"),
                        rx.text("→", size="1", color_scheme="gray"),
                    ),
                ),
                rx.text(change["after"], size="1", color_scheme="grass"),
                gap="6px",
                wrap="wrap",
                align="baseline",
                min_width="0",
            ),
        ),
        gap="8px",
        align="baseline",
        min_width="0",
        overflow_wrap="anywhere",
        class_name="audit-change",
    )


def _changes(row) -> rx.Component:
    return rx.cond(
        row["no_changes"],
        rx.text("–", size="1", color_scheme="gray"),
        rx.flex(rx.foreach(row["changes"].to(list[dict]), _change), direction="column", gap="2px", min_width="0"),
    )


COLUMNS = [
    Column(tr("When"), lambda row: time_ago(row["when_rel"], row["when_exact"]), width="120px"),
    Column(tr("Who"), _who, width="170px", cell_props={"max_width": "0"}),
    Column(tr("Action"), _action, width="165px"),
    Column(tr("Object"), _object, width="190px", cell_props={"max_width": "0"}),
    Column(tr("Changes"), _changes, cell_props={"max_width": "0"}),
]


def _card(row) -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.box(_who(row), min_width="0", flex="1"),
            time_ago(row["when_rel"], row["when_exact"], size="1"),
            align="start",
            spacing="3",
        ),
        rx.flex(_action(row), _object(row), spacing="2", align="center", min_width="0"),
        _changes(row),
        direction="column",
        spacing="2",
        padding="12px",
        border_bottom="1px solid var(--gray-4)",
        class_name="audit-card",
    )


def _labelled(label: str, control: rx.Component, error=None, width: str = "150px") -> rx.Component:
    return rx.flex(
        rx.text(tr(label), size="1", weight="medium", color_scheme="gray", as_="label"),
        control,
        field_error(error) if error is not None else rx.fragment(),
        direction="column",
        gap="4px",
        flex=f"1 1 {width}",
        min_width="0",
    )


def _filters() -> rx.Component:
    return panel(
        rx.form(
            rx.flex(
                _labelled(
                    N_("Person"),
                    rx.select.root(
                        rx.select.trigger(width="100%", aria_label=tr("Person"), class_name="audit-person"),
                        rx.select.content(
                            rx.select.item(tr("Anyone"), value=ANY),
                            rx.foreach(S.people, lambda p: rx.select.item(p["label"], value=p["value"])),
                        ),
                        value=S.f_person,
                        on_change=S.set_person,
                    ),
                    width="150px",
                ),
                _labelled(
                    N_("Object"),
                    rx.select.root(
                        rx.select.trigger(width="100%", aria_label=tr("Object type"), class_name="audit-type"),
                        rx.select.content(
                            rx.select.item(tr("Any object"), value=ANY),
                            rx.foreach(S.type_options, lambda o: rx.select.item(o["label"], value=o["value"])),
                        ),
                        value=S.f_type,
                        on_change=S.set_type,
                    ),
                ),
                _labelled(
                    N_("Object number"),
                    rx.input(
                        name="id",
                        default_value=S.f_id,
                        placeholder="42",
                        inputmode="numeric",
                        aria_label=tr("Object number"),
                        id="audit-id",
                    ),
                    S.filter_errors.get("id", ""),
                    width="90px",
                ),
                _labelled(
                    N_("Action"),
                    rx.input(
                        name="action",
                        default_value=S.f_action,
                        placeholder="ticket.update",
                        aria_label=tr("Action"),
                        id="audit-action",
                    ),
                    S.filter_errors.get("action", ""),
                    width="130px",
                ),
                _labelled(
                    N_("From"),
                    rx.input(name="from", type="date", default_value=S.f_from, aria_label=tr("From"), id="audit-from"),
                    S.filter_errors.get("from", ""),
                    width="140px",
                ),
                _labelled(
                    N_("To"),
                    rx.input(name="to", type="date", default_value=S.f_to, aria_label=tr("To"), id="audit-to"),
                    S.filter_errors.get("to", ""),
                    width="140px",
                ),
                rx.flex(
                    rx.button(rx.icon("filter", size=14), tr("Filter"), type="submit", class_name="audit-apply"),
                    rx.cond(
                        S.filtered,
                        rx.button(
                            tr("Clear"),
                            type="button",
                            variant="soft",
                            color_scheme="gray",
                            on_click=S.clear_filters,
                            class_name="audit-clear",
                        ),
                    ),
                    gap="8px",
                    align="end",
                    # Level with the inputs beside it on a laptop; on its own line (a phone) no gap above.
                    padding_top=["0", "0", "20px"],
                ),
                gap="12px",
                wrap="wrap",
                align="start",
            ),
            on_submit=S.apply_filters,
            reset_on_submit=False,
            # The form is remade when the URL's filters change, so its inputs show them.
            key=S.router.url.to(str),
        ),
        padding="12px",
    )


@page(route=routes.ADMIN_AUDIT, title=N_("Audit log · AutoCRM"), on_load=AdminAuditState.load)
def admin_audit() -> rx.Component:
    return agent_shell(
        rx.flex(
            rx.text(
                tr(
                    "Every change on the desk, newest first: who made it, when, on what, and each field before → "
                    "after. Secrets are never shown."
                ),
                size="2",
                color_scheme="gray",
            ),
            _filters(),
            form_callout(S.error),
            rx.cond(
                ~S.loaded,
                skeleton_rows(8),
                rx.cond(
                    S.has_rows,
                    rx.fragment(
                        responsive_list(S.rows, columns=COLUMNS, card=_card, row_class="audit-row"),
                        rx.flex(
                            rx.cond(
                                S.paged,
                                rx.button(
                                    rx.icon("chevrons-up", size=14),
                                    tr("Newest"),
                                    variant="soft",
                                    color_scheme="gray",
                                    on_click=S.newest,
                                    class_name="audit-newest",
                                ),
                            ),
                            rx.spacer(),
                            rx.button(
                                tr("Older"),
                                rx.icon("chevron-down", size=14),
                                variant="soft",
                                disabled=~S.has_older,
                                on_click=S.older,
                                class_name="audit-older",
                            ),
                            align="center",
                            spacing="2",
                        ),
                    ),
                    panel(
                        empty_state(
                            "scroll-text",
                            tr("No entries match"),
                            tr("Try a longer period, another person or fewer filters."),
                        ),
                        dashed=True,
                    ),
                ),
            ),
            direction="column",
            spacing="3",
        ),
        title=tr("Audit log"),
    )
