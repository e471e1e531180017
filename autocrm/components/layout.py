"""The three shells: sign-in pages, the agent/admin workspace (sidebar + top bar) and the customer portal."""

from __future__ import annotations

from typing import Any

import reflex as rx

from autocrm import routes
from autocrm.components.badges import avatar
from autocrm.components.drag import drag_block
from autocrm.components.i18n import language_switch, text_of, tr
from autocrm.components.panel import panel
from autocrm.state.session import SessionState
from autocrm.state.staff import StaffState

SIDEBAR_WIDTH = "236px"
DESKTOP = ["none", "none", "flex"]
MOBILE = ["flex", "flex", "none"]


def brand(size: str = "3", name=None) -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.icon("life-buoy", size=16, color="white"),
            align="center",
            justify="center",
            width="26px",
            height="26px",
            border_radius="7px",
            background="var(--accent-9)",
            flex_shrink="0",
        ),
        rx.text(
            name if name is not None else "AutoCRM",
            size=size,
            weight="bold",
            white_space="nowrap",
            overflow="hidden",
            text_overflow="ellipsis",
        ),
        align="center",
        spacing="2",
        min_width="0",
    )


# ---- sign-in pages ---------------------------------------------------------------------------------


def auth_shell(title: str, subtitle, *children: rx.Component, footer: rx.Component | None = None) -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.link(brand("4"), href=routes.LOGIN, underline="none", color="inherit"),
            panel(
                rx.flex(
                    rx.flex(
                        rx.heading(text_of(title), size="5", weight="bold"),
                        rx.text(text_of(subtitle), size="2", color_scheme="gray"),
                        direction="column",
                        spacing="1",
                    ),
                    *children,
                    direction="column",
                    spacing="5",
                ),
                padding=["24px", "32px", "32px"],
                width="100%",
                box_shadow="var(--shadow-2)",
            ),
            footer or rx.fragment(),
            direction="column",
            align="center",
            spacing="5",
            width="100%",
            max_width="420px",
        ),
        justify="center",
        align="start",
        min_height="100vh",
        padding=["32px 16px", "48px 16px", "10vh 16px 48px"],
        background="var(--gray-2)",
    )


# ---- agent / admin workspace -------------------------------------------------------------------------


def _icon(name: Any, size: int) -> rx.Component:
    """A static icon, or one of the views' icons named by a var (rx.icon needs its name when compiled)."""
    if isinstance(name, str):
        return rx.icon(name, size=size, flex_shrink="0")
    return rx.match(
        name,
        *((known, rx.icon(known, size=size, flex_shrink="0")) for known in VIEW_ICON_NAMES),
        rx.icon("list-filter", size=size, flex_shrink="0"),
    )


VIEW_ICON_NAMES = ("inbox", "user-round", "user-round-x", "layers", "bookmark", "users", "list-filter")


def _nav_item(label: Any, icon: Any, href: Any, active, count=None) -> rx.Component:
    return rx.link(
        rx.flex(
            _icon(icon, 16),
            rx.text(text_of(label), size="2", weight="medium", flex="1"),
            rx.cond(active, rx.text(count, size="1", weight="medium"), rx.text(count, size="1", color_scheme="gray"))
            if count is not None
            else rx.fragment(),
            align="center",
            spacing="2",
            padding="7px 10px",
            border_radius="var(--radius-2)",
            background=rx.cond(active, "var(--accent-4)", "transparent"),
            color=rx.cond(active, "var(--accent-12)", "var(--gray-12)"),
            _hover={"background": rx.cond(active, "var(--accent-4)", "var(--gray-4)")},
        ),
        href=href,
        underline="none",
        width="100%",
        class_name="nav-item",
    )


def _section(label: str) -> rx.Component:
    return rx.text(
        text_of(label),
        size="1",
        weight="medium",
        color_scheme="gray",
        padding="14px 10px 4px",
        text_transform="uppercase",
        letter_spacing="0.04em",
    )


# The agent's views (rows of `saved_view`: shared ones, then their own), in the sidebar on a laptop and in the
# menu on a phone, each with its live count (`StaffState.sidebar_views`).
def _on_view(key: Any) -> rx.Var:
    path = rx.State.router.url.path.to(str)
    elsewhere = (
        "/agent/tickets",
        routes.AGENT_STATS,
        routes.AGENT_KB,
        routes.AGENT_MACROS,
    )  # agent pages that are not the queue
    on_queue = path.startswith(routes.AGENT_QUEUE)
    for prefix in elsewhere:
        on_queue = on_queue & ~path.startswith(prefix)
    return on_queue & (StaffState.current_view == key)


