"""The agent workspace: the queue and one ticket."""

from __future__ import annotations

import reflex as rx

from autocrm import routes
from autocrm.components.badges import avatar, priority_badge, status_badge, time_ago
from autocrm.components.composer import closed_notice, composer
from autocrm.components.forms import empty_state, field, form_callout, invalid, skeleton_rows
from autocrm.components.i18n import tr
from autocrm.components.layout import agent_shell
from autocrm.components.lists import Column, page_buttons, responsive_list
from autocrm.components.panel import panel
from autocrm.components.ticket_header import ticket_header
from autocrm.components.timeline import timeline
from autocrm.core.i18n import N_
from autocrm.models.enums import CHANNEL_LABELS
from autocrm.pages.registry import page
from autocrm.state.queue import QueueState
from autocrm.state.ticket import AgentTicketState

# The options' labels are msgids the states hold (a name keyed by a constant, so extraction skips the key).
LABEL = "label"


def _select(value, options, on_change, label: str, width: str = "auto") -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=label, min_width=width, variant="surface"),
        rx.select.content(rx.foreach(options, lambda o: rx.select.item(tr(o[LABEL]), value=o["value"]))),
        value=value,
        on_change=on_change,
        size="2",
    )


# ---- queue ------------------------------------------------------------------------------------------


def _filter_bar() -> rx.Component:
    return rx.flex(
        rx.form(
            rx.input(
                rx.input.slot(rx.icon("search", size=15)),
                name="q",
                id="queue-search",
                placeholder=tr("Search subject, number, requester…"),
                default_value=QueueState.q,
                key=QueueState.q,
                type="search",
                size="2",
                width="100%",
                aria_label=tr("Search tickets"),
            ),
            on_submit=QueueState.search,
            reset_on_submit=False,
            flex="1 1 260px",
            min_width="200px",
        ),
        rx.flex(
            _select(QueueState.status, QueueState.status_options, QueueState.set_status, tr("Status"), "130px"),
            _select(QueueState.priority, QueueState.priority_options, QueueState.set_priority, tr("Priority"), "124px"),
            _select(QueueState.assignee, QueueState.assignee_options, QueueState.set_assignee, tr("Assignee"), "124px"),
            _select(QueueState.sort, QueueState.sort_options, QueueState.set_sort, tr("Sort"), "160px"),
            spacing="2",
            wrap="wrap",
        ),
        spacing="2",
        wrap="wrap",
        align="center",
        width="100%",
    )


def _sort_header(label: str, column: str) -> rx.Component:
    icon = rx.cond(
        QueueState.sort == f"-{column}",
        rx.icon("arrow-down", size=12),
        rx.cond(
            QueueState.sort == column, rx.icon("arrow-up", size=12), rx.icon("arrow-up-down", size=12, opacity="0.4")
        ),
    )
    return rx.flex(
        label,
        icon,
        align="center",
        spacing="1",
        cursor="pointer",
        # mypy types @rx.event handlers as EventNamespace (Reflex's decorator is a class whose __new__ returns
        # the callback): calling one with arguments is right at run time.
        on_click=QueueState.toggle_sort(column),  # type: ignore[operator]
        custom_attrs={"role": "button", "tabIndex": "0"},
    )


def _person(name, initials=None) -> rx.Component:
    return rx.cond(
        name,
        rx.flex(
            avatar(initials, size="1", color="gray") if initials is not None else rx.fragment(),
            rx.text(name, size="2", white_space="nowrap", overflow="hidden", text_overflow="ellipsis"),
            align="center",
            spacing="2",
            min_width="0",
        ),
        rx.text(tr("Unassigned"), size="2", color_scheme="gray"),
    )


def _ticket_href(row) -> rx.Var:
    return "/agent/tickets/" + row["id"].to_string()


def _fresh_badge(row) -> rx.Component:
    """Someone else changed the ticket since this agent looked at it."""
    return rx.cond(
        row["fresh"], rx.badge(tr("Updated"), size="1", variant="soft", class_name="fresh-badge", flex_shrink="0")
    )


