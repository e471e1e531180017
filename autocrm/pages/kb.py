"""The knowledge base: the help centre (categories, search, articles with feedback) and the staff's knowledge
base in the agent workspace (search including internal articles, open one)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from autocrm import routes
from autocrm.components.badges import time_ago
from autocrm.components.forms import empty_state, field_error, skeleton_rows
from autocrm.components.i18n import tr, tr_n
from autocrm.components.layout import agent_shell, portal_shell
from autocrm.components.panel import panel
from autocrm.components.tutorial import tutorial_viewer
from autocrm.core.i18n import N_
from autocrm.pages.kb_editor import translations_panel
from autocrm.pages.registry import page
from autocrm.state.kb import (
    AgentKbArticleState,
    AgentKbState,
    HelpArticleState,
    HelpCategoryState,
    HelpHomeState,
    HelpReaderState,
)
from autocrm.state.session import SessionState

# ---- shared pieces ---------------------------------------------------------------------------------------------


def _search_box(state: Any, *, form_id: str, large: bool = False, placeholder: Any = None) -> rx.Component:
    return rx.form(
        rx.flex(
            rx.input(
                rx.input.slot(rx.icon("search", size=16)),
                name="q",
                id=f"{form_id}-q",
                type="search",
                default_value=state.query,
                key=state.query,
                placeholder=placeholder if placeholder is not None else tr("Search articles…"),
                size="3" if large else "2",
                max_length=200,
                flex="1",
                min_width="0",
                aria_label=tr("Search articles"),
            ),
            rx.button(tr("Search"), type="submit", size="3" if large else "2", class_name="kb-search-submit"),
            spacing="2",
            width="100%",
        ),
        id=form_id,
        on_submit=state.search,
        reset_on_submit=False,
        width="100%",
        custom_attrs={"role": "search"},
    )


def tutorial_badge(row: Any) -> rx.Component:
    """ "Tutorial" on a tutorial's card or search result (read one step at a time)."""
    return rx.cond(
        row["tutorial"],
        rx.badge(
            rx.icon("list-ordered", size=12),
            tr("Tutorial"),
            color_scheme="violet",
            variant="soft",
            size="1",
            flex_shrink="0",
            class_name="kb-tutorial-badge",
        ),
    )


def _hit(row: Any, *, staff: bool = False) -> rx.Component:
    return rx.link(
        rx.flex(
            rx.flex(
                rx.text(
                    row["title"], size="3", weight="medium", class_name="kb-hit-title", custom_attrs={"dir": "auto"}
                ),
                tutorial_badge(row),
                rx.cond(row["internal"], rx.badge(tr("Internal"), color_scheme="orange", size="1"))
                if staff
                else rx.fragment(),
                align="center",
                spacing="2",
                wrap="wrap",
            ),
            rx.box(
                rx.html(row["snippet"]),
                class_name="kb-snippet",
                custom_attrs={"dir": "auto"},
                font_size="var(--font-size-2)",
                color="var(--gray-11)",
                line_height="1.55",
            ),
            direction="column",
            spacing="1",
            padding="12px 16px",
            border_bottom="1px solid var(--gray-4)",
            _hover={"background": "var(--gray-2)"},
        ),
        href=row["url"],
        underline="none",
        color="inherit",
        display="block",
        class_name="kb-hit",
    )


def _results(state: Any, *, staff: bool = False) -> rx.Component:
    return rx.flex(
        rx.text(tr("Results for “{query}”", query=state.query), size="2", weight="medium", color_scheme="gray"),
        rx.cond(
            state.hits.length() > 0,
            panel(rx.foreach(state.hits, lambda row: _hit(row, staff=staff)), class_name="kb-results"),
            panel(
                empty_state(
                    "search-x",
                    tr("No articles match your search"),
                    tr("Try fewer or other words. Still stuck? Send us a request and we will help."),
                    rx.link(rx.button(tr("New request"), variant="soft"), href=routes.PORTAL_NEW)
                    if not staff
                    else rx.fragment(),
                )
            ),
        ),
        direction="column",
        spacing="2",
        class_name="kb-search-results",
    )


