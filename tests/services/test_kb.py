"""The knowledge base: who writes and who reads what, versions, translations with their fallback, and search
(keyword at once, dense once the after-commit job ran; edits and deletes followed). SQLite and PostgreSQL, with
the real MiniLM model and an on-disk Chroma."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlmodel import select

from autocrm.core import vectors
from autocrm.core.db import read_session, write_session
from autocrm.core.settings import get_settings
from autocrm.events import runner
from autocrm.models import AuditEntry, KbChunk, KbIndexState, Role
from autocrm.services import kb, users
from autocrm.services.actor import KB_READ, Actor
from autocrm.services.api_keys import api_key_actor
from autocrm.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from autocrm.services.kb import ArticleCreate, ArticleUpdate, CategoryCreate, FeedbackCreate
from autocrm.services.kb.chunking import passages
from tests.factories import make_api_key

RESET = (
    "<p>Forgot it? You can choose a new password from the sign-in page.</p>"
    "<h2>From the mobile app</h2><p>Open Settings, then Security, and tap Change password.</p>"
)
CARD = "<p>Cards are delivered by post within five working days of the order.</p>"


@pytest.fixture
def desk(people):
    admin = people.make(Role.admin, name="Ada")
    editor = people.make(Role.agent, name="Eddie")
    agent = people.make(Role.agent, name="Ann")
    customer = people.make(Role.customer, name="Carl")
    with write_session() as s:
        users.set_kb_editor(s, actor=people.actor(admin), user_id=editor.id, editor=True)

    class Desk:
        pass

    d = Desk()
    d.admin, d.editor, d.agent, d.customer = (people.actor(u) for u in (admin, editor, agent, customer))
    return d


def _write(actor: Actor, **fields):
    with write_session() as s:
        return kb.create_article(s, actor=actor, data=ArticleCreate(**fields))


def _search(actor: Actor, q: str, **kwargs):
    with read_session() as s:
        return kb.search(s, actor=actor, q=q, **kwargs).items


def test_passages_are_cut_at_headings_and_carry_the_title():
    found = passages("Reset your password", RESET)
    assert [p.heading for p in found] == ["Reset your password", "Reset your password › From the mobile app"]
    assert found[1].text == "Open Settings, then Security, and tap Change password."
    long = passages("Long", "<p>" + " ".join(f"w{i}" for i in range(400)) + "</p>")
    assert len(long) == 3 and all(len(p.text.split()) <= 160 for p in long)
    assert long[0].text.split()[-20:] == long[1].text.split()[:20]  # windows overlap
    assert passages("Only a title", "") == [passages("Only a title", "<p></p>")[0]]


def test_only_admins_and_editors_write_and_keys_only_as_far_as_their_creator(desk, people):
    for outsider in (desk.agent, desk.customer):
        with pytest.raises(PermissionDenied):
            _write(outsider, title="Nope")
    assert _write(desk.editor, title="By an editor").status == "draft"
    assert _write(desk.admin, title="By an admin").author_id == desk.admin.user_id
    editor_key = make_api_key(by=None, role=Role.agent)
    with read_session() as s:
        key_actor = api_key_actor(s, editor_key)
    with pytest.raises(PermissionDenied):  # a key made by the command line for no editor
        _write(key_actor, title="By a key")
    read_only = Actor(role=Role.admin, label="key", scopes=frozenset({KB_READ}))
    with pytest.raises(PermissionDenied, match="kb:write"):
        _write(read_only, title="Read-only key")
    with read_session() as s:
        actions = [e.action for e in s.exec(select(AuditEntry).where(AuditEntry.object_type == "kb_article"))]
    assert actions == ["kb_article.created", "kb_article.created"]


def test_customers_read_published_public_articles_only_by_id_list_or_search(desk):
    public = _write(desk.editor, title="Card delivery times", body=CARD, status="published")
    internal = _write(
        desk.editor, title="Card delivery escalations", body=CARD, status="published", visibility="internal"
    )
    draft = _write(desk.editor, title="Card delivery draft", body=CARD)
    runner.run_pending_jobs()
    for mode in ("keyword", "dense", "hybrid"):
        assert [h.article_id for h in _search(desk.customer, "card delivery", mode=mode)] == [public.id]
        assert {h.article_id for h in _search(desk.agent, "card delivery", mode=mode)} == {public.id, internal.id}
    with read_session() as s:
        for hidden in (internal, draft):
            with pytest.raises(NotFound):
                kb.get_article(s, actor=desk.customer, article_id=hidden.id)
        with pytest.raises(NotFound):
            kb.get_article(s, actor=desk.agent, article_id=draft.id)
        assert kb.get_article(s, actor=desk.editor, article_id=draft.id).status == "draft"
        assert [a.id for a in kb.list_articles(s, actor=desk.customer)] == [public.id]
        assert {a.id for a in kb.list_articles(s, actor=desk.editor)} == {public.id, internal.id, draft.id}
        seen = kb.get_article(s, actor=desk.customer, article_id=public.id)
    assert seen.author_id is None and seen.helpful_yes == 0  # staff-only facts stay out of customers' shapes


def test_search_follows_publish_edit_unpublish_and_delete(desk):
    article = _write(desk.editor, title="Reset your password", body=RESET, status="published")
    # The keyword index is written with the article: found before any job ran.
    assert [h.article_id for h in _search(desk.customer, "password", mode="keyword")] == [article.id]
    assert _search(desk.customer, "forgotten login credentials", mode="dense") == []
    runner.run_pending_jobs()
    dense = _search(desk.customer, "I forgot my login credentials", mode="dense")
    assert [h.article_id for h in dense] == [article.id]
    hit = _search(desk.customer, "change password app")[0]
    assert hit.article_id == article.id and "<mark>password</mark>" in hit.snippet.lower()

    with write_session() as s:
        kb.update_article(s, actor=desk.editor, article_id=article.id, data=ArticleUpdate(body=CARD))
    runner.run_pending_jobs()
    assert _search(desk.customer, "mobile security settings", mode="keyword") == []
    assert [h.article_id for h in _search(desk.customer, "posted cards arrive", mode="dense")] == [article.id]

    with write_session() as s:
        kb.update_article(s, actor=desk.editor, article_id=article.id, data=ArticleUpdate(status="archived"))
    runner.run_pending_jobs()
    assert _search(desk.agent, "cards delivered") == []

    with write_session() as s:
        kb.update_article(s, actor=desk.editor, article_id=article.id, data=ArticleUpdate(status="published"))
        kb.delete_article(s, actor=desk.editor, article_id=article.id)
    runner.run_pending_jobs()
    assert _search(desk.agent, "cards delivered") == []
    with read_session() as s:
        assert s.exec(select(KbChunk)).all() == []


def test_every_save_is_a_version_and_a_stale_save_is_refused(desk):
    article = _write(desk.editor, title="Refunds", body="<p>Within 14 days.</p>")
    with write_session() as s:
        kb.update_article(
            s, actor=desk.editor, article_id=article.id, data=ArticleUpdate(body="<p>Within 30 days.</p>")
        )
        same = kb.update_article(s, actor=desk.editor, article_id=article.id, data=ArticleUpdate(title="Refunds"))
        assert same.version == 2  # nothing changed: no new version
        with pytest.raises(Conflict):
            kb.update_article(s, actor=desk.admin, article_id=article.id, data=ArticleUpdate(title="X", base_version=1))
    with read_session() as s:
        versions = kb.list_versions(s, actor=desk.editor, article_id=article.id)
        diff = kb.version_diff(s, actor=desk.editor, article_id=article.id, from_version=1, to_version=2)
        with pytest.raises(PermissionDenied):
            kb.list_versions(s, actor=desk.agent, article_id=article.id)
        with pytest.raises(ValidationFailed):
            kb.version_diff(s, actor=desk.editor, article_id=article.id, from_version=1, to_version=9)
    assert [v.number for v in versions] == [2, 1]
    assert "-Within 14 days." in diff.body and "+Within 30 days." in diff.body


def test_translations_fall_back_to_the_default_locale_and_missing_ones_are_listed(desk):
    english = _write(desk.editor, title="Opening hours", body="<p>We answer from 9 to 5.</p>", status="published")
    other = _write(desk.editor, title="Shipping", body="<p>Worldwide.</p>", status="published")
    spanish = _write(
        desk.editor,
        title="Horario de atención",
        body="<p>Respondemos de 9 a 5.</p>",
        locale="es",
        status="published",
        translation_of=english.id,
    )
    with pytest.raises(Conflict):
        _write(desk.editor, title="Otra", locale="es", translation_of=english.id)
    with read_session() as s:
        assert kb.get_article(s, actor=desk.customer, article_id=english.id, locale="es").id == spanish.id
        assert kb.get_article(s, actor=desk.customer, article_id=other.id, locale="es").id == other.id
        listed = kb.list_articles(s, actor=desk.customer, locale="es")
        missing = kb.missing_translations(s, actor=desk.editor, locale="es")
        german_todo = kb.missing_translations(s, actor=desk.editor, locale="de")
        with pytest.raises(PermissionDenied):
            kb.missing_translations(s, actor=desk.agent, locale="es")
    assert {a.id for a in listed} == {spanish.id, other.id}
    assert [m.source_id for m in missing] == [other.id]
    assert {m.group_id for m in german_todo} == {english.id, other.id}
    with read_session() as s:
        assert [t.locale for t in kb.get_article(s, actor=desk.customer, article_id=english.id).translations] == ["es"]
    runner.run_pending_jobs()
    # A Spanish reader finds the Spanish article; English-only articles answer as the fallback.
    assert _search(desk.customer, "horario", locale="es")[0].article_id == spanish.id
    assert _search(desk.customer, "shipping worldwide", locale="es")[0].article_id == other.id
    # An English reader does not see Spanish text, unless asked across languages: then the group answers in
    # the reader's language.
    assert spanish.id not in [h.article_id for h in _search(desk.customer, "respondemos")]
    crossed = _search(desk.customer, "respondemos", cross_locale=True)
    assert crossed[0].article_id == english.id and spanish.id not in [h.article_id for h in crossed]


def test_feedback_and_categories(desk):
    with write_session() as s:
        parent = kb.create_category(s, actor=desk.editor, data=CategoryCreate(name="Billing"))
        child = kb.create_category(s, actor=desk.editor, data=CategoryCreate(name="Billing", parent_id=parent.id))
        with pytest.raises(PermissionDenied):
            kb.create_category(s, actor=desk.agent, data=CategoryCreate(name="Mine"))
    assert (parent.slug, child.slug, child.parent_id) == ("billing", "billing-2", parent.id)
    article = _write(desk.editor, title="Invoices", status="published", category_id=child.id)
    with pytest.raises(ValidationFailed):
        _write(desk.editor, title="Lost", category_id=999_999)
    with write_session() as s:
        kb.give_feedback(s, actor=desk.customer, article_id=article.id, data=FeedbackCreate(helpful=True))
        kb.give_feedback(s, actor=desk.agent, article_id=article.id, data=FeedbackCreate(helpful=False, comment="Old"))
    with read_session() as s:
        seen = kb.get_article(s, actor=desk.editor, article_id=article.id)
        assert [c.name for c in kb.list_categories(s, actor=desk.customer)] == ["Billing", "Billing"]
    assert (seen.helpful_yes, seen.helpful_no) == (1, 1)


def test_a_second_process_of_the_data_folder_keeps_its_own_index_caught_up_from_the_database(desk):
    """Chroma's on-disk index serves one process: while another holds it, this one searches an in-memory
    index filled from the vectors stored in the database."""
    folder = get_settings().resolved_data_dir / "chroma"
    folder.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT);"
            " fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)",
            str(folder / ".owner.lock"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        vectors.forget()
        article = _write(desk.editor, title="Reset your password", body=RESET, status="published")
        runner.run_pending_jobs()
        with read_session() as s:
            state_key = s.exec(select(KbIndexState.index_key)).one()
        assert [h.article_id for h in _search(desk.customer, "forgot my login", mode="dense")] == [article.id]
        assert vectors.index_for(state_key).collection.count() == 2
        assert not (folder / "chroma.sqlite3").exists()  # the holder's folder was left alone
    finally:
        holder.kill()
        holder.wait()
        vectors.forget()


def test_a_snippet_marks_the_query_words_not_every_word_a_letter_starts():
    from autocrm.services.kb.search import snippet

    marked = snippet("If a transfer is pending for longer than that, reply to this desk.", ["t", "transfer", "pend"])
    assert marked == "If a <mark>transfer</mark> is <mark>pending</mark> for longer than that, reply to this desk."
    assert snippet("Refunds arrive", []) == "Refunds arrive"
