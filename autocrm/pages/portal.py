"""The customer portal: my requests, a new request, one request."""

from __future__ import annotations

import reflex as rx

from autocrm import routes
from autocrm.components.badges import status_badge, time_ago
from autocrm.components.composer import closed_notice, composer
from autocrm.components.files import attachment_picker
from autocrm.components.forms import empty_state, field, field_error, form_callout, invalid, skeleton_rows
from autocrm.components.i18n import tr
from autocrm.components.layout import portal_shell
from autocrm.components.panel import panel
from autocrm.components.ticket_header import ticket_header
from autocrm.components.timeline import timeline
from autocrm.core.i18n import N_
from autocrm.pages.accounts import verification_banner
from autocrm.pages.registry import page
from autocrm.state.portal import NewTicketState, PortalState, PortalTicketState
from autocrm.state.session import SessionState

# A pause in typing this long asks for articles again: short enough to feel live, long enough not to search
# on every key.
SUGGEST_DEBOUNCE_MS = 450


def _ticket_card(row) -> rx.Component:
    return rx.link(
        panel(
            rx.flex(
                rx.flex(
                    rx.text(
                        row["subject"],
                        size="3",
                        weight="medium",
                        class_name="ticket-subject",
                        custom_attrs={"dir": "auto"},
                    ),
                    rx.flex(
                        rx.text("#", row["number"], size="1", color_scheme="gray"),
                        rx.text("·", size="1", color_scheme="gray"),
                        rx.text(tr("Updated"), size="1", color_scheme="gray"),
                        time_ago(row["updated_rel"], row["updated_exact"], size="1"),
                        spacing="1",
                        align="center",
                        wrap="wrap",
                    ),
                    direction="column",
                    spacing="1",
                    flex="1",
                    min_width="0",
                ),
                status_badge(row["status_category"], row["status_name"]),
                rx.icon("chevron-right", size=16, color="var(--gray-8)", display=["none", "block", "block"]),
                align="center",
                spacing="3",
            ),
            padding="12px 16px",
            class_name="portal-ticket",
            _hover={"background": "var(--gray-2)"},
        ),
        href="/portal/tickets/" + row["id"].to_string(),
        underline="none",
        color="inherit",
        display="block",
    )


def _section(title: str, rows) -> rx.Component:
    return rx.cond(
        rows.length() > 0,
        rx.flex(
            rx.text(title, size="2", weight="medium", color_scheme="gray"),
            rx.foreach(rows, _ticket_card),
            direction="column",
            spacing="2",
        ),
    )


def _why(row) -> rx.Component:
    """Why the article was picked, in the tab's language: one of the customer's own requests, or the help centre."""
    return rx.match(
        row["reason"],
        (
            "request",
            tr(
                "Because of your request #{number} “{subject}”",
                number=row["request_number"],
                subject=row["request_subject"],
            ),
        ),
        ("popular", tr("Among the most read in the help centre")),
        tr("Latest in the help centre"),
    )


def _article_for_me(row) -> rx.Component:
    return rx.link(
        panel(
            rx.flex(
                rx.flex(
                    rx.icon("file-text", size=16, color="var(--accent-10)", flex_shrink="0"),
                    rx.text(
                        row["title"],
                        size="2",
                        weight="medium",
                        class_name="article-for-me-title",
                        custom_attrs={"dir": "auto"},
                    ),
                    spacing="2",
                    align="start",
                ),
                rx.text(
                    row["snippet"],
                    size="1",
                    color_scheme="gray",
                    custom_attrs={"dir": "auto"},
                    style={"display": "-webkit-box", "-webkit-line-clamp": "2", "-webkit-box-orient": "vertical"},
                    overflow="hidden",
                ),
                rx.flex(
                    rx.icon(
                        rx.match(row["reason"], ("request", "message-square"), ("popular", "trending-up"), "sparkles"),
                        size=12,
                        flex_shrink="0",
                        margin_top="3px",
                        color="var(--accent-10)",
                    ),
                    rx.text(
                        _why(row),
                        size="1",
                        class_name="article-for-me-why",
                        style={"display": "-webkit-box", "-webkit-line-clamp": "2", "-webkit-box-orient": "vertical"},
                        overflow="hidden",
                    ),
                    spacing="1",
                    align="start",
                    color="var(--gray-11)",
                    min_width="0",
                    margin_top="auto",
                ),
                direction="column",
                spacing="2",
                height="100%",
            ),
            padding="12px 14px",
            height="100%",
            _hover={"border_color": "var(--accent-7)"},
        ),
        href=row["url"].to(str),
        underline="none",
        color="inherit",
        display="block",
        class_name="article-for-me",
    )