def _article_card(row: Any) -> rx.Component:
    return rx.link(
        rx.flex(
            rx.cond(
                row["tutorial"],
                rx.icon("list-ordered", size=16, color="var(--accent-9)", flex_shrink="0", margin_top="3px"),
                rx.icon("file-text", size=16, color="var(--accent-9)", flex_shrink="0", margin_top="3px"),
            ),
            rx.flex(
                rx.flex(
                    rx.text(row["title"], size="2", weight="medium"),
                    tutorial_badge(row),
                    align="center",
                    gap="8px",
                    wrap="wrap",
                ),
                rx.cond(row["excerpt"], rx.text(row["excerpt"], size="1", color_scheme="gray")),
                direction="column",
                spacing="1",
                min_width="0",
            ),
            spacing="3",
            padding="12px 16px",
            border_bottom="1px solid var(--gray-4)",
            _hover={"background": "var(--gray-2)"},
        ),
        href=row["url"],
        underline="none",
        color="inherit",
        display="block",
        class_name="kb-article-link",
    )


def _category_card(row: Any) -> rx.Component:
    return rx.link(
        panel(
            rx.flex(
                rx.flex(
                    rx.icon("folder", size=18),
                    align="center",
                    justify="center",
                    width="36px",
                    height="36px",
                    border_radius="8px",
                    background="var(--accent-3)",
                    color="var(--accent-11)",
                    flex_shrink="0",
                ),
                rx.flex(
                    rx.text(row["name"], size="3", weight="medium"),
                    rx.text(
                        tr_n("{n} article", "{n} articles", row["articles"].to(int)), size="1", color_scheme="gray"
                    ),
                    direction="column",
                    min_width="0",
                ),
                align="center",
                spacing="3",
            ),
            padding="14px 16px",
            height="100%",
            _hover={"border_color": "var(--accent-7)"},
        ),
        href=row["url"],
        underline="none",
        color="inherit",
        display="block",
        class_name="kb-category",
    )


def _crumb_link(link: Any) -> rx.Component:
    return rx.flex(
        rx.icon("chevron-right", size=14, color="var(--gray-8)"),
        rx.link(link["name"], href=link["url"].to(str), size="2", color_scheme="gray", underline="none"),
        align="center",
        spacing="1",
    )


def _crumbs(trail: Any, *parts: rx.Component) -> rx.Component:
    """Help centre › the categories above › `parts`."""
    return rx.flex(
        rx.link(tr("Help centre"), href=routes.HELP, size="2", color_scheme="gray", underline="none"),
        rx.foreach(trail.to(list[dict[str, str]]), _crumb_link),
        *[item for part in parts for item in (rx.icon("chevron-right", size=14, color="var(--gray-8)"), part)],
        align="center",
        spacing="1",
        wrap="wrap",
        class_name="kb-crumbs",
    )


def _loading() -> rx.Component:
    return rx.flex(
        rx.skeleton(rx.box(height="36px", width="60%")), skeleton_rows(4, "56px"), direction="column", spacing="4"
    )


# ---- the help centre --------------------------------------------------------------------------------------------


@page(route=routes.HELP, title=N_("Help centre · {company}"), on_load=HelpHomeState.load)
def help_home() -> rx.Component:
    s: Any = HelpHomeState  # Vars at compile time
    return portal_shell(
        rx.flex(
            rx.flex(
                rx.heading(tr("How can we help?"), size="7", weight="bold", class_name="kb-heading"),
                rx.text(tr("Search our articles or browse the topics below."), size="2", color_scheme="gray"),
                _search_box(s, form_id="help-search", large=True),
                direction="column",
                spacing="3",
            ),
            rx.cond(
                ~s.loaded,
                _loading(),
                rx.cond(
                    s.searched,
                    _results(s),
                    rx.flex(
                        rx.cond(
                            s.top_categories.length() > 0,
                            rx.flex(
                                rx.text(tr("Topics"), size="2", weight="medium", color_scheme="gray"),
                                rx.grid(
                                    rx.foreach(s.top_categories, _category_card),
                                    columns=rx.breakpoints(initial="1", sm="2", md="3"),
                                    spacing="3",
                                    width="100%",
                                ),
                                direction="column",
                                spacing="2",
                            ),
                        ),
                        rx.cond(
                            s.recent.length() > 0,
                            rx.flex(
                                rx.text(tr("Recently updated"), size="2", weight="medium", color_scheme="gray"),
                                panel(rx.foreach(s.recent, _article_card)),
                                direction="column",
                                spacing="2",
                            ),
                            panel(
                                empty_state(
                                    "book-open",
                                    tr("No articles yet"),
                                    tr("Our team has not published help articles yet. Send us a request instead."),
                                    rx.link(rx.button(tr("New request"), variant="soft"), href=routes.PORTAL_NEW),
                                )
                            ),
                        ),
                        direction="column",
                        spacing="5",
                    ),
                ),
            ),
            direction="column",
            spacing="5",
            class_name="kb-home",
        ),
    )


