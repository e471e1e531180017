"""Importing articles from a folder (Markdown with front matter, JSON, CSV) and rebuilding the search index:
each file checked on its own, refused ones with a reason, a second run changing nothing. SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from autocrm.core.db import read_session, write_session
from autocrm.models import KbArticle, KbCategory, KbChunk, Role
from autocrm.services import kb
from autocrm.services.actor import Actor
from autocrm.services.errors import PermissionDenied
from autocrm.services.kb import imports, reindex

RESET_MD = """---
title: Reset your password
category: Account > Sign-in
tags: [password, login]
---
Forgot it? Choose **a new password** from the sign-in page.

## From the mobile app

Open Settings, then Security.
"""

SPANISH_MD = """---
title: Restablecer la contraseña
locale: es
translation_of: reset-your-password
category: Account > Sign-in
---
Elige una contraseña nueva desde la página de acceso.
"""


def _folder(tmp_path, files: dict[str, str]):
    folder = tmp_path / "kb"
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def _import(folder, *, status="published", batch=2):
    importer = imports.ArticleImporter(actor=Actor.system("test"), default_status=status)
    sources, skipped = imports.read_folder(folder)
    for part in imports.batches(importer.ordered(sources), batch):
        with write_session() as s:
            importer.run(s, part)
    importer.summary.skipped_files = skipped
    return importer.summary


def _outcomes(summary):
    return {r.label: r.outcome for r in summary.results}


def test_markdown_json_and_csv_are_imported_with_nested_categories_tags_and_translations(tmp_path, db_url):
    folder = _folder(
        tmp_path,
        {
            # The translation sorts before its original and still finds it.
            "a-spanish.md": SPANISH_MD,
            "reset.md": RESET_MD,
            "more/cards.json": json.dumps(
                [
                    {"title": "Card delivery", "body": "Cards arrive *within five days*.", "tags": "cards, post"},
                    {"title": "Card limits", "body": "Daily limits.", "visibility": "internal", "status": "draft"},
                ]
            ),
            "faq.csv": 'title,body,category,locale,tags\nRefunds,Within 14 days.,Billing,,"money,refund"\n',
            "logo.png": "not an article",
        },
    )
    summary = _import(folder)
    assert summary.refused == []
    assert _outcomes(summary) == {
        "reset.md": "created",
        "more/cards.json[1]": "created",
        "more/cards.json[2]": "created",
        "faq.csv:2": "created",
        "a-spanish.md": "created",
    }
    assert summary.skipped_files == ["logo.png"]
    with read_session() as s:
        rows = {a.slug: a for a in s.exec(select(KbArticle))}
        categories = {c.id: c for c in s.exec(select(KbCategory))}
    reset = rows["reset-your-password"]
    assert reset.status == "published" and reset.tags == ["password", "login"]
    assert "<strong>a new password</strong>" in reset.body_html and "<h2>From the mobile app</h2>" in reset.body_html
    sign_in = categories[reset.category_id]
    assert sign_in.name == "Sign-in" and categories[sign_in.parent_id].name == "Account"
    assert len(categories) == 3  # Account, Sign-in (shared by both languages), Billing
    spanish = rows["restablecer-la-contrasena"]
    assert (spanish.locale, spanish.group_id) == ("es", reset.group_id)
    assert rows["card-delivery"].tags == ["cards", "post"]
    assert (rows["card-limits"].status, rows["card-limits"].visibility) == ("draft", "internal")
    assert rows["refunds"].tags == ["money", "refund"]


def test_a_second_run_changes_nothing_and_an_edited_file_is_a_new_version(tmp_path, db_url):
    folder = _folder(tmp_path, {"reset.md": RESET_MD})
    first = _import(folder)
    assert _outcomes(first) == {"reset.md": "created"}
    assert _outcomes(_import(folder)) == {"reset.md": "unchanged"}
    (folder / "reset.md").write_text(RESET_MD.replace("Open Settings", "Open the menu"), encoding="utf-8")
    assert _outcomes(_import(folder)) == {"reset.md": "updated"}
    with read_session() as s:
        (article,) = s.exec(select(KbArticle)).all()
    assert article.version == 2 and "Open the menu" in article.body_html


def test_each_refused_file_says_why_and_the_others_still_go_in(tmp_path, db_url):
    folder = _folder(
        tmp_path,
        {
            "no-title.md": "---\ntags: [x]\n---\nA body without a title.\n",
            "bad-yaml.md": "---\ntitle: [unclosed\n---\nBody\n",
            "typo.json": json.dumps({"title": "Typo", "categroy": "Billing"}),
            "broken.json": "{not json",
            "bad.csv": "title,locale\nWrong language,english\n",
            "orphan.md": "---\ntitle: Huérfano\nlocale: es\ntranslation_of: nowhere\n---\nTexto.\n",
            "twice-a.md": "---\ntitle: Same\n---\nOne.\n",
            "twice-b.md": "---\ntitle: Same\n---\nTwo.\n",
            "good.md": "---\ntitle: Good\n---\nFine.\n",
        },
    )
    summary = _import(folder)
    reasons = {r.label: r.reason for r in summary.refused}
    assert set(reasons) == {
        "no-title.md",
        "bad-yaml.md",
        "typo.json",
        "broken.json",
        "bad.csv:2",
        "orphan.md",
        "twice-b.md",
    }
    assert "title: required" in reasons["no-title.md"]
    assert "not valid YAML" in reasons["bad-yaml.md"]
    assert "unknown field “categroy”" in reasons["typo.json"]
    assert "Not valid JSON (line 1)" in reasons["broken.json"]
    assert reasons["bad.csv:2"].startswith("locale:")
    assert "nowhere" in reasons["orphan.md"]
    assert "twice-a.md already has the slug “same”" in reasons["twice-b.md"]
    assert _outcomes(summary)["good.md"] == "created" and _outcomes(summary)["twice-a.md"] == "created"
    with read_session() as s:
        assert sorted(a.title for a in s.exec(select(KbArticle))) == ["Good", "Same"]


def test_reindex_rebuilds_every_passage_and_vector(db_url, people):
    customer = Actor.for_user(people.make(Role.customer))
    with write_session() as s:
        article = kb.create_article(
            s,
            actor=Actor.system("test"),
            data=kb.ArticleCreate(
                title="Reset your password", body="<p>Forgot it? Pick a new one.</p>", status="published"
            ),
        )
    with read_session() as s:
        old_ids = {c.id for c in s.exec(select(KbChunk))}
    seen: list[tuple[str, int, int]] = []
    summary = reindex.reindex(actor=Actor.system("test"), progress=lambda *step: seen.append(step))
    assert (summary.articles, summary.passages, summary.embedded) == (1, 1, 1)
    assert ("passages", 1, 1) in seen and ("vectors", 1, 1) in seen
    with read_session() as s:
        chunks = s.exec(select(KbChunk)).all()
        hits = kb.search(s, actor=customer, q="I lost my login credentials", mode="dense").items
    assert {c.id for c in chunks}.isdisjoint(old_ids) and all(c.embedding for c in chunks)
    assert [h.article_id for h in hits] == [article.id]
    with pytest.raises(PermissionDenied):
        reindex.reindex(actor=customer)