def _subject_link(row) -> rx.Component:
    return rx.flex(
        _fresh_badge(row),
        rx.link(
            row["subject"],
            href=_ticket_href(row),
            color="inherit",
            weight="medium",
            size="2",
            underline="hover",
            class_name="ticket-subject",
            display="block",
            overflow="hidden",
            text_overflow="ellipsis",
            white_space="nowrap",
            min_width="0",
        ),
        align="center",
        spacing="2",
        min_width="0",
    )


QUEUE_COLUMNS = [
    Column(
        _sort_header("#", "number"),
        lambda row: rx.text("#", row["number"], size="2", color_scheme="gray", white_space="nowrap"),
        width="76px",
    ),
    Column(tr("Subject"), _subject_link, cell_props={"max_width": "0", "width": "40%"}),
    Column(
        tr("Requester"),
        lambda row: _person(row["requester_name"], row["requester_initials"]),
        width="180px",
        cell_props={"max_width": "180px"},
    ),
    Column(tr("Status"), lambda row: status_badge(row["status_category"], row["status_name"]), width="150px"),
    Column(tr("Priority"), lambda row: priority_badge(row["priority"], row["priority_name"]), width="110px"),
    Column(tr("Assignee"), lambda row: _person(row["assignee_name"]), width="160px", cell_props={"max_width": "160px"}),
    Column(
        _sort_header(tr("Updated"), "updated_at"),
        lambda row: time_ago(row["updated_rel"], row["updated_exact"]),
        width="132px",  # "il y a 6 min", "hace 3 días"
    ),
]


def _queue_card(row) -> rx.Component:
    return rx.link(
        rx.flex(
            rx.flex(
                rx.text("#", row["number"], size="1", color_scheme="gray"),
                rx.spacer(),
                time_ago(row["updated_rel"], row["updated_exact"], size="1"),
                align="center",
                spacing="2",
            ),
            rx.flex(
                _fresh_badge(row),
                rx.text(row["subject"], size="2", weight="medium", class_name="ticket-subject"),
                align="center",
                spacing="2",
            ),
            rx.flex(
                status_badge(row["status_category"], row["status_name"]),
                priority_badge(row["priority"], row["priority_name"]),
                rx.text(
                    row["requester_name"],
                    size="1",
                    color_scheme="gray",
                    overflow="hidden",
                    text_overflow="ellipsis",
                    white_space="nowrap",
                    min_width="0",
                ),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            direction="column",
            spacing="2",
            padding="12px",
        ),
        href=_ticket_href(row),
        underline="none",
        color="inherit",
        display="block",
        border_bottom="1px solid var(--gray-4)",
        class_name=rx.cond(row["fresh"], "queue-card queue-card-fresh", "queue-card"),
    )


def _queue_list() -> rx.Component:
    return responsive_list(
        QueueState.rows,
        columns=QUEUE_COLUMNS,
        card=_queue_card,
        row_props=lambda row: {
            "on_click": QueueState.open_ticket(row["id"]),  # type: ignore[operator]  # Reflex's event typing
            "cursor": "pointer",
            "_hover": {"background": "var(--gray-3)"},
        },
        row_class=lambda row: rx.cond(row["fresh"], "queue-row queue-row-fresh", "queue-row"),
        table_class="queue-table",
    )


def _pager() -> rx.Component:
    return rx.flex(
        rx.text(QueueState.range_label, size="2", color_scheme="gray", class_name="range-label"),
        rx.spacer(),
        rx.text(
            tr("Page {page} of {pages}", page=QueueState.page, pages=QueueState.page_count),
            size="2",
            color_scheme="gray",
            display=["none", "inline", "inline"],
        ),
        *page_buttons(
            has_prev=QueueState.has_prev,
            has_next=QueueState.has_next,
            on_prev=QueueState.prev_page,
            on_next=QueueState.next_page,
        ),
        align="center",
        spacing="2",
        padding_top="12px",
    )


def _queue_body() -> rx.Component:
    return rx.cond(
        ~QueueState.loaded,
        skeleton_rows(8),
        rx.cond(
            QueueState.error,
            rx.callout(QueueState.error, icon="circle-alert", color_scheme="red"),
            rx.cond(
                QueueState.has_rows,
                rx.fragment(_queue_list(), _pager()),
                panel(
                    rx.cond(
                        QueueState.filtered,
                        empty_state(
                            "search-x",
                            tr("No tickets match"),
                            tr("Try another search word, or clear the filters to see the whole queue."),
                            rx.button(tr("Clear filters"), variant="soft", on_click=QueueState.clear_filters),
                        ),
                        empty_state(
                            "party-popper",
                            tr("Nothing here"),
                            tr("No tickets in this view. New requests from customers appear here as they arrive."),
                        ),
                    ),
                    dashed=True,
                ),
            ),
        ),
    )


@page(route=routes.AGENT_QUEUE, title="Queue · AutoCRM", on_load=QueueState.load)
def queue() -> rx.Component:
    return agent_shell(
        rx.flex(
            _filter_bar(),
            _queue_body(),
            direction="column",
            spacing="3",
        ),
        title=QueueState.view_title,
    )


# ---- one ticket ---------------------------------------------------------------------------------------


def _prop(label: str, control: rx.Component) -> rx.Component:
    return rx.flex(
        rx.text(
            label, size="1", weight="medium", color_scheme="gray", text_transform="uppercase", letter_spacing="0.04em"
        ),
        control,
        direction="column",
        gap="6px",
    )


def _full_select(value, options, on_change, label: str, class_name: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=label, width="100%", class_name=class_name),
        rx.select.content(rx.foreach(options, lambda o: rx.select.item(tr(o[LABEL]), value=o["value"]))),
        value=value,
        on_change=on_change,
        size="2",
    )


