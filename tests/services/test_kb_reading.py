"""The help centre's reads: customer shapes only, the fallback to the default language, addresses by id and
slug, views counted. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from autocrm.core.db import read_session, write_session
from autocrm.models import Role
from autocrm.services import kb
from autocrm.services.actor import Actor
from autocrm.services.errors import NotFound, PermissionDenied
from autocrm.services.kb import ArticleCreate, CategoryCreate, reading

SYSTEM = Actor.system("test")


def _write(**fields):
    with write_session() as s:
        return kb.create_article(s, actor=SYSTEM, data=ArticleCreate(status="published", **fields))


def test_customers_get_help_centre_shapes_with_a_language_fallback(db_url, people):
    customer = Actor.for_user(people.make(Role.customer))
    agent = Actor.for_user(people.make(Role.agent))
    with write_session() as s:
        billing = kb.create_category(s, actor=SYSTEM, data=CategoryCreate(name="Billing"))
        hours = kb.create_category(s, actor=SYSTEM, data=CategoryCreate(name="Hours", parent_id=billing.id))
    english = _write(title="Opening hours", body="<p>From 9 to 5.</p>", category_id=hours.id)
    spanish = _write(title="Horario", body="<p>De 9 a 5.</p>", locale="es", translation_of=english.id)
    internal = _write(title="Night shift", body="<p>Staff only.</p>", visibility="internal", category_id=billing.id)
    assert english.url == f"/help/articles/{english.id}-opening-hours"
    assert internal.url == f"/agent/kb/articles/{internal.id}-night-shift"
    with read_session() as s:
        shown = reading.help_article(s, actor=customer, ref=f"{english.id}-an-old-slug", locale="es")
        german = reading.help_article(s, actor=customer, ref=str(english.id), locale="de")
        top, nested = reading.help_categories(s, actor=customer)
        cards = reading.help_articles(s, actor=customer, locale="es", category_id=hours.id)
        opened = reading.help_category(s, actor=customer, slug="hours")
        for ref in (f"{internal.id}-night-shift", "nothing", ""):
            with pytest.raises(NotFound):
                reading.help_article(s, actor=customer, ref=ref, locale="en")
        with pytest.raises(PermissionDenied):
            reading.staff_article(s, actor=customer, ref=str(internal.id), locale="en")
        staff = reading.staff_article(s, actor=agent, ref=str(internal.id), locale="en")
    assert (shown.id, shown.title, shown.fallback) == (spanish.id, "Horario", False)
    assert (german.id, german.locale, german.fallback) == (english.id, "en", True)
    assert set(reading.HelpArticle.model_fields) == {
        "id", "title", "body_html", "locale", "fallback", "updated_at", "category", "url", "kind", "steps",
    }  # fmt: skip
    assert set(reading.StepPublic.model_fields) == {"title", "body_html", "media"}
    # A category counts the articles under it too; the internal one is not counted for customers.
    assert [(c.name, c.articles) for c in (top, nested)] == [("Billing", 1), ("Hours", 1)]
    assert [link.name for link in opened.trail] == ["Billing"] and shown.category.trail[
        0
    ].url == "/help/categories/billing"
    assert [c.title for c in cards] == ["Horario"]
    assert staff.visibility == "internal" and staff.views == 0 and not staff.editor


def test_views_are_counted_for_published_articles_the_reader_may_see(db_url, people):
    customer = Actor.for_user(people.make(Role.customer))
    public = _write(title="Public")
    internal = _write(title="Internal", visibility="internal")
    with write_session() as s:
        reading.record_view(s, actor=customer, article_id=public.id)
        reading.record_view(s, actor=customer, article_id=public.id)
        reading.record_view(s, actor=customer, article_id=internal.id)
    with read_session() as s:
        admin_view = reading.staff_article(s, actor=SYSTEM, ref=str(public.id), locale="en")
        hidden = reading.staff_article(s, actor=SYSTEM, ref=str(internal.id), locale="en")
        seen = kb.get_article(s, actor=customer, article_id=public.id)
    assert (admin_view.views, admin_view.editor, hidden.views) == (2, True, 0)
    assert seen.views == 0  # customers never get the counts


def test_dense_neighbours_are_filtered_after_the_query_and_by_chroma_when_too_few_are_left(db_url, monkeypatch):
    from sqlmodel import select

    from autocrm.events import runner
    from autocrm.models import KbChunk
    from autocrm.services.kb import index

    public = _write(title="Card delivery times", body="<p>Cards arrive by post within five days.</p>")
    internal = _write(
        title="Card delivery by post", body="<p>Cards arrive by post within five days.</p>", visibility="internal"
    )
    runner.run_pending_jobs()
    monkeypatch.setattr(index, "UNFILTERED_FACTOR", 1)  # one neighbour fetched: the internal one comes first
    with read_session() as s:
        chunk_of = {c.article_id: c.id for c in s.exec(select(KbChunk))}
        staff_first = index.nearest(
            s, "card delivery by post", locales=None, visibilities=("public", "internal"), limit=1
        )
        customer_first = index.nearest(s, "card delivery by post", locales=None, visibilities=("public",), limit=1)
        both = index.nearest(s, "card delivery by post", locales=["en"], visibilities=("public", "internal"), limit=5)
    assert staff_first == [chunk_of[internal.id]]
    assert customer_first == [chunk_of[public.id]]  # from Chroma's filtered query
    assert set(both) == {chunk_of[public.id], chunk_of[internal.id]}