def _articles_for_me() -> rx.Component:
    """Help articles picked from the customer's own requests, or the help centre's most read or latest."""
    s = PortalState
    return rx.cond(
        s.articles_loaded,
        rx.cond(
            s.articles.length() > 0,  # type: ignore[attr-defined]
            rx.flex(
                rx.text(
                    rx.cond(s.articles_personal, tr("Articles for you"), tr("From our help centre")),
                    size="2",
                    weight="medium",
                    color_scheme="gray",
                ),
                rx.flex(rx.foreach(s.articles, _article_for_me), direction="column", spacing="2"),
                rx.link(
                    tr("Browse the help centre"),
                    rx.icon("arrow-right", size=12),
                    href=routes.HELP,
                    size="1",
                    display="inline-flex",
                    align_items="center",
                    gap="4px",
                    class_name="browse-help",
                ),
                direction="column",
                spacing="2",
                class_name="articles-for-me",
            ),
        ),
        skeleton_rows(2, "88px"),
    )


@page(route=routes.PORTAL, title=N_("My requests · {company}"), on_load=PortalState.load)
def portal() -> rx.Component:
    return portal_shell(
        rx.flex(
            rx.flex(
                rx.heading(tr("My requests"), size="6", weight="bold"),
                rx.text(
                    tr(
                        "Hi {name}. Follow your requests and our replies here.",
                        name=SessionState.user_first_name,
                    ),
                    size="2",
                    color_scheme="gray",
                ),
                direction="column",
                spacing="1",
            ),
            verification_banner(),
            rx.cond(
                ~PortalState.loaded,
                skeleton_rows(4, "64px"),
                # On a phone: open requests, the articles, then the solved ones (a long history must not push the
                # articles out of reach); from a tablet's width on, the articles sit beside the requests.
                rx.box(
                    rx.box(
                        rx.cond(
                            PortalState.has_tickets,
                            _section(tr("Open requests"), PortalState.open_rows),
                            panel(
                                empty_state(
                                    "message-circle-question",
                                    tr("No requests yet"),
                                    tr(
                                        "Tell us what you need help with and a member of our team will get back to you."
                                    ),
                                    rx.link(
                                        rx.button(rx.icon("plus", size=14), tr("New request")), href=routes.PORTAL_NEW
                                    ),
                                ),
                            ),
                        ),
                        grid_area="open",
                        min_width="0",
                    ),
                    rx.box(
                        _articles_for_me(),
                        grid_area="aside",
                        min_width="0",
                        align_self="start",
                        position=rx.breakpoints(initial="static", sm="sticky"),
                        top="76px",
                    ),
                    rx.box(_section(tr("Solved requests"), PortalState.done_rows), grid_area="solved", min_width="0"),
                    display="grid",
                    grid_template_columns=rx.breakpoints(
                        initial="minmax(0, 1fr)",
                        sm=rx.cond(PortalState.articles_shown, "minmax(0, 1fr) 272px", "minmax(0, 1fr)"),
                    ),
                    grid_template_areas=rx.breakpoints(
                        initial="'open' 'aside' 'solved'",
                        sm=rx.cond(PortalState.articles_shown, "'open aside' 'solved aside'", "'open' 'solved'"),
                    ),
                    grid_template_rows=rx.breakpoints(initial="auto", sm="auto 1fr"),
                    column_gap="24px",
                    row_gap="20px",
                ),
            ),
            direction="column",
            spacing="5",
        ),
    )