def _view_name(entry: Any) -> Any:
    name = entry["name"].to(str)
    return rx.cond(entry["builtin"], tr(name), name)


def _view_nav_item(entry: Any) -> rx.Component:
    item = _nav_item(
        _view_name(entry), entry["icon"].to(str), entry["href"].to(str), _on_view(entry["key"]), entry["count"]
    )
    view_id = entry["id"].to(int)
    # Views this person may reorder can be dragged onto one another (the view menu's Move up / down does the
    # same from the keyboard); the view a drag is over is outlined.
    return rx.cond(
        entry["can_edit"],
        drag_block(
            item,
            on_start=StaffState.start_view_drag(view_id),  # type: ignore[operator]
            on_enter=StaffState.enter_view(view_id),  # type: ignore[operator]
            on_drop=StaffState.drop_view(view_id),  # type: ignore[operator]
            on_end=StaffState.end_view_drag,
            class_name="view-drag",
            border_radius="var(--radius-2)",
            outline=rx.cond(StaffState.drag_target_view == view_id, "2px dashed var(--accent-8)", "none"),
            opacity=rx.cond(StaffState.dragged_view == view_id, "0.5", "1"),
        ),
        item,
    )


def _view_menu_item(entry: Any) -> rx.Component:
    return _menu_item(
        _view_name(entry), entry["icon"].to(str), entry["href"].to(str), _on_view(entry["key"]), entry["count"]
    )


def _on_stats() -> rx.Var:
    return rx.State.router.url.path.to(str).startswith(routes.AGENT_STATS)


def _on_people() -> rx.Var:
    return rx.State.router.url.path.to(str).startswith(routes.ADMIN_USERS)


def _on_sso() -> rx.Var:
    return rx.State.router.url.path.to(str).startswith(routes.ADMIN_SSO)


def _on_keys() -> rx.Var:
    return rx.State.router.url.path.to(str).startswith(routes.ADMIN_API_KEYS)


def _on_webhooks() -> rx.Var:
    return rx.State.router.url.path.to(str).startswith(routes.ADMIN_WEBHOOKS)


def _on_mailboxes() -> rx.Var:
    return rx.State.router.url.path.to(str).startswith(routes.ADMIN_MAILBOXES)


def _on_teams() -> rx.Var:
    return rx.State.router.url.path.to(str).startswith(routes.ADMIN_TEAMS)


def _on_routing() -> rx.Var:
    return rx.State.router.url.path.to(str).startswith(routes.ADMIN_ROUTING)


def _on_audit() -> rx.Var:
    return rx.State.router.url.path.to(str).startswith(routes.ADMIN_AUDIT)


def _on_settings() -> rx.Var:
    return rx.State.router.url.path.to(str).startswith(routes.ADMIN_SETTINGS)


def _on_ai() -> rx.Var:
    return rx.State.router.url.path.to(str).startswith(routes.ADMIN_AI)


def _on_kb() -> rx.Var:
    return rx.State.router.url.path.to(str).startswith(routes.AGENT_KB)


def _on_dashboards() -> rx.Var:
    return rx.State.router.url.path.to(str).startswith(routes.ADMIN_DASHBOARDS)


def _on_macros() -> rx.Var:
    return rx.State.router.url.path.to(str).startswith(routes.AGENT_MACROS)


