"""The tab's language in Reflex states: negotiated before each event, switched live, read by tr()."""

from __future__ import annotations

import pytest
import reflex as rx
from reflex.istate.data import RouterData

from autocrm.components.i18n import language_names, tr, tr_n
from autocrm.core.i18n import get_locale, t, using_locale
from autocrm.state.queue import QueueState
from tests.factories import run_coroutine


def _state(cls, accept_language: str = ""):
    root = rx.State(_reflex_internal_init=True)
    headers = {"host": "localhost:3000", "origin": "http://localhost:3000"}
    if accept_language:
        headers["accept-language"] = accept_language
    root.router = RouterData.from_router_data({"headers": headers, "asPath": "/"})
    return root.get_substate(cls.get_full_name().split(".")[1:])


def test_each_event_runs_in_the_browsers_language_until_the_tab_chooses_one():
    with using_locale(None):
        queue = _state(QueueState, accept_language="pt-BR,de-AT;q=0.9,en;q=0.5")
        assert queue._apply_locale() == "de"
        assert get_locale() == "de"  # what the handler and the services it calls now use
        assert t("Page not found") == "Seite nicht gefunden"
        assert queue.ui_text["Page not found"] == "Seite nicht gefunden"
        assert queue.range_label == "Keine Tickets"

        run_coroutine(queue.set_language("fr"))
        assert (queue.locale, queue.chosen_locale, queue.language_name) == ("fr", "fr", "Français")
        assert queue.ui_text["Page not found"] == "Page introuvable"
        assert queue.ui_plurals["A ticket takes at most {n} tag."][1] == "Un ticket accepte au plus {n} étiquettes."
        assert queue.range_label == "Aucun ticket"

        run_coroutine(queue.set_language("tlh"))  # not a language we have: nothing changes
        assert queue.locale == "fr"


def test_without_a_header_or_a_choice_the_desks_default_applies():
    with using_locale(None):
        queue = _state(QueueState)
        assert queue._apply_locale() == "en"
        assert queue.ui_text == {}
        assert queue.range_label == "No tickets"


def test_tr_reads_the_tabs_catalog_with_the_english_fallback():
    text = str(tr("Back to the queue"))
    assert "ui_text" in text
    assert "Back to the queue" in text
    counted = str(tr_n("{n} open ticket", "{n} open tickets", QueueState.total))
    assert "ui_plurals" in counted
    filled = str(tr("Hello {name}", name=QueueState.q))
    assert '.replaceAll("{name}", ' in filled
    assert "JSON.stringify" not in filled
    assert language_names() == [("en", "English"), ("es", "Español"), ("de", "Deutsch"), ("fr", "Français")]


def test_a_signed_in_persons_switch_is_saved_and_their_profile_language_applies_in_a_new_tab(db_url):
    from autocrm.core.db import read_session, write_session
    from autocrm.models import Role, User
    from autocrm.services import auth
    from tests.factories import make_user

    agent = make_user(Role.agent)
    with write_session() as session:
        token = auth.start_login_session(session, user=agent)

    def signed_in_tab(accept_language: str):
        queue = _state(QueueState, accept_language=accept_language)
        root = queue.parent_state
        while root.parent_state is not None:
            root = root.parent_state
        headers = dict(root.router.headers.raw_headers) | {"cookie": f"autocrm_session={token}"}
        root.router = RouterData.from_router_data({"headers": headers, "asPath": "/agent"})
        return queue

    with using_locale(None):
        first = signed_in_tab("en-US")
        first._authorize(["agent", "admin"])
        assert first.locale == "en"
        run_coroutine(first.set_language("es"))
        assert first.user["locale"] == "es" and first.range_label == "No hay tickets"
        with read_session() as session:
            assert session.get(User, agent.id).locale == "es"

        # Another device: the browser says German, the profile says Spanish; the profile wins once known.
        second = signed_in_tab("de-DE")
        assert second._apply_locale() == "de"
        second._authorize(["agent", "admin"])
        assert second.locale == "es"
        assert second.ui_text["Unsolved"] == "Sin resolver"


def test_the_page_state_behind_a_path_follows_the_registered_route_patterns():
    import autocrm.pages.agent  # noqa: F401 (registers its pages)
    import autocrm.pages.webhooks  # noqa: F401
    from autocrm.state.session import page_state_for
    from autocrm.state.ticket import AgentTicketState
    from autocrm.state.webhooks import AdminWebhooksState

    assert page_state_for("/admin/webhooks/") is AdminWebhooksState
    assert page_state_for("/agent/tickets/42") is AgentTicketState
    assert page_state_for("/agent/tickets/42/more") is None
    assert page_state_for("/nowhere") is None


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_admin_pages_words_follow_a_language_switch_without_a_reload(db_url):
    """An admin page makes some words while reading its rows ("No description"): the switch reads them again."""
    import autocrm.pages.webhooks  # noqa: F401 (registers the page's state for its route)
    from autocrm.core.db import write_session
    from autocrm.models import Role
    from autocrm.services import auth, webhooks
    from autocrm.services.actor import Actor
    from autocrm.state.webhooks import AdminWebhooksState
    from tests.factories import make_user

    admin = make_user(Role.admin)
    with write_session() as session:
        token = auth.start_login_session(session, user=admin)
        webhooks.create_webhook(
            session,
            actor=Actor.for_user(admin),
            data=webhooks.WebhookCreate(url="https://93.184.215.14/hook", events=["ticket.created"]),
        )
    page = _state(AdminWebhooksState, accept_language="en")
    root = page.parent_state
    while root.parent_state is not None:
        root = root.parent_state
    headers = dict(root.router.headers.raw_headers) | {"cookie": f"autocrm_session={token}"}
    root.router = RouterData.from_router_data(
        {"headers": headers, "asPath": "/admin/webhooks", "pathname": "/admin/webhooks"}
    )
    with using_locale(None):
        page.load()
        assert page.rows[0]["description_text"] == "No description"
        run_coroutine(page.set_language("de"))
        assert page.rows[0]["description_text"] == "Keine Beschreibung"