def _properties() -> rx.Component:
    t = AgentTicketState.ticket
    return panel(
        rx.flex(
            _prop(
                tr("Status"),
                _full_select(
                    t["status"].to(str),
                    AgentTicketState.status_options,
                    AgentTicketState.set_status,
                    tr("Status"),
                    "status-select",
                ),
            ),
            _prop(
                tr("Priority"),
                _full_select(
                    t["priority"].to(str),
                    AgentTicketState.priority_options,
                    AgentTicketState.set_priority,
                    tr("Priority"),
                    "priority-select",
                ),
            ),
            _prop(
                tr("Assignee"),
                rx.flex(
                    _full_select(
                        t["assignee_id_str"].to(str),
                        AgentTicketState.assignee_options,
                        AgentTicketState.set_assignee,
                        tr("Assignee"),
                        "assignee-select",
                    ),
                    rx.cond(
                        t["assignee_id_str"].to(str) != AgentTicketState.user["id"].to_string(),
                        rx.button(
                            tr("Assign to me"),
                            size="1",
                            variant="ghost",
                            on_click=AgentTicketState.assign_to_me,
                            class_name="assign-me",
                            align_self="start",
                            margin_left="2px",
                        ),
                    ),
                    direction="column",
                    spacing="1",
                ),
            ),
            rx.separator(size="4"),
            _prop(
                tr("Requester"),
                rx.flex(
                    avatar(t["requester_initials"], size="2", color="gray"),
                    rx.flex(
                        rx.text(t["requester_name"], size="2", weight="medium"),
                        rx.text(t["requester_email"], size="1", color_scheme="gray", word_break="break-all"),
                        direction="column",
                        min_width="0",
                    ),
                    spacing="2",
                    align="center",
                ),
            ),
            _prop(
                tr("Tags"),
                rx.cond(
                    t["tags"].to(list).length() > 0,
                    rx.flex(
                        rx.foreach(
                            t["tags"].to(list[str]), lambda tag: rx.badge(tag, variant="outline", color_scheme="gray")
                        ),
                        spacing="1",
                        wrap="wrap",
                    ),
                    rx.text(tr("No tags"), size="2", color_scheme="gray"),
                ),
            ),
            rx.flex(
                rx.text(tr("Channel"), size="1", color_scheme="gray"),
                rx.spacer(),
                rx.text(
                    rx.match(t["channel"], *((key, tr(label)) for key, label in CHANNEL_LABELS.items()), t["channel"]),
                    size="1",
                ),
            ),
            rx.flex(
                rx.text(tr("Created"), size="1", color_scheme="gray"),
                rx.spacer(),
                time_ago(t["created_rel"], t["created_exact"], size="1"),
            ),
            rx.flex(
                rx.text(tr("Updated"), size="1", color_scheme="gray"),
                rx.spacer(),
                time_ago(t["updated_rel"], t["updated_exact"], size="1"),
            ),
            rx.cond(
                t["has_rating"],
                rx.flex(
                    rx.text(tr("Rating"), size="1", color_scheme="gray"),
                    rx.spacer(),
                    rx.text(t["rating"], "/5 ★", size="1", weight="medium", color="var(--amber-11)"),
                ),
            ),
            direction="column",
            spacing="4",
        ),
        padding="16px",
        class_name="ticket-properties",
    )