def _suggestion(row) -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.icon("file-text", size=16, color="var(--accent-10)", flex_shrink="0", margin_top="2px"),
            rx.flex(
                rx.link(
                    row["title"],
                    href=row["url"].to(str),
                    is_external=True,
                    size="2",
                    weight="medium",
                    class_name="suggested-title",
                    custom_attrs={"dir": "auto"},
                ),
                rx.box(
                    rx.html(row["snippet"].to(str)),
                    font_size="var(--font-size-1)",
                    color="var(--gray-11)",
                    line_height="1.5",
                    class_name="kb-snippet",
                ),
                direction="column",
                spacing="1",
                min_width="0",
            ),
            spacing="2",
            align="start",
            flex="1",
            min_width="0",
        ),
        rx.button(
            rx.icon("check", size=14),
            tr("This answered my question"),
            size="1",
            variant="soft",
            color_scheme="green",
            type="button",
            on_click=NewTicketState.answered(row["id"].to(int)),  # type: ignore[operator]
            class_name="answered",
            flex_shrink="0",
        ),
        direction=rx.breakpoints(initial="column", sm="row"),
        spacing="2",
        align=rx.breakpoints(initial="start", sm="center"),
        padding="10px 12px",
        border_radius="var(--radius-3)",
        border="1px solid var(--amber-5)",
        background="var(--color-panel-solid)",
        class_name="suggested-article",
    )


def _suggestions() -> rx.Component:
    """Articles that may answer the request while it is written; one that did ends it without filing."""
    s = NewTicketState
    return rx.cond(
        s.suggested.length() > 0,  # type: ignore[attr-defined]
        rx.flex(
            rx.flex(
                rx.icon("lightbulb", size=16, color="var(--amber-10)"),
                rx.text(tr("These articles may answer your question"), size="2", weight="bold"),
                align="center",
                spacing="2",
            ),
            rx.text(
                tr("Each opens in a new tab: what you wrote stays here."),
                size="1",
                color_scheme="gray",
            ),
            rx.foreach(s.suggested, _suggestion),
            direction="column",
            spacing="2",
            padding="12px",
            border="1px solid var(--amber-6)",
            border_radius="var(--radius-3)",
            background="var(--amber-2)",
            class_name="request-suggestions",
            custom_attrs={"aria-live": "polite"},
        ),
    )


def _deflected_notice() -> rx.Component:
    return rx.cond(
        NewTicketState.deflected,
        rx.callout(
            tr(
                "Glad the article helped. We cleared your request and nothing was sent to us. Need more help? Write it here."
            ),
            icon="circle-check",
            color_scheme="green",
            class_name="deflected-notice",
        ),
    )


