"""The texts of the queue, the e-mail channel, the knowledge base and the API keys page in the reader's
language: services' errors, a state's confirmation, pydantic's messages, scope hints, the demo's articles."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field, ValidationError
from sqlmodel import select

from autocrm.core import i18n
from autocrm.core.db import read_session, write_session
from autocrm.core.i18n import using_locale
from autocrm.core.validation_text import validation_message
from autocrm.models import KbArticle, Role
from autocrm.services import bulk, views
from autocrm.services.actor import Actor
from autocrm.services.email.parse import UnusableMail, parse_mail
from autocrm.services.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from autocrm.services.kb import articles
from autocrm.state.api_keys import SCOPE_HINTS
from autocrm.state.queue import BULK_FIELDS, QueueState
from autocrm.state.webhooks import EVENT_HINTS
from tests.factories import make_ticket, make_user
from tests.state.test_states import _signed_in


@pytest.fixture(autouse=True)
def no_locale_chosen():
    with using_locale(None):
        yield


def _refusal(change) -> DomainError:
    with pytest.raises(DomainError) as caught, write_session() as session:
        change(session)
    return caught.value


def test_the_views_and_bulk_services_refuse_in_the_readers_language(people):
    agent = Actor.for_user(people.make(Role.agent))
    with using_locale("de"):
        refused = _refusal(lambda s: views.get_view(s, actor=agent, view_id=999_999))
    assert isinstance(refused, NotFound) and refused.message == "Es gibt keine Ansicht #999999, die Sie sehen können."
    with using_locale("fr"):
        shared = views.ViewCreate(name="Pour tous", visibility="everyone")
        refused = _refusal(lambda s: views.create_view(s, actor=agent, data=shared))
    assert isinstance(refused, PermissionDenied)
    assert (
        refused.message
        == "Seuls les administrateurs peuvent partager des vues ; les agents gardent des vues personnelles."
    )

    with using_locale("es"):
        both = bulk.BulkRequest(ids=[1], changes=bulk.BulkChanges(add_tags=["vip"], remove_tags=["vip"]))
        refused = _refusal(lambda s: bulk.bulk_update(s, actor=agent, request=both))
    assert isinstance(refused, ValidationFailed)
    assert refused.details == {"changes": "Una etiqueta no puede añadirse y quitarse a la vez."} or refused.message == (
        "Una etiqueta no puede añadirse y quitarse a la vez."
    )


def test_a_background_bulk_jobs_failures_are_in_the_askers_language(people):
    """The job runner has no reader of its own: what it lists is read later by whoever asked for the change."""
    agent = people.make(Role.agent)
    with write_session() as s:
        from autocrm.services import users

        users.set_own_preferences(s, actor=Actor.for_user(agent), locale="de")
    ticket = make_ticket(by=agent, requester=make_user(Role.customer))
    from autocrm.models import BulkJob

    with write_session() as s:
        job = BulkJob(requested_by_id=agent.id, ticket_ids=[ticket.id, 999_999], changes={"priority": "high"}, total=2)
        s.add(job)
        s.flush()
        bulk.run_chunk(s, _event(job.id))
        failed = list(job.failed)
    assert [f["id"] for f in failed] == [999_999]
    with using_locale("de"):
        assert failed[0]["message"] == i18n.t("Ticket {ticket_id} not found.", ticket_id=999_999)
    assert failed[0]["message"] != "Ticket 999999 not found."
    assert i18n.get_locale() == "en"  # the runner's own locale is left as it was


def _event(job_id: int):
    from datetime import UTC, datetime

    from autocrm.services.events import Event

    return Event(
        id=1,
        type=bulk.REQUESTED,
        actor_label="tests",
        actor_user_id=None,
        actor_role="admin",
        via="system",
        ticket_id=None,
        data={"bulk_job_id": job_id},
        created_at=datetime.now(UTC),
    )


def test_the_queues_bulk_confirmation_speaks_spanish(people):
    agent = people.make(Role.agent)
    opener = make_user(Role.agent)
    made = [make_ticket(by=opener, requester=make_user(Role.customer), subject=f"T{n}") for n in range(2)]
    queue = _signed_in(QueueState, agent, "/agent?view=all")
    queue.chosen_locale = "es"
    queue.load()
    assert queue.locale == "es"
    for ticket in made:
        queue.toggle_select(ticket.id)
    assert queue.selection_label == "2 tickets seleccionados"
    queue.set_bulk_field("priority")
    queue.set_bulk_value("urgent")
    queue.ask_bulk()
    assert queue.pending["title"] == "¿Cambiar 2 tickets?"
    assert queue.pending_words == "Poner la prioridad en Urgente en estos 2 tickets."
    assert queue.pending_label == "Cambiar tickets"
    queue.confirm()
    assert queue.bulk_message == "2 tickets cambiados."
    # The chips of the open filters are words of the reader's language too.
    queue.set_priority("high")
    assert {chip["label"] for chip in queue.chips} >= {"Prioridad: Alta"}
    # The bulk bar's choices are msgids the page translates: every one has its Spanish.
    with using_locale("es"):
        assert all(i18n.t(label) != label for _, label in BULK_FIELDS)


def test_the_knowledge_base_refuses_in_the_readers_language(people):
    customer = Actor.for_user(people.make(Role.customer))
    with using_locale("fr"):
        refused = _refusal(lambda s: articles.get_article(s, actor=customer, article_id=999_999))
    assert refused.message == "Cet article n’existe pas."
    with using_locale("de"):
        refused = _refusal(
            lambda s: articles.create_article(s, actor=customer, data=articles.ArticleCreate(title="Hallo"))
        )
    assert refused.message == "Nur Admins und Redakteure der Wissensdatenbank dürfen Artikel schreiben."


def test_an_unusable_mail_says_why_in_the_desks_language():
    with using_locale("de"), pytest.raises(UnusableMail) as caught:
        parse_mail(b"   ")
    assert str(caught.value) == "Die Nachricht ist leer."
    with using_locale("es"):
        mail = parse_mail(b"From: robot@example.com\r\nAuto-Submitted: auto-replied\r\nSubject: Out\r\n\r\nAway")
    assert mail.noise == "correo enviado automáticamente (auto-replied)"


class _Shape(BaseModel):
    name: str = Field(max_length=5)
    count: int = Field(ge=1)


def test_pydantics_messages_are_the_desks_sentences_in_each_language():
    with pytest.raises(ValidationError) as caught:
        _Shape.model_validate({"name": "abcdefgh", "count": 0})
    too_long, too_small = caught.value.errors()
    assert validation_message(too_long) == "Keep this under 5 characters."
    with using_locale("de"):
        assert validation_message(too_long) == "Höchstens 5 Zeichen."
        assert validation_message(too_small) == "Geben Sie eine Zahl von mindestens 1 ein."
    with using_locale("fr"):
        assert validation_message(too_small, with_field=True) == "count : Saisissez un nombre d’au moins 1."
    with pytest.raises(ValidationError) as caught:
        _Shape.model_validate({"count": "many"})
    missing, not_a_number = caught.value.errors()
    with using_locale("es"):
        assert validation_message(missing) == "Este campo es obligatorio."
        assert validation_message(not_a_number) == "Introduce un número entero."
    # A type without a sentence of ours keeps pydantic's own words rather than nothing.
    assert validation_message({"type": "some_new_type", "msg": "Something odd"}) == "Something odd"


def test_every_scope_hint_and_webhook_event_hint_has_its_translations():
    for locale in ("es", "de", "fr"):
        with using_locale(locale):
            untranslated = [hint for hint in [*SCOPE_HINTS.values(), *EVENT_HINTS.values()] if i18n.t(hint) == hint]
        assert untranslated == [], locale
    with using_locale("de"):
        assert i18n.t(SCOPE_HINTS["tickets:read"]) == "Tickets, ihre Unterhaltungen und ihren Verlauf lesen"


def test_the_page_titles_are_msgids_with_translations():
    from autocrm.pages import PAGES

    titles = [str(options["title"]) for _render, options in PAGES]
    assert all("ui_text" in title for title in titles if "AutoCRM" in title and title != "AutoCRM")
    from autocrm.pages.registry import TITLES

    for locale in ("es", "de", "fr"):
        missing = [title for title in TITLES if title != "AutoCRM" and title not in i18n.catalog(locale)]
        assert missing == [], locale
    with using_locale("fr"):
        assert i18n.t("Queue · AutoCRM") == "File · AutoCRM"
        assert i18n.t("My requests · {company}", company="Acme") == "Mes demandes · Acme"


def test_the_demo_desk_has_its_articles_in_four_languages_linked_as_translations(people):
    from autocrm.services import seed

    with write_session() as s:
        summary = seed.seed_demo(s, tickets=3)
    assert summary.articles == 12
    with read_session() as s:
        rows = s.exec(select(KbArticle.group_id, KbArticle.locale, KbArticle.status)).all()
    groups: dict[int, set[str]] = {}
    for group_id, locale, status in rows:
        assert status == "published"
        groups.setdefault(group_id, set()).add(locale)
    assert list(groups.values()) == [{"en", "es", "de", "fr"}] * 3
    customer = Actor.for_user(make_user(Role.customer))
    with read_session() as s:
        spanish = articles.list_articles(s, actor=customer, locale="es")
        german = articles.get_article(s, actor=customer, article_id=spanish[0].id, locale="de")
    assert [a.locale for a in spanish] == ["es"] * 3
    assert german.locale == "de" and {t.locale for t in german.translations} >= {"en", "es", "fr"}