def _composer_toolbar() -> rx.Component:
    s = AgentTicketState
    return rx.flex(
        rx.segmented_control.root(
            rx.segmented_control.item(
                rx.flex(rx.icon("reply", size=14), tr("Public reply"), align="center", spacing="1"),
                value="reply",
            ),
            rx.segmented_control.item(
                rx.flex(rx.icon("lock", size=14), tr("Internal note"), align="center", spacing="1"),
                value="note",
            ),
            value=s.mode,
            on_change=s.set_mode,
            size="1",
            class_name="composer-mode",
        ),
        rx.spacer(),
        rx.text(
            rx.cond(s.is_note, tr("Only your team sees notes"), tr("The customer sees replies in the portal")),
            size="1",
            color=rx.cond(s.is_note, "var(--amber-11)", "var(--gray-11)"),
            display=["none", "inline", "inline"],
        ),
        align="center",
        spacing="2",
    )


def _closed_notice() -> rx.Component:
    return closed_notice(
        tr("This ticket is closed"),
        tr("It takes no more replies or notes. A follow-up ticket continues the conversation, linked to this one."),
        rx.button(
            rx.icon("git-branch-plus", size=14),
            tr("Open a follow-up ticket"),
            variant="soft",
            type="button",
            on_click=AgentTicketState.start_follow_up,
            class_name="start-follow-up",
        ),
    )


def _follow_up_composer() -> rx.Component:
    s = AgentTicketState
    t = s.ticket
    return composer(
        form_id="follow-up-form",
        on_submit=s.open_follow_up,
        body_id="follow-up-body",
        label=tr("First message"),
        label_visible=True,
        placeholder=tr("What the follow-up is about. The customer sees it in the portal."),
        error=s.follow_up_errors.get("body", ""),
        toolbar=rx.flex(
            rx.heading(tr("Follow-up ticket"), size="3"),
            rx.text(
                tr(
                    "A new ticket for {name}, linked to #{number}.",
                    name=t["requester_name"].to(str),
                    number=t["number"].to_string(),
                ),
                size="2",
                color_scheme="gray",
            ),
            direction="column",
            spacing="1",
        ),
        fields=[
            form_callout(s.follow_up_error),
            field(
                tr("Subject"),
                rx.input(
                    name="subject",
                    id="follow-up-subject",
                    default_value=t["subject"].to(str),
                    max_length=250,
                    aria_invalid=invalid(s.follow_up_errors, "subject"),
                ),
                error=s.follow_up_errors.get("subject", ""),
                html_for="follow-up-subject",
            ),
        ],
        actions=[
            rx.button(
                tr("Cancel"),
                variant="soft",
                color_scheme="gray",
                type="button",
                on_click=s.cancel_follow_up,
            )
        ],
        submit_label=tr("Open follow-up ticket"),
        submit_icon=rx.icon("git-branch-plus", size=14),
        submit_class="follow-up-submit",
        rule="3px solid var(--accent-8)",
    )