@page(route=routes.PORTAL_NEW, title=N_("New request · {company}"), on_load=NewTicketState.load)
def portal_new() -> rx.Component:
    s = NewTicketState
    return portal_shell(
        rx.flex(
            rx.link(
                rx.flex(rx.icon("arrow-left", size=14), tr("My requests"), align="center", spacing="1"),
                href=routes.PORTAL,
                size="2",
                color_scheme="gray",
                underline="none",
            ),
            rx.flex(
                rx.heading(rx.cond(s.follow_up, tr("Follow-up request"), tr("New request")), size="6", weight="bold"),
                rx.text(
                    tr("Describe the problem in a few sentences. The more we know, the faster we can help."),
                    size="2",
                    color_scheme="gray",
                ),
                direction="column",
                spacing="1",
            ),
            rx.cond(
                s.follow_up,
                rx.callout(
                    rx.text(
                        tr(
                            "This request follows up request #{number} “{subject}”, which is closed.",
                            number=s.follow_up["number"].to_string(),
                            subject=s.follow_up["subject"].to(str),
                        ),
                        as_="span",
                    ),
                    icon="git-branch",
                    color_scheme="indigo",
                    class_name="follow-up-of",
                ),
            ),
            form_callout(s.form_error),
            _deflected_notice(),
            composer(
                form_id="new-request-form",
                on_submit=s.submit,
                body_id="body",
                label=tr("Description"),
                label_visible=True,
                placeholder=tr("What happened, when, and what you expected instead…"),
                rows="8",
                error=s.errors.get("body", ""),
                fields=[
                    field(
                        tr("Subject"),
                        rx.input(
                            name="subject",
                            id="subject",
                            size="3",
                            placeholder=tr("e.g. My card payment was declined"),
                            default_value=s.follow_up["subject"].to(str),
                            key=s.follow_up["id"].to_string(),
                            max_length=250,
                            aria_invalid=invalid(s.errors, "subject"),
                            on_change=s.draft_subject.debounce(SUGGEST_DEBOUNCE_MS),  # type: ignore[attr-defined]
                        ),
                        error=s.errors.get("subject", ""),
                        html_for="subject",
                    )
                ],
                actions=[
                    rx.link(
                        rx.button(tr("Cancel"), variant="soft", color_scheme="gray", type="button"),
                        href=routes.PORTAL,
                    )
                ],
                submit_label=tr("Send request"),
                submit_icon=rx.icon("send", size=14),
                submit_class="submit",
                ready=s.ready,
                on_body_change=s.draft_body.debounce(SUGGEST_DEBOUNCE_MS),  # type: ignore[attr-defined]
                below_body=_suggestions(),
            ),
            direction="column",
            spacing="4",
        ),
    )


def _stars(count, *, interactive: bool) -> rx.Component:
    def star(i: int) -> rx.Component:
        filled = count >= i
        icon = rx.icon(
            "star",
            size=26 if interactive else 16,
            fill=rx.cond(filled, "var(--amber-9)", "none"),
            color=rx.cond(filled, "var(--amber-9)", "var(--gray-8)"),
        )
        if not interactive:
            return icon
        return rx.icon_button(
            icon,
            variant="ghost",
            color_scheme="amber",
            size="3",
            type="button",
            # mypy types @rx.event handlers as EventNamespace (Reflex's decorator is a class whose __new__
            # returns the callback): calling one with arguments is right at run time.
            on_click=PortalTicketState.choose_stars(i),  # type: ignore[operator]
            aria_label=tr("1 star") if i == 1 else tr("{n} stars", n=i),
            class_name=f"star star-{i}",
        )

    return rx.flex(*[star(i) for i in range(1, 6)], spacing="1", align="center")


def _rating() -> rx.Component:
    s = PortalTicketState
    t = s.ticket
    return rx.cond(
        t["is_done"],
        panel(
            rx.cond(
                t["has_rating"],
                rx.flex(
                    rx.text(tr("Your rating"), size="2", weight="medium"),
                    _stars(t["rating"].to(int), interactive=False),
                    rx.cond(t["rating_comment"], rx.text("“", t["rating_comment"], "”", size="2", color_scheme="gray")),
                    rx.text(tr("Thank you for telling us how we did."), size="1", color_scheme="gray"),
                    direction="column",
                    spacing="2",
                    class_name="given-rating",
                ),
                rx.form(
                    rx.flex(
                        rx.heading(tr("How did we do?"), size="3"),
                        rx.text(tr("Rate the help you got on this request."), size="2", color_scheme="gray"),
                        _stars(s.stars, interactive=True),
                        rx.text_area(
                            name="comment",
                            placeholder=tr("Anything we should know? (optional)"),
                            rows="3",
                            max_length=2000,
                            aria_label=tr("Comment"),
                        ),
                        field_error(s.rating_error),
                        rx.flex(rx.button(tr("Send rating"), type="submit", class_name="send-rating"), justify="end"),
                        direction="column",
                        spacing="3",
                    ),
                    on_submit=s.rate,
                    reset_on_submit=False,
                ),
            ),
            padding=["16px", "20px", "20px"],
            border_top="3px solid var(--amber-8)",
            class_name="rating-card",
        ),
    )


