"""Translated text in components and pages, which are compiled once into the frontend.

`tr("Queue")` is a Var reading the tab's catalog (`SessionState.ui_text`), falling back to the English msgid, so
the language switch re-renders every text at once. Placeholders take plain values or Vars:
`tr("Ticket #{number}", number=TicketState.number)`. `tr_n` picks a plural form in the browser.
Python that runs per event (states, services) uses `autocrm.core.i18n.t()` instead.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.vars.base import VarData

from autocrm.core import i18n
from autocrm.state.session import SessionState

# The class attributes are Vars at compile time (mypy sees the instance types).
_UI_TEXT: Any = SessionState.ui_text
_UI_PLURALS: Any = SessionState.ui_plurals
_SET_LANGUAGE: Any = SessionState.set_language


def _fill(text: Any, params: dict[str, Any]) -> Any:
    for name, value in params.items():
        text = text.replace("{" + name + "}", value.to(str) if isinstance(value, rx.Var) else str(value))
    return text


def tr(msgid: Any, /, **params: Any) -> Any:
    """`msgid` in the tab's language (a str Var), `{name}` placeholders filled from `params`. A Var msgid (a
    label a state holds, a desk's status name) is looked up in the browser: what the catalog lacks shows as is."""
    if isinstance(msgid, rx.Var):
        msgid = msgid.to(str)
    text = _UI_TEXT.get(msgid, msgid).to(str)
    return _fill(text, params)


def tr_n(singular: str, plural: str, n: Any, /, **params: Any) -> Any:
    """The plural form for `n` (an int Var). Every supported language has two forms: French takes the singular
    for 0 and 1, the others for 1 only (the .po files' Plural-Forms say the same)."""
    forms = _UI_PLURALS.get(singular, [singular, plural]).to(list[str])
    uses_singular = rx.cond(SessionState.locale == "fr", n <= 1, n == 1)
    text = rx.cond(uses_singular, forms[0], forms[1]).to(str)
    return _fill(text, {"n": n, **params})


def text_of(value: Any) -> Any:
    """A component helper's label: a plain str is a msgid (translated here), a Var or component stays as given.
    Helpers that do this are listed as extraction keywords in `core/i18n_tools.py`, so their literal labels need
    no marking."""
    return tr(value) if isinstance(value, str) else value


class _DocumentLanguage(rx.Fragment):
    """Keeps `<html lang>` on the tab's language from the first hydration on (the document root is compiled
    once, with the desk's default, and cannot read state): screen readers, spell-checkers and the browser's
    own translate offer read it."""

    def add_hooks(self) -> list[str | rx.Var]:
        locale: Any = SessionState.locale  # a Var at compile time
        return [
            rx.Var(
                _js_expr=(
                    f"useEffect(() => {{ if ({locale!s}) {{ document.documentElement.lang = {locale!s}; }} }}, "
                    f"[{locale!s}])"
                ),
                _var_data=VarData.merge(locale._get_all_var_data(), VarData(imports={"react": ["useEffect"]})),
            )
        ]


def document_language() -> rx.Component:
    return _DocumentLanguage.create()


def language_names() -> list[tuple[str, str]]:
    """(locale, the language named in itself) for the language switch."""
    return [(locale, i18n.LOCALE_NAMES[locale]) for locale in i18n.SUPPORTED_LOCALES]


def language_switch() -> rx.Component:
    """The language menu of the top bar and the portal header: applies at once, saved on the profile."""
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.icon("languages", size=15),
                rx.text(SessionState.language_name, as_="span", display=["none", "none", "inline"]),
                variant="ghost",
                color_scheme="gray",
                size="2",
                aria_label=tr("Language"),
                class_name="language-switch",
                white_space="nowrap",
            ),
        ),
        rx.menu.content(
            *(
                rx.menu.item(
                    rx.flex(
                        rx.text(name, flex="1"),
                        rx.cond(SessionState.locale == locale, rx.icon("check", size=14), rx.fragment()),
                        align="center",
                        spacing="3",
                        width="100%",
                    ),
                    on_select=_SET_LANGUAGE(locale),
                    custom_attrs={"lang": locale},
                    class_name=f"language-{locale}",
                )
                for locale, name in language_names()
            ),
            align="end",
            min_width="160px",
        ),
    )