def _nav_links() -> list[rx.Component]:
    return [
        _section("Views"),
        rx.foreach(StaffState.sidebar_views, _view_nav_item),
        _section("Knowledge"),
        _nav_item("Knowledge base", "book-open", routes.AGENT_KB, _on_kb()),
        _nav_item("Macros", "zap", routes.AGENT_MACROS, _on_macros()),
        _section("You"),
        _nav_item("My stats", "chart-column", routes.AGENT_STATS, _on_stats()),
        rx.cond(
            ~SessionState.is_admin & StaffState.leads_a_team,
            _nav_item("Dashboards", "chart-no-axes-combined", routes.ADMIN_DASHBOARDS, _on_dashboards()),
        ),
        rx.cond(
            SessionState.is_admin,
            rx.fragment(
                _section("Administration"),
                _nav_item("Dashboards", "chart-no-axes-combined", routes.ADMIN_DASHBOARDS, _on_dashboards()),
                _nav_item("People", "users", routes.ADMIN_USERS, _on_people()),
                _nav_item("Teams", "users-round", routes.ADMIN_TEAMS, _on_teams()),
                _nav_item("Routing", "route", routes.ADMIN_ROUTING, _on_routing()),
                _nav_item("Single sign-on", "shield-check", routes.ADMIN_SSO, _on_sso()),
                _nav_item("API keys", "key-round", routes.ADMIN_API_KEYS, _on_keys()),
                _nav_item("Webhooks", "webhook", routes.ADMIN_WEBHOOKS, _on_webhooks()),
                _nav_item("E-mail", "mail", routes.ADMIN_MAILBOXES, _on_mailboxes()),
                _nav_item("AI", "sparkles", routes.ADMIN_AI, _on_ai()),
                _nav_item("Desk settings", "sliders-horizontal", routes.ADMIN_SETTINGS, _on_settings()),
                _nav_item("Audit log", "scroll-text", routes.ADMIN_AUDIT, _on_audit()),
            ),
        ),
    ]


def _sidebar() -> rx.Component:
    return rx.flex(
        rx.box(
            rx.link(brand("3"), href=routes.AGENT_QUEUE, underline="none", color="inherit"), padding="16px 14px 8px"
        ),
        rx.flex(*_nav_links(), direction="column", gap="1px", padding="0 8px"),
        rx.spacer(),
        rx.text("AutoCRM", size="1", color_scheme="gray", padding="12px 16px"),
        direction="column",
        position="fixed",
        top="0",
        left="0",
        bottom="0",
        width=SIDEBAR_WIDTH,
        background="var(--gray-2)",
        border_right="1px solid var(--gray-5)",
        display=DESKTOP,
        z_index="20",
        # The admins' sections are taller than a laptop's window: the sidebar scrolls on its own.
        overflow_y="auto",
        class_name="sidebar",
    )


_AVAILABILITY = (("online", "Online", "grass"), ("away", "Away", "amber"), ("offline", "Offline", "gray"))


def _dot(color: str) -> rx.Component:
    return rx.box(width="8px", height="8px", border_radius="50%", background=f"var(--{color}-9)", flex_shrink="0")


def availability_switch() -> rx.Component:
    """The agent's own availability: only online agents get tickets handed out by their teams."""
    current = StaffState.my_availability
    return rx.cond(
        current != "",
        rx.menu.root(
            rx.menu.trigger(
                rx.button(
                    rx.match(current, *[(value, _dot(color)) for value, _label, color in _AVAILABILITY], _dot("gray")),
                    rx.text(
                        rx.match(current, *[(value, tr(label)) for value, label, _color in _AVAILABILITY], ""),
                        size="2",
                        display=["none", "inline", "inline"],
                    ),
                    variant="ghost",
                    color_scheme="gray",
                    size="2",
                    aria_label=tr("Your availability"),
                    class_name="availability-switch",
                ),
            ),
            rx.menu.content(
                *[
                    rx.menu.item(
                        rx.flex(_dot(color), tr(label), align="center", gap="8px"),
                        on_click=StaffState.set_my_availability(value),  # type: ignore[operator]
                        class_name=f"availability-{value}",
                    )
                    for value, label, color in _AVAILABILITY
                ],
                rx.menu.separator(),
                rx.text(
                    tr("Teams hand out tickets only to online agents on shift."),
                    size="1",
                    color_scheme="gray",
                    padding="2px 8px",
                    max_width="220px",
                ),
            ),
        ),
    )