def _closed_notice() -> rx.Component:
    return closed_notice(
        tr("This request is closed"),
        tr("It takes no more messages. Need more help with it? Open a follow-up request."),
        rx.link(
            rx.button(rx.icon("git-branch-plus", size=14), tr("Open a follow-up request"), variant="soft"),
            href=routes.PORTAL_NEW + "?follow_up=" + PortalTicketState.ticket["id"].to_string(),
            class_name="start-follow-up",
        ),
    )


def _reply_box() -> rx.Component:
    s = PortalTicketState
    return composer(
        form_id="reply-form",
        on_submit=s.reply,
        body_id="reply-body",
        label=tr("Your message"),
        rows="4",
        placeholder=rx.cond(
            s.ticket["is_closed"],
            tr("Closed requests take no more messages."),
            rx.cond(
                s.ticket["is_done"],
                tr("Still need help? Write here to reopen the request…"),
                tr("Add more details or answer our questions…"),
            ),
        ),
        error=s.reply_error,
        submit_label=tr("Send"),
        submit_icon=rx.icon("send", size=14),
        submit_class="send-reply",
        locked=s.ticket["is_closed"].to(bool),
        locked_notice=_closed_notice(),
        attachments=attachment_picker(PortalTicketState, "reply-files"),
        image_url=s.image_upload_url,
    )


@page(route=routes.PORTAL_TICKET, title=N_("Request · {company}"), on_load=PortalTicketState.load)
def portal_ticket() -> rx.Component:
    s = PortalTicketState
    t = s.ticket
    return portal_shell(
        rx.cond(
            ~s.loaded,
            rx.flex(
                rx.skeleton(rx.box(height="32px", width="70%")),
                skeleton_rows(3, "90px"),
                direction="column",
                spacing="4",
            ),
            rx.cond(
                s.not_found,
                panel(
                    empty_state(
                        "file-question",
                        tr("Request not found"),
                        tr("This request does not exist or belongs to another account."),
                        rx.link(rx.button(tr("Back to my requests"), variant="soft"), href=routes.PORTAL),
                    )
                ),
                rx.flex(
                    rx.link(
                        rx.flex(rx.icon("arrow-left", size=14), tr("My requests"), align="center", spacing="1"),
                        href=routes.PORTAL,
                        size="2",
                        color_scheme="gray",
                        underline="none",
                    ),
                    ticket_header(
                        t,
                        facts=[
                            status_badge(t["status_category"], t["status_name"]),
                            rx.text(
                                tr("Request #{number}", number=t["number"].to_string()), size="2", color_scheme="gray"
                            ),
                            rx.text("·", size="2", color_scheme="gray"),
                            rx.text(tr("opened"), size="2", color_scheme="gray"),
                            time_ago(t["created_rel"], t["created_exact"]),
                        ],
                        follow_up_text=N_("Follows up request #{number}"),
                        ticket_href=routes.portal_ticket(""),
                        heading_size="6",
                    ),
                    rx.cond(
                        t["has_fields"],
                        rx.flex(
                            rx.foreach(
                                t["shown_fields"].to(list[dict[str, str]]),
                                lambda f: rx.flex(
                                    rx.text(f["label"], size="1", color_scheme="gray"),
                                    rx.text(f["value"], size="2", weight="medium"),
                                    direction="column",
                                    class_name="request-field",
                                ),
                            ),
                            gap="20px",
                            wrap="wrap",
                            class_name="request-fields",
                        ),
                    ),
                    timeline(s.messages, staff_view=False),
                    _rating(),
                    _reply_box(),
                    direction="column",
                    spacing="4",
                ),
            ),
        ),
    )