@page(route=routes.HELP_CATEGORY, title=N_("Help centre · {company}"), on_load=HelpCategoryState.load)
def help_category() -> rx.Component:
    s: Any = HelpCategoryState  # Vars at compile time
    return portal_shell(
        rx.cond(
            ~s.loaded,
            _loading(),
            rx.cond(
                s.not_found,
                _not_found(),
                rx.flex(
                    _crumbs(s.category["trail"], rx.text(s.category["name"], size="2", color_scheme="gray")),
                    rx.heading(s.category["name"], size="6", weight="bold"),
                    _search_box(s, form_id="category-search"),
                    rx.cond(
                        s.subcategories.length() > 0,
                        rx.grid(
                            rx.foreach(s.subcategories, _category_card),
                            columns=rx.breakpoints(initial="1", sm="2", md="3"),
                            spacing="3",
                            width="100%",
                        ),
                    ),
                    rx.cond(
                        s.articles.length() > 0,
                        panel(rx.foreach(s.articles, _article_card)),
                        rx.cond(
                            s.subcategories.length() == 0,
                            panel(empty_state("folder-open", tr("No articles here yet"), tr("Try searching instead."))),
                        ),
                    ),
                    direction="column",
                    spacing="4",
                ),
            ),
        ),
    )


def _not_found() -> rx.Component:
    return panel(
        empty_state(
            "file-question",
            tr("Article not found"),
            tr("It may have moved or been removed. Search the help centre for it."),
            rx.link(rx.button(tr("Go to the help centre"), variant="soft"), href=routes.HELP),
        )
    )


def _fallback_notice(article: Any) -> rx.Component:
    return rx.cond(
        article["fallback"],
        rx.callout(
            tr(
                "This article is not available in {language} yet. Here it is in {original}.",
                language=SessionState.language_name,
                original=article["language"],
            ),
            icon="languages",
            color_scheme="blue",
            size="1",
            class_name="kb-fallback",
        ),
    )