def _inbox_item(item: Any) -> rx.Component:
    return rx.el.button(
        rx.flex(
            rx.cond(
                item["read"],
                rx.box(width="8px", flex_shrink="0"),
                rx.box(width="8px", height="8px", border_radius="50%", background="var(--accent-9)", flex_shrink="0"),
            ),
            rx.flex(
                rx.text(
                    tr("{name} mentioned you", name=item["who"].to(str)),
                    size="2",
                    weight=rx.cond(item["read"], "regular", "medium"),
                ),
                rx.text(
                    item["excerpt"],
                    size="1",
                    color_scheme="gray",
                    style={"display": "-webkit-box", "-webkit-line-clamp": "2", "-webkit-box-orient": "vertical"},
                    overflow="hidden",
                ),
                rx.text(item["when"], size="1", color_scheme="gray", title=item["when_exact"]),
                direction="column",
                gap="2px",
                min_width="0",
                align="start",
            ),
            gap="8px",
            align="baseline",
        ),
        type="button",
        on_click=StaffState.open_notification(item["id"]),  # type: ignore[operator]
        class_name="inbox-item",
        # Inline: the popover is portaled outside the app's root, where its global styles apply.
        text_align="left",
        width="100%",
        padding="8px",
        border="none",
        border_radius="var(--radius-2)",
        background="transparent",
        color="var(--gray-12)",
        cursor="pointer",
        _hover={"background": "var(--gray-a3)"},
    )


def inbox_bell() -> rx.Component:
    """The top bar's bell: the agent's notifications (being @mentioned in a note), the unread ones counted."""
    unread: Any = StaffState.inbox_unread  # a Var at compile time
    return rx.popover.root(
        rx.popover.trigger(
            rx.button(
                rx.icon("bell", size=16),
                rx.cond(
                    unread > 0,
                    rx.text(
                        rx.cond(unread > 9, "9+", unread.to_string()),
                        as_="span",
                        class_name="inbox-count",
                        custom_attrs={"aria-hidden": "true"},
                        position="absolute",
                        top="-4px",
                        right="-6px",
                        min_width="16px",
                        height="16px",
                        padding="0 4px",
                        border_radius="8px",
                        background="var(--red-9)",
                        color="white",
                        font_size="10px",
                        line_height="16px",
                        font_weight="600",
                        text_align="center",
                    ),
                ),
                variant="ghost",
                color_scheme="gray",
                size="2",
                aria_label=rx.cond(
                    unread > 0,
                    tr("Notifications, {n} unread", n=unread.to_string()),
                    tr("Notifications"),
                ),
                class_name="inbox-bell",
                custom_attrs={"data-unread": unread.to_string()},
                position="relative",
            ),
        ),
        rx.popover.content(
            rx.flex(
                rx.text(tr("Notifications"), size="2", weight="medium"),
                rx.spacer(),
                rx.cond(
                    unread > 0,
                    rx.button(
                        tr("Mark all read"),
                        variant="ghost",
                        size="1",
                        on_click=StaffState.mark_all_notifications_read,
                        class_name="inbox-read-all",
                    ),
                ),
                align="center",
                padding="2px 4px 8px",
            ),
            rx.cond(
                StaffState.inbox_items.length() > 0,  # type: ignore[attr-defined]
                rx.flex(rx.foreach(StaffState.inbox_items, _inbox_item), direction="column", gap="2px"),
                rx.text(
                    tr("Nothing new. When a teammate @mentions you in a note, it shows here."),
                    size="2",
                    color_scheme="gray",
                    padding="4px",
                ),
            ),
            width="320px",
            max_width="calc(100vw - 24px)",
            padding="10px",
            align="end",
        ),
    )


def user_menu(show_role: bool = True) -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                avatar(SessionState.user_initials, size="1"),
                rx.text(
                    SessionState.user_name,
                    size="2",
                    weight="medium",
                    display=["none", "inline", "inline"],
                    class_name="user-name",
                    max_width="180px",
                    overflow="hidden",
                    text_overflow="ellipsis",
                    white_space="nowrap",
                ),
                rx.icon("chevron-down", size=14),
                variant="ghost",
                color_scheme="gray",
                size="2",
                aria_label=tr("Account menu"),
                class_name="user-menu",
            ),
        ),
        rx.menu.content(
            rx.flex(
                rx.text(SessionState.user_name, size="2", weight="medium"),
                rx.text(SessionState.user_email, size="1", color_scheme="gray"),
                rx.text(SessionState.user_role_label, size="1", color_scheme="gray") if show_role else rx.fragment(),
                direction="column",
                padding="6px 8px",
                spacing="1",
            ),
            rx.menu.separator(),
            rx.menu.item(
                rx.icon("monitor-smartphone", size=14),
                tr("Your sessions"),
                on_select=rx.redirect(routes.ACCOUNT_SESSIONS),
                class_name="sessions-link",
            ),
            rx.menu.item(
                rx.color_mode_cond(
                    light=rx.flex(rx.icon("moon", size=14), tr("Dark theme"), align="center", spacing="2"),
                    dark=rx.flex(rx.icon("sun", size=14), tr("Light theme"), align="center", spacing="2"),
                ),
                on_select=rx.toggle_color_mode,
            ),
            rx.menu.item(
                rx.icon("shield-check", size=14),
                tr("Account security"),
                on_select=rx.redirect(routes.ACCOUNT_SECURITY),
                class_name="account-security",
            ),
            rx.menu.item(
                rx.icon("log-out", size=14), tr("Sign out"), on_select=SessionState.logout, class_name="logout"
            ),
            align="end",
            min_width="200px",
        ),
    )