def _composer() -> rx.Component:
    s = AgentTicketState
    return composer(
        form_id="composer-form",
        on_submit=s.send,
        body_id="composer-body",
        label=rx.cond(s.is_note, tr("Internal note"), tr("Reply")),
        placeholder=rx.cond(
            s.is_closed,
            tr("Closed tickets take no more messages."),
            rx.cond(s.is_note, tr("Add a note for your team…"), tr("Write your reply to the customer…")),
        ),
        submit_label=rx.cond(s.is_note, tr("Add internal note"), tr("Send reply")),
        submit_icon=rx.cond(s.is_note, rx.icon("lock", size=14), rx.icon("send", size=14)),
        submit_class="composer-submit",
        submit_color=rx.cond(s.is_note, "amber", "indigo"),
        error=s.composer_error,
        toolbar=_composer_toolbar(),
        body_background=rx.cond(s.is_note, "var(--amber-2)", "var(--color-surface)"),
        rule=rx.cond(s.is_note, "3px solid var(--amber-8)", "3px solid var(--accent-8)"),
        locked=s.is_closed,
        locked_notice=_closed_notice(),
    )


def _ticket_header() -> rx.Component:
    t = AgentTicketState.ticket
    return ticket_header(
        t,
        facts=[
            rx.text("#", t["number"], size="2", color_scheme="gray"),
            status_badge(t["status_category"], t["status_name"]),
            priority_badge(t["priority"], t["priority_name"]),
            rx.text(tr("from {name}", name=t["requester_name"].to(str)), size="2", color_scheme="gray"),
            rx.text("·", color_scheme="gray", size="2"),
            time_ago(t["created_rel"], t["created_exact"]),
        ],
        follow_up_text=N_("Follows up #{number}"),
        ticket_href=routes.agent_ticket(""),
    )


@page(route=routes.AGENT_TICKET, title="Ticket · AutoCRM", on_load=AgentTicketState.load)
def agent_ticket() -> rx.Component:
    s = AgentTicketState
    return agent_shell(
        rx.cond(
            ~s.loaded,
            rx.flex(
                rx.skeleton(rx.box(height="28px", width="60%")),
                skeleton_rows(3, "96px"),
                direction="column",
                spacing="4",
            ),
            rx.cond(
                s.not_found,
                empty_state(
                    "file-question",
                    tr("Ticket not found"),
                    tr("It may have been deleted, or the link is wrong. Go back to the queue to find it."),
                    rx.link(rx.button(tr("Back to the queue"), variant="soft"), href=routes.AGENT_QUEUE),
                ),
                rx.flex(
                    _ticket_header(),
                    rx.grid(
                        rx.flex(
                            timeline(s.messages, staff_view=True),
                            rx.cond(s.following_up, _follow_up_composer(), _composer()),
                            direction="column",
                            spacing="4",
                            min_width="0",
                        ),
                        rx.box(_properties(), position=["static", "static", "sticky"], top="72px"),
                        columns=rx.breakpoints(initial="1", md="minmax(0, 1fr) 280px"),
                        spacing="5",
                        align="start",
                    ),
                    direction="column",
                    spacing="4",
                    max_width="1200px",
                ),
            ),
        ),
        title=rx.flex(
            rx.link(tr("Tickets"), href=routes.AGENT_QUEUE, color_scheme="gray", underline="hover"),
            rx.icon("chevron-right", size=14, color="var(--gray-9)"),
            rx.text(s.ticket_title, as_="span", overflow="hidden", text_overflow="ellipsis", white_space="nowrap"),
            align="center",
            spacing="2",
            min_width="0",
        ),
    )
