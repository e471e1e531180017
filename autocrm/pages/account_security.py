"""Account security: two-step verification (set up, recovery codes, remembered devices, turn off) and, for
admins, which roles the desk requires it of."""

from __future__ import annotations

import reflex as rx

from autocrm import routes
from autocrm.components.forms import field, form_callout, invalid, skeleton_rows
from autocrm.components.i18n import tr, tr_n
from autocrm.components.layout import agent_shell, portal_shell
from autocrm.components.panel import panel
from autocrm.core.i18n import N_
from autocrm.pages.registry import page
from autocrm.state.account_security import AccountSecurityState as S

_hydrated = rx.State.is_hydrated


def _code_input(input_id: str, errors, *, recovery: bool = False) -> rx.Component:
    return rx.input(
        aria_label=tr("Code from the app or a recovery code") if recovery else tr("Code from the app"),
        name="code",
        id=input_id,
        size="3",
        width="100%",
        max_width="240px",
        auto_complete="one-time-code",
        input_mode="text" if recovery else "numeric",
        placeholder="123456" if not recovery else tr("123456 or a recovery code"),
        aria_invalid=invalid(errors, "code"),
    )


def _status_badge() -> rx.Component:
    return rx.cond(
        S.enabled,
        rx.badge(rx.icon("shield-check", size=12), tr("On"), color_scheme="green", size="2", class_name="mfa-status"),
        rx.badge(tr("Off"), color_scheme="gray", size="2", class_name="mfa-status"),
    )


def _section_title(title: str, *extra: rx.Component) -> rx.Component:
    return rx.flex(rx.heading(title, size="4", weight="medium"), *extra, align="center", spacing="3", wrap="wrap")


def _off() -> rx.Component:
    return rx.flex(
        rx.text(
            tr(
                "Each sign-in then asks for a 6-digit code from an authenticator app on your phone "
                "(such as Google Authenticator, Microsoft Authenticator, 1Password or Aegis), as well as your password."
            ),
            size="2",
            color_scheme="gray",
        ),
        rx.box(
            rx.button(
                rx.icon("smartphone", size=16),
                tr("Set up two-step verification"),
                on_click=S.start,
                size="3",
                disabled=~_hydrated,
                class_name="mfa-start",
            )
        ),
        direction="column",
        spacing="4",
    )


def _step(number: str, title: str, *children: rx.Component) -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.text(number, size="1", weight="bold", color="var(--accent-11)"),
            align="center",
            justify="center",
            width="24px",
            height="24px",
            border_radius="50%",
            background="var(--accent-3)",
            flex_shrink="0",
        ),
        rx.flex(rx.text(title, size="2", weight="medium"), *children, direction="column", spacing="3", min_width="0"),
        spacing="3",
        align="start",
    )


def _enrolling() -> rx.Component:
    return rx.flex(
        _step(
            "1",
            tr("Scan this QR code with your authenticator app"),
            rx.flex(
                rx.box(
                    rx.html(S.qr_svg),
                    padding="8px",
                    background="white",
                    border="1px solid var(--gray-5)",
                    border_radius="var(--radius-3)",
                    line_height="0",
                    width="fit-content",
                    class_name="mfa-qr",
                    custom_attrs={"role": "img", "aria-label": "QR code for your authenticator app"},
                ),
                rx.flex(
                    rx.text(tr("Can't scan it? Enter this key in the app instead:"), size="2", color_scheme="gray"),
                    rx.code(
                        S.secret_grouped,
                        size="3",
                        variant="soft",
                        white_space="normal",
                        class_name="mfa-secret",
                    ),
                    rx.text(tr("Type: time-based, 6 digits, every 30 seconds."), size="1", color_scheme="gray"),
                    direction="column",
                    spacing="2",
                    min_width="0",
                    max_width="320px",
                ),
                spacing="4",
                wrap="wrap",
                align="start",
            ),
        ),
        _step(
            "2",
            tr("Enter the 6-digit code the app shows"),
            rx.form(
                rx.flex(
                    field(
                        tr("Code from the app"),
                        _code_input("enrol-code", S.errors),
                        error=S.errors.get("code", ""),
                        html_for="enrol-code",
                    ),
                    rx.flex(
                        rx.button(
                            tr("Turn on"), type="submit", size="3", disabled=~_hydrated, class_name="mfa-confirm"
                        ),
                        rx.button(
                            tr("Cancel"),
                            type="button",
                            size="3",
                            variant="soft",
                            color_scheme="gray",
                            on_click=S.cancel,
                        ),
                        spacing="3",
                    ),
                    direction="column",
                    spacing="3",
                ),
                on_submit=S.confirm,
                reset_on_submit=False,
                id="mfa-enrol-form",
            ),
        ),
        form_callout(S.form_error),
        direction="column",
        spacing="5",
    )


def _recovery_codes() -> rx.Component:
    return panel(
        rx.flex(
            _section_title(tr("Your recovery codes")),
            rx.callout(
                tr(
                    "Save these codes somewhere safe now: they are shown only this once. If you lose your phone, "
                    "each code signs you in one time instead of a code from the app."
                ),
                icon="triangle-alert",
                color_scheme="amber",
                size="1",
            ),
            rx.grid(
                rx.foreach(
                    S.recovery_codes,
                    lambda code: rx.code(code, size="3", variant="ghost", class_name="recovery-code"),
                ),
                columns=rx.breakpoints(initial="2", sm="2"),
                spacing_x="6",
                spacing_y="2",
                padding="16px",
                border="1px dashed var(--gray-7)",
                border_radius="var(--radius-3)",
                width="fit-content",
                class_name="recovery-codes",
            ),
            rx.flex(
                rx.button(
                    rx.icon("copy", size=14),
                    tr("Copy codes"),
                    variant="soft",
                    size="2",
                    on_click=[rx.set_clipboard(S.recovery_codes_text), rx.toast.success(tr("Codes copied."))],
                ),
                rx.button(tr("I have saved them"), size="2", on_click=S.saved_codes, class_name="codes-saved"),
                spacing="3",
                wrap="wrap",
            ),
            direction="column",
            spacing="4",
        ),
        padding=["16px", "24px"],
        border_color="var(--amber-7)",
    )