def _menu_item(label: Any, icon: Any, href: Any, active: rx.Var, count: rx.Var | None = None) -> rx.Component:
    return rx.menu.item(
        rx.flex(
            _icon(icon, 14),
            rx.text(text_of(label), flex="1"),
            rx.text(count, size="1", color_scheme="gray", class_name="menu-count")
            if count is not None
            else rx.fragment(),
            align="center",
            spacing="2",
            width="100%",
        ),
        on_select=rx.redirect(href),
        background=rx.cond(active, "var(--accent-4)", "transparent"),
        color=rx.cond(active, "var(--accent-12)", "inherit"),
        font_weight=rx.cond(active, "500", "400"),
        custom_attrs={"aria-current": rx.cond(active, "page", "false")},
        class_name="mobile-nav-item",
    )


def _mobile_nav() -> rx.Component:
    return rx.box(
        rx.menu.root(
            rx.menu.trigger(
                rx.icon_button(
                    rx.icon("menu", size=18), variant="ghost", color_scheme="gray", aria_label=tr("Open navigation")
                )
            ),
            rx.menu.content(
                rx.text(tr("Views"), size="1", weight="medium", color_scheme="gray", padding="4px 8px"),
                rx.foreach(StaffState.sidebar_views, _view_menu_item),
                rx.menu.separator(),
                _menu_item("Knowledge base", "book-open", routes.AGENT_KB, _on_kb()),
                _menu_item("Macros", "zap", routes.AGENT_MACROS, _on_macros()),
                _menu_item("My stats", "chart-column", routes.AGENT_STATS, _on_stats()),
                rx.cond(
                    ~SessionState.is_admin & StaffState.leads_a_team,
                    _menu_item("Dashboards", "chart-no-axes-combined", routes.ADMIN_DASHBOARDS, _on_dashboards()),
                ),
                rx.cond(
                    SessionState.is_admin,
                    rx.fragment(
                        rx.menu.separator(),
                        rx.text(
                            tr("Administration"), size="1", weight="medium", color_scheme="gray", padding="4px 8px"
                        ),
                        _menu_item("Dashboards", "chart-no-axes-combined", routes.ADMIN_DASHBOARDS, _on_dashboards()),
                        _menu_item("People", "users", routes.ADMIN_USERS, _on_people()),
                        _menu_item("Teams", "users-round", routes.ADMIN_TEAMS, _on_teams()),
                        _menu_item("Routing", "route", routes.ADMIN_ROUTING, _on_routing()),
                        _menu_item("Single sign-on", "shield-check", routes.ADMIN_SSO, _on_sso()),
                        _menu_item("API keys", "key-round", routes.ADMIN_API_KEYS, _on_keys()),
                        _menu_item("Webhooks", "webhook", routes.ADMIN_WEBHOOKS, _on_webhooks()),
                        _menu_item("E-mail", "mail", routes.ADMIN_MAILBOXES, _on_mailboxes()),
                        _menu_item("AI", "sparkles", routes.ADMIN_AI, _on_ai()),
                        _menu_item("Desk settings", "sliders-horizontal", routes.ADMIN_SETTINGS, _on_settings()),
                        _menu_item("Audit log", "scroll-text", routes.ADMIN_AUDIT, _on_audit()),
                    ),
                ),
                align="start",
                min_width="220px",
            ),
        ),
        display=MOBILE,
    )