def _feedback() -> rx.Component:
    s = HelpArticleState
    choice = lambda answer, icon, label: rx.button(  # noqa: E731 (two buttons alike)
        rx.icon(icon, size=15),
        label,
        type="button",
        variant=rx.cond(s.vote == answer, "solid", "soft"),
        color_scheme=rx.cond(s.vote == answer, "indigo", "gray"),
        on_click=s.choose(answer),  # type: ignore[operator]
        class_name=f"kb-vote-{answer}",
        custom_attrs={"aria-pressed": rx.cond(s.vote == answer, "true", "false")},
    )
    return panel(
        rx.cond(
            s.feedback_sent,
            rx.flex(
                rx.icon("circle-check", size=18, color="var(--green-9)"),
                rx.text(tr("Thank you! Your feedback helps us improve this article."), size="2"),
                align="center",
                spacing="2",
                class_name="kb-feedback-thanks",
            ),
            rx.cond(
                SessionState.signed_in,
                rx.form(
                    rx.flex(
                        rx.text(tr("Was this article helpful?"), size="3", weight="medium"),
                        rx.flex(
                            choice("yes", "thumbs-up", tr("Yes")),
                            choice("no", "thumbs-down", tr("No")),
                            spacing="2",
                        ),
                        rx.cond(
                            s.vote != "",
                            rx.flex(
                                rx.text_area(
                                    name="comment",
                                    id="kb-feedback-comment",
                                    placeholder=rx.cond(
                                        s.vote == "yes",
                                        tr("Anything to add? (optional)"),
                                        tr("What was missing or unclear? (optional)"),
                                    ),
                                    rows="3",
                                    max_length=2000,
                                    aria_label=tr("Comment"),
                                ),
                                rx.flex(
                                    rx.button(tr("Send feedback"), type="submit", class_name="kb-feedback-send"),
                                    justify="end",
                                ),
                                direction="column",
                                spacing="2",
                            ),
                        ),
                        field_error(s.feedback_error),
                        direction="column",
                        spacing="3",
                    ),
                    on_submit=s.send_feedback,
                    reset_on_submit=False,
                    class_name="kb-feedback",
                ),
                rx.flex(
                    rx.text(tr("Was this article helpful?"), size="2", weight="medium"),
                    rx.link(tr("Sign in to tell us"), href=s.sign_in_to_rate, size="2"),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
            ),
        ),
        padding=["14px", "18px", "18px"],
        class_name="kb-feedback-card",
    )


@page(route=routes.HELP_ARTICLE, title=N_("Help centre · {company}"), on_load=HelpArticleState.load)
def help_article() -> rx.Component:
    s = HelpArticleState
    a = s.article
    return portal_shell(
        rx.cond(
            ~s.loaded,
            _loading(),
            rx.cond(
                s.not_found,
                _not_found(),
                rx.flex(
                    _crumbs(
                        a["trail"],
                        rx.cond(
                            a["category_name"],
                            rx.link(
                                a["category_name"],
                                href=a["category_url"].to(str),
                                size="2",
                                color_scheme="gray",
                                underline="none",
                            ),
                            rx.text(tr("Article"), size="2", color_scheme="gray"),
                        ),
                    ),
                    _fallback_notice(a),
                    panel(
                        rx.flex(
                            rx.heading(
                                a["title"],
                                size="7",
                                weight="bold",
                                as_="h1",
                                class_name="kb-title",
                                custom_attrs={"dir": "auto"},
                            ),
                            rx.flex(
                                rx.cond(
                                    a["tutorial"],
                                    rx.badge(
                                        rx.icon("list-ordered", size=12),
                                        tr_n("Tutorial · {n} step", "Tutorial · {n} steps", s.step_count),
                                        color_scheme="indigo",
                                        variant="soft",
                                    ),
                                ),
                                rx.text(tr("Updated"), size="1", color_scheme="gray"),
                                time_ago(a["updated_rel"], a["updated_exact"], size="1"),
                                spacing="1",
                                align="center",
                                wrap="wrap",
                            ),
                            rx.cond(
                                a["body_html"],
                                rx.box(
                                    rx.html(a["body_html"]),
                                    class_name="kb-body",
                                    custom_attrs={"dir": "auto", "lang": a["locale"]},
                                ),
                            ),
                            direction="column",
                            spacing="3",
                        ),
                        padding=["18px 16px", "24px", "32px 36px"],
                    ),
                    rx.cond(a["tutorial"], rx.box(tutorial_viewer(s), custom_attrs={"lang": a["locale"]})),
                    _feedback(),
                    _search_box(s, form_id="article-search", placeholder=tr("Search for something else…")),
                    direction="column",
                    spacing="4",
                    class_name="kb-article",
                ),
            ),
        ),
    )


# ---- the staff's knowledge base ----------------------------------------------------------------------------------


def _staff_recent(row: Any) -> rx.Component:
    return rx.link(
        rx.flex(
            rx.icon("file-text", size=15, color="var(--gray-9)", flex_shrink="0"),
            rx.text(row["title"], size="2", weight="medium", flex="1", min_width="0"),
            rx.cond(row["internal"], rx.badge(tr("Internal"), color_scheme="orange", size="1")),
            time_ago(row["updated_rel"], row["updated_exact"], size="1"),
            align="center",
            spacing="3",
            padding="10px 14px",
            border_bottom="1px solid var(--gray-4)",
            _hover={"background": "var(--gray-2)"},
        ),
        href=row["url"],
        underline="none",
        color="inherit",
        display="block",
        class_name="kb-staff-article",
    )


def _staff_unpublished(row: Any) -> rx.Component:
    return rx.link(
        rx.flex(
            rx.icon("file-pen-line", size=15, color="var(--gray-9)", flex_shrink="0"),
            rx.text(row["title"], size="2", weight="medium", flex="1", min_width="0"),
            rx.cond(
                row["draft"],
                rx.badge(tr("Draft"), color_scheme="amber", size="1"),
                rx.badge(tr("Archived"), color_scheme="gray", size="1"),
            ),
            rx.badge(row["language"], color_scheme="gray", variant="soft", size="1"),
            time_ago(row["updated_rel"], row["updated_exact"], size="1"),
            align="center",
            spacing="3",
            padding="10px 14px",
            border_bottom="1px solid var(--gray-4)",
            _hover={"background": "var(--gray-2)"},
            wrap="wrap",
        ),
        href=row["url"],
        underline="none",
        color="inherit",
        display="block",
        class_name="kb-staff-unpublished",
    )


@page(route=routes.AGENT_KB, title=N_("Knowledge base · AutoCRM"), on_load=AgentKbState.load)
def agent_kb() -> rx.Component:
    s: Any = AgentKbState  # Vars at compile time
    return agent_shell(
        rx.flex(
            rx.cond(
                s.editor,
                rx.flex(
                    rx.link(
                        rx.button(rx.icon("plus", size=15), tr("New article"), size="2"),
                        href=routes.AGENT_KB_NEW,
                        class_name="kb-new-article",
                    ),
                    rx.link(
                        rx.button(rx.icon("languages", size=15), tr("Missing translations"), variant="soft", size="2"),
                        href=routes.AGENT_KB_MISSING,
                        class_name="kb-missing-link",
                    ),
                    rx.link(
                        rx.button(rx.icon("folder-tree", size=15), tr("Categories"), variant="soft", size="2"),
                        href=routes.AGENT_KB_CATEGORIES,
                        class_name="kb-categories-link",
                    ),
                    spacing="2",
                    wrap="wrap",
                ),
            ),
            _search_box(s, form_id="agent-kb-search", placeholder=tr("Search every article, internal ones too…")),
            rx.cond(
                ~s.loaded,
                skeleton_rows(6),
                rx.cond(
                    s.searched,
                    _results(s, staff=True),
                    rx.cond(
                        s.recent.length() > 0,
                        rx.flex(
                            rx.text(tr("Recently updated"), size="2", weight="medium", color_scheme="gray"),
                            panel(rx.foreach(s.recent, _staff_recent)),
                            direction="column",
                            spacing="2",
                        ),
                        panel(
                            empty_state(
                                "book-open",
                                tr("No published articles yet"),
                                tr("Admins and knowledge-base editors write them, or import a folder of them."),
                            )
                        ),
                    ),
                ),
            ),
            rx.cond(
                s.loaded & ~s.searched & (s.unpublished.length() > 0),
                rx.flex(
                    rx.text(tr("Drafts and archived (editors only)"), size="2", weight="medium", color_scheme="gray"),
                    panel(rx.foreach(s.unpublished, _staff_unpublished)),
                    direction="column",
                    spacing="2",
                ),
            ),
            direction="column",
            spacing="4",
            max_width="920px",
        ),
        title=tr("Knowledge base"),
    )


def _fact(label: Any, value: Any, css: str) -> rx.Component:
    return rx.flex(
        rx.text(label, size="1", color_scheme="gray"),
        rx.text(value, size="3", weight="bold", class_name=css),
        direction="column",
        spacing="0",
    )


@page(route=routes.AGENT_KB_ARTICLE, title=N_("Article · AutoCRM"), on_load=AgentKbArticleState.load)
def agent_kb_article() -> rx.Component:
    s: Any = AgentKbArticleState  # Vars at compile time
    a = s.article
    return agent_shell(
        rx.cond(
            ~s.loaded,
            skeleton_rows(6),
            rx.cond(
                s.not_found,
                panel(
                    empty_state(
                        "file-question",
                        tr("Article not found"),
                        tr("It is not published, or it was removed."),
                        rx.link(rx.button(tr("Back to the knowledge base"), variant="soft"), href=routes.AGENT_KB),
                    )
                ),
                rx.flex(
                    rx.flex(
                        rx.link(
                            rx.flex(rx.icon("arrow-left", size=14), tr("Knowledge base"), align="center", spacing="1"),
                            href=routes.AGENT_KB,
                            size="2",
                            color_scheme="gray",
                            underline="none",
                        ),
                        rx.cond(
                            a["edit_url"],
                            rx.flex(
                                rx.link(
                                    rx.button(rx.icon("history", size=14), tr("History"), variant="soft", size="2"),
                                    href=a["history_url"].to(str),
                                    class_name="kb-history-link",
                                ),
                                rx.link(
                                    rx.button(rx.icon("pencil", size=14), tr("Edit"), size="2"),
                                    href=a["edit_url"].to(str),
                                    class_name="kb-edit-article",
                                ),
                                spacing="2",
                            ),
                        ),
                        justify="between",
                        align="center",
                        wrap="wrap",
                        gap="8px",
                    ),
                    rx.flex(
                        rx.cond(
                            a["internal"],
                            rx.badge(rx.icon("lock", size=12), tr("Internal: staff only"), color_scheme="orange"),
                            rx.badge(rx.icon("globe", size=12), tr("Public"), color_scheme="green"),
                        ),
                        rx.badge(a["language"], color_scheme="gray", variant="soft"),
                        rx.cond(
                            a["category_name"], rx.badge(a["category_name"], color_scheme="gray", variant="outline")
                        ),
                        rx.cond(
                            a["public_url"],
                            rx.link(
                                tr("Open in the help centre"), href=a["public_url"].to(str), size="2", is_external=True
                            ),
                        ),
                        spacing="2",
                        align="center",
                        wrap="wrap",
                    ),
                    rx.cond(
                        a["editor"],
                        panel(
                            rx.flex(
                                _fact(tr("Times read"), a["views"], "kb-views"),
                                _fact(tr("Helpful"), a["helpful_yes"], "kb-helpful-yes"),
                                _fact(tr("Not helpful"), a["helpful_no"], "kb-helpful-no"),
                                _fact(tr("Requests it answered (30 days)"), a["deflections"], "kb-deflections"),
                                spacing="6",
                                row_gap="12px",
                                wrap="wrap",
                            ),
                            padding="12px 16px",
                            class_name="kb-stats",
                        ),
                    ),
                    panel(
                        rx.flex(
                            rx.heading(
                                a["title"],
                                size="6",
                                weight="bold",
                                as_="h1",
                                class_name="kb-staff-title",
                                custom_attrs={"dir": "auto"},
                            ),
                            rx.flex(
                                rx.text(tr("Updated"), size="1", color_scheme="gray"),
                                time_ago(a["updated_rel"], a["updated_exact"], size="1"),
                                spacing="1",
                                align="center",
                            ),
                            rx.cond(
                                a["body_html"],
                                rx.box(rx.html(a["body_html"]), class_name="kb-body", custom_attrs={"dir": "auto"}),
                            ),
                            direction="column",
                            spacing="3",
                        ),
                        padding=["16px", "24px", "28px 32px"],
                    ),
                    rx.cond(a["tutorial"], tutorial_viewer(s)),
                    rx.cond(
                        (s.translations.length() > 0) | (s.missing_locales.length() > 0),
                        translations_panel(s.translations, s.missing_locales),
                    ),
                    direction="column",
                    spacing="3",
                    max_width="920px",
                ),
            ),
        ),
        title=tr("Knowledge base"),
    )


__all__ = ["HelpReaderState", "agent_kb", "agent_kb_article", "help_article", "help_category", "help_home"]