def _code_form(
    title: str, text: str, input_id: str, errors, message, on_submit, button: rx.Component, *, recovery: bool
):
    return rx.form(
        rx.flex(
            rx.text(title, size="2", weight="medium"),
            rx.text(text, size="2", color_scheme="gray"),
            rx.flex(
                _code_input(input_id, errors, recovery=recovery),
                button,
                spacing="3",
                wrap="wrap",
                align="center",
            ),
            rx.cond(
                errors.get("code", ""),
                rx.text(errors.get("code", ""), size="2", color_scheme="red", class_name="field-error"),
            ),
            form_callout(message),
            direction="column",
            spacing="2",
        ),
        on_submit=on_submit,
        reset_on_submit=True,
        id=input_id + "-form",
    )


def _on() -> rx.Component:
    return rx.flex(
        rx.text(
            tr(
                "Each sign-in asks for a code from your authenticator app, except on devices you chose to remember "
                "for 30 days."
            ),
            size="2",
            color_scheme="gray",
        ),
        rx.flex(
            rx.icon("key-round", size=16, color="var(--gray-11)"),
            rx.text(
                tr_n("{n} recovery code left", "{n} recovery codes left", S.recovery_codes_left),
                size="2",
                class_name="codes-left",
            ),
            align="center",
            spacing="2",
        ),
        rx.separator(size="4"),
        _code_form(
            tr("New recovery codes"),
            tr("Enter a code from the app to make ten new codes; the old ones stop working."),
            "renew-code",
            S.renew_errors,
            S.renew_error,
            S.renew,
            rx.button(tr("Make new codes"), type="submit", size="3", variant="soft", disabled=~_hydrated),
            recovery=False,
        ),
        rx.separator(size="4"),
        rx.flex(
            rx.text(tr("Remembered devices"), size="2", weight="medium"),
            rx.text(tr("Make every device you chose to remember ask for a code again."), size="2", color_scheme="gray"),
            rx.box(
                rx.button(
                    tr("Forget remembered devices"),
                    size="2",
                    variant="soft",
                    color_scheme="gray",
                    on_click=S.forget_devices,
                    class_name="forget-devices",
                )
            ),
            direction="column",
            spacing="2",
        ),
        rx.separator(size="4"),
        _code_form(
            tr("Turn off two-step verification"),
            tr("Enter a code from the app or a recovery code. Your recovery codes and remembered devices go with it."),
            "disable-code",
            S.disable_errors,
            S.disable_error,
            S.disable,
            rx.button(tr("Turn off"), type="submit", size="3", color_scheme="red", variant="soft", disabled=~_hydrated),
            recovery=True,
        ),
        direction="column",
        spacing="4",
    )


def _policy() -> rx.Component:
    def switch(role: str, label: str, checked) -> rx.Component:
        return rx.el.label(
            rx.flex(
                rx.switch(
                    checked=checked,
                    on_change=lambda value: S.set_required(role, value),  # type: ignore[operator]  # Reflex's event typing, see pages/admin.py
                    class_name=f"require-{role}",
                ),
                rx.text(label, size="2"),
                align="center",
                spacing="3",
            )
        )

    return panel(
        rx.flex(
            _section_title(tr("Desk policy")),
            rx.text(
                tr(
                    "Require two-step verification of every user of a role. Those who have not set it up are taken to "
                    "this page right after their password and can use nothing else until they have."
                ),
                size="2",
                color_scheme="gray",
            ),
            switch("admin", tr("Require for admins"), S.require_admins),
            switch("agent", tr("Require for agents"), S.require_agents),
            direction="column",
            spacing="3",
        ),
        padding=["16px", "24px"],
        class_name="mfa-policy",
    )


def _content() -> rx.Component:
    return rx.flex(
        rx.cond(
            S.required & ~S.enabled,
            rx.callout(S.required_notice, icon="shield-alert", color_scheme="amber", class_name="mfa-required"),
        ),
        rx.cond(S.showing_recovery_codes, _recovery_codes()),
        panel(
            rx.flex(
                _section_title(tr("Two-step verification"), _status_badge()),
                rx.cond(
                    ~S.loaded,
                    skeleton_rows(2),
                    rx.cond(S.enabled, _on(), rx.cond(S.enrolling, _enrolling(), _off())),
                ),
                direction="column",
                spacing="4",
            ),
            padding=["16px", "24px"],
        ),
        rx.cond(S.is_admin, _policy()),
        direction="column",
        spacing="4",
        max_width="720px",
        width="100%",
    )


@page(route=routes.ACCOUNT_SECURITY, title=N_("Account security · AutoCRM"), on_load=S.load)
def account_security() -> rx.Component:
    return rx.cond(
        S.user_role == "customer",
        portal_shell(rx.heading(tr("Account security"), size="6", margin_bottom="16px"), _content()),
        agent_shell(_content(), title=tr("Account security")),
    )