def agent_shell(*children: rx.Component, title=None, actions: rx.Component | None = None) -> rx.Component:
    """Sidebar on the left, a top bar with the page title and the account menu, content below."""
    top_bar = rx.flex(
        _mobile_nav(),
        rx.box(
            title
            if isinstance(title, rx.Component)
            else rx.heading(
                title,
                size="3",
                weight="medium",
                overflow="hidden",
                text_overflow="ellipsis",
                # Phones: a long title ("Ungelöst (geändert)") takes two lines rather than losing its end.
                white_space=["normal", "normal", "nowrap"],
                line_height=["1.15", "1.15", "inherit"],
                display=["-webkit-box", "-webkit-box", "block"],
                style={"-webkit-line-clamp": "2", "-webkit-box-orient": "vertical"},
            ),
            min_width="0",
            font_size="var(--font-size-3)",
            class_name="page-title",
        )
        if title is not None
        else rx.box(rx.link(brand("2"), href=routes.AGENT_QUEUE, underline="none", color="inherit"), display=MOBILE),
        rx.spacer(),
        actions or rx.fragment(),
        inbox_bell(),
        availability_switch(),
        language_switch(),
        user_menu(),
        align="center",
        spacing="3",
        height="52px",
        padding="0 16px",
        border_bottom="1px solid var(--gray-5)",
        background="var(--color-panel-solid)",
        position="sticky",
        top="0",
        z_index="10",
    )
    return rx.box(
        _sidebar(),
        rx.box(
            top_bar,
            rx.box(*children, padding=["12px", "16px", "20px 24px"], class_name="page-content"),
            margin_left=["0", "0", SIDEBAR_WIDTH],
            min_height="100vh",
        ),
        background="var(--color-background)",
    )


# ---- customer portal --------------------------------------------------------------------------------


def portal_shell(*children: rx.Component) -> rx.Component:
    header = rx.box(
        rx.flex(
            rx.link(
                brand("3", SessionState.company_name),
                href=routes.PORTAL,
                underline="none",
                color="inherit",
                min_width="0",
            ),
            rx.spacer(),
            rx.link(
                rx.icon("book-open", size=16, display=["inline", "none", "none"]),
                rx.text(
                    tr("Help centre"),
                    size="2",
                    weight="medium",
                    white_space="nowrap",
                    display=["none", "inline", "inline"],
                ),
                href=routes.HELP,
                display="inline-flex",
                align_items="center",
                color_scheme="gray",
                underline="none",
                aria_label=tr("Help centre"),
                class_name="help-centre-link",
                flex_shrink="0",
            ),
            rx.cond(
                SessionState.signed_in,
                rx.fragment(
                    rx.link(
                        rx.icon("message-circle", size=16, display=["inline", "none", "none"]),
                        rx.text(
                            tr("Ask us"),
                            size="2",
                            weight="medium",
                            white_space="nowrap",
                            display=["none", "inline", "inline"],
                        ),
                        href=routes.PORTAL_CHAT,
                        display="inline-flex",
                        align_items="center",
                        color_scheme="gray",
                        underline="none",
                        aria_label=tr("Ask us"),
                        class_name="chat-link",
                        flex_shrink="0",
                    ),
                    rx.link(
                        rx.text(tr("My requests"), size="2", weight="medium", white_space="nowrap"),
                        href=routes.PORTAL,
                        color_scheme="gray",
                        underline="none",
                        display=["none", "inline", "inline"],
                    ),
                    rx.link(
                        rx.button(
                            rx.icon("plus", size=14),
                            rx.text(tr("New request"), as_="span", display=["none", "inline", "inline"]),
                            size="2",
                            aria_label=tr("New request"),
                            white_space="nowrap",
                        ),
                        href=routes.PORTAL_NEW,
                        underline="none",
                        class_name="new-request",
                        flex_shrink="0",
                    ),
                ),
            ),
            language_switch(),
            rx.cond(
                SessionState.signed_in,
                user_menu(show_role=False),
                rx.link(
                    rx.button(tr("Sign in"), size="2", variant="soft", white_space="nowrap"),
                    href=routes.LOGIN,
                    class_name="sign-in",
                    flex_shrink="0",
                ),
            ),
            align="center",
            spacing="3",
            height="56px",
            max_width="880px",
            margin="0 auto",
            padding="0 16px",
        ),
        border_bottom="1px solid var(--gray-5)",
        background="var(--color-panel-solid)",
        position="sticky",
        top="0",
        z_index="10",
    )
    return rx.box(
        header,
        rx.box(
            *children,
            max_width="880px",
            margin="0 auto",
            padding=["16px 12px 48px", "24px 16px 48px", "32px 16px 64px"],
        ),
        min_height="100vh",
        background="var(--gray-2)",
    )
