"""The editors' knowledge-base pages: write an article or a translation, its version history with a diff, and
the translations still missing per language. Editors only: anyone else is told who may write."""

from __future__ import annotations

from typing import Any

import reflex as rx

from autocrm import routes
from autocrm.components.badges import time_ago
from autocrm.components.confirm import confirm_dialog
from autocrm.components.diff import diff_box, diff_line
from autocrm.components.editor import rich_editor
from autocrm.components.forms import empty_state, field, field_error, form_callout, has_error, invalid, skeleton_rows
from autocrm.components.i18n import tr, tr_n
from autocrm.components.layout import agent_shell
from autocrm.components.panel import panel
from autocrm.core.i18n import N_
from autocrm.pages.registry import page
from autocrm.state.kb_editor import NONE, KbCategoriesState, KbEditorState, KbHistoryState, KbMissingState

S: Any = KbEditorState  # Vars at compile time


def _back(href: Any, label: Any) -> rx.Component:
    return rx.link(
        rx.flex(rx.icon("arrow-left", size=14), label, align="center", spacing="1"),
        href=href,
        size="2",
        color_scheme="gray",
        underline="none",
        class_name="kb-back",
    )


def _not_editor() -> rx.Component:
    return panel(
        empty_state(
            "lock",
            tr("Only knowledge-base editors write articles"),
            tr("An admin can make you an editor. You can still read and search every article."),
            rx.link(rx.button(tr("Back to the knowledge base"), variant="soft"), href=routes.AGENT_KB),
        )
    )


def _gone() -> rx.Component:
    return panel(
        empty_state(
            "file-question",
            tr("Article not found"),
            tr("It may have been deleted."),
            rx.link(rx.button(tr("Back to the knowledge base"), variant="soft"), href=routes.AGENT_KB),
        )
    )


# ---- the editor ----------------------------------------------------------------------------------------------


def body_field(*, name: str, value: Any, key: Any, errors: Any) -> rx.Component:
    """The article's body in the rich-text editor the composers use (no mentions); its images (picked, pasted
    or dropped) are uploaded as the knowledge base's own files (`POST /api/kb/media`), never a ticket's
    attachments. It submits its HTML as the form field `name`."""
    return rx.box(
        rich_editor(
            element_id="kb-ed-body",
            name=name,
            label=tr("Body"),
            placeholder=tr("Write the answer."),
            invalid=has_error(errors, name),
            rows="12",
            initial_html=value,
            key=key,
            headings=True,
            image_url=routes.KB_MEDIA_UPLOAD,
        ),
        width="100%",
        custom_attrs={"dir": "auto"},
    )


def _select(which: str, value: Any, options: Any, *, none_label: str | None = None, disabled: Any = False) -> Any:
    items = [rx.select.item(tr(none_label), value=NONE)] if none_label else []
    return rx.select.root(
        rx.select.trigger(id=f"kb-ed-{which}", width="100%", class_name=f"kb-ed-{which}"),
        rx.select.content(*items, rx.foreach(options, lambda o: rx.select.item(o["label"], value=o["value"]))),
        value=value,
        on_change=lambda v: S.set_pick(which, v),
        disabled=disabled,
    )


def _status_choice() -> rx.Component:
    hint = rx.match(
        S.ed_status,
        ("published", tr("In the help centre and its search (staff only when internal).")),
        ("archived", tr("Out of the help centre and search; kept with its history.")),
        tr("Only editors see a draft. Customers do not."),
    )
    return rx.flex(
        rx.text(tr("Status"), size="2", weight="medium"),
        rx.radio_group.root(
            rx.flex(
                rx.radio_group.item(tr("Draft"), value="draft", class_name="kb-status-draft"),
                rx.radio_group.item(tr("Published"), value="published", class_name="kb-status-published"),
                rx.radio_group.item(tr("Archived"), value="archived", class_name="kb-status-archived"),
                spacing="4",
                wrap="wrap",
            ),
            value=S.ed_status,
            on_change=lambda v: S.set_pick("status", v),
            size="2",
        ),
        rx.text(hint, size="1", color_scheme="gray", class_name="kb-status-hint"),
        direction="column",
        gap="6px",
    )


def _visibility_choice() -> rx.Component:
    return rx.flex(
        rx.text(tr("Who may read it"), size="2", weight="medium"),
        rx.radio_group.root(
            rx.flex(
                rx.radio_group.item(tr("Public"), value="public", class_name="kb-vis-public"),
                rx.radio_group.item(tr("Internal: staff only"), value="internal", class_name="kb-vis-internal"),
                spacing="4",
                wrap="wrap",
            ),
            value=S.ed_visibility,
            on_change=lambda v: S.set_pick("visibility", v),
            size="2",
        ),
        direction="column",
        gap="6px",
    )


def _translation_link(row: Any, link: str) -> rx.Component:
    return rx.flex(
        rx.badge(row["locale"].to(str).upper(), color_scheme="gray", variant="soft", flex_shrink="0"),
        rx.link(row["language"], href=row[link].to(str), size="2", flex="1", min_width="0"),
        rx.cond(
            row["published"],
            rx.badge(tr("Published"), color_scheme="green", size="1"),
            rx.badge(rx.cond(row["status"] == "draft", tr("Draft"), tr("Archived")), color_scheme="gray", size="1"),
        ),
        align="center",
        spacing="2",
        class_name="kb-translation",
    )


def _translate_button(row: Any) -> rx.Component:
    return rx.link(
        rx.button(
            rx.icon("languages", size=14),
            tr("Translate into {language}", language=row["language"]),
            variant="soft",
            size="1",
            type="button",
        ),
        href=row["url"].to(str),
        class_name=rx.Var.create("kb-translate kb-translate-") + row["locale"].to(str),
    )


def translations_panel(translations: Any, missing: Any, *, link: str = "url") -> rx.Component:
    """An article's translations by language (each row's `link`: its reading page, or its editor), and a
    "Translate into …" per missing language (the state lists those for editors only)."""
    return panel(
        rx.flex(
            rx.text(tr("Translations"), size="2", weight="medium"),
            rx.cond(
                translations.length() > 0,
                rx.flex(
                    rx.foreach(translations, lambda row: _translation_link(row, link)), direction="column", spacing="2"
                ),
                rx.text(tr("None yet."), size="2", color_scheme="gray"),
            ),
            rx.cond(
                missing.length() > 0,
                rx.flex(rx.foreach(missing, _translate_button), spacing="2", wrap="wrap"),
            ),
            direction="column",
            spacing="3",
        ),
        padding="14px 16px",
        class_name="kb-translations",
    )


def _kind_choice() -> rx.Component:
    return rx.flex(
        rx.text(tr("Kind"), size="2", weight="medium"),
        rx.radio_group.root(
            rx.flex(
                rx.radio_group.item(tr("Article"), value="article", class_name="kb-kind-article"),
                rx.radio_group.item(
                    tr("Tutorial: steps read one at a time"), value="tutorial", class_name="kb-kind-tutorial"
                ),
                spacing="4",
                wrap="wrap",
            ),
            value=S.ed_kind,
            on_change=lambda v: S.set_pick("kind", v),
            size="2",
        ),
        direction="column",
        gap="6px",
    )


# What a step's upload takes (the service judges the bytes; this only narrows the browser's file picker).
STEP_MEDIA_TYPES = {
    "image/png": [".png"],
    "image/jpeg": [".jpg", ".jpeg"],
    "image/gif": [".gif"],
    "image/webp": [".webp"],
    "video/mp4": [".mp4"],
    "video/webm": [".webm"],
}
STEP_UPLOAD = "kb-step-media"


def _step_media(row: Any) -> rx.Component:
    key = row["key"]
    preview = rx.cond(
        row["media_id"].to(int) > 0,
        rx.flex(
            rx.cond(
                row["media_type"] == "video",
                rx.el.video(src=row["media_src"], controls=True, preload="metadata", class_name="kb-step-preview"),
                rx.image(src=row["media_src"], alt=row["alt"], class_name="kb-step-preview"),
            ),
            rx.flex(
                rx.text(row["media_name"], size="1", color_scheme="gray", class_name="kb-step-file"),
                rx.button(
                    tr("Remove the file"),
                    type="button",
                    variant="ghost",
                    color_scheme="red",
                    size="1",
                    on_click=S.clear_step_media(key),
                ),
                justify="start",
                align="center",
                gap="8px",
                wrap="wrap",
            ),
            direction="column",
            gap="6px",
        ),
    )
    upload = rx.upload.root(
        rx.flex(
            rx.icon("image-up", size=15),
            rx.text(
                rx.cond(row["media_id"].to(int) > 0, tr("Replace it"), tr("Upload an image or a video")),
                size="2",
                weight="medium",
            ),
            align="center",
            spacing="2",
            # Names the step the picked file is for (the picker opens from the same click).
            on_click=S.set_upload_target(key),
        ),
        id=STEP_UPLOAD,
        multiple=False,
        no_drag=True,  # one picker serves every step: a drop would not say which step it is for
        accept=STEP_MEDIA_TYPES,
        on_drop=S.upload_step_media(rx.upload_files(upload_id=STEP_UPLOAD)),
        padding="8px 12px",
        border="1px dashed var(--gray-7)",
        border_radius="var(--radius-2)",
        cursor="pointer",
        width="fit-content",
        class_name="kb-step-upload",
    )
    file_fields = rx.flex(
        preview,
        upload,
        rx.text(
            tr("PNG, JPEG, GIF or WebP images; MP4 or WebM videos."),
            size="1",
            color_scheme="gray",
        ),
        rx.cond(
            row["media_type"] == "image",
            rx.input(
                name=f"step_alt_{key}",
                default_value=row["alt"],
                key=row["field_key"].to(str) + "-alt",
                placeholder=tr("Describe the picture for screen readers"),
                max_length=300,
                on_blur=lambda value: S.set_step_field(key, "alt", value),
                aria_label=tr("Describe the picture for screen readers"),
                class_name="kb-step-alt",
            ),
        ),
        direction="column",
        gap="8px",
    )
    link_field = rx.input(
        name=f"step_url_{key}",
        default_value=row["url"],
        key=row["field_key"].to(str) + "-url",
        placeholder="https://www.youtube.com/watch?v=…",
        max_length=500,
        type="url",
        on_blur=lambda value: S.set_step_field(key, "url", value),
        aria_label=tr("Video link (YouTube or Vimeo)"),
        class_name="kb-step-url",
        custom_attrs={"aria-invalid": rx.cond(row["media_error"], "true", "false")},
    )
    return rx.flex(
        rx.text(tr("Picture or video"), size="2", weight="medium"),
        rx.radio_group.root(
            rx.flex(
                rx.radio_group.item(tr("None"), value="none", class_name="kb-step-mode-none"),
                rx.radio_group.item(tr("Image or video file"), value="file", class_name="kb-step-mode-file"),
                rx.radio_group.item(tr("Video link"), value="link", class_name="kb-step-mode-link"),
                column_gap="24px",
                row_gap="8px",
                wrap="wrap",
            ),
            value=row["mode"],
            on_change=lambda v: S.set_step_mode(key, v),
            size="2",
        ),
        rx.match(
            row["mode"],
            ("file", file_fields),
            (
                "link",
                rx.flex(
                    link_field,
                    rx.text(tr("A YouTube or Vimeo link; it plays inside the step."), size="1", color_scheme="gray"),
                    direction="column",
                    gap="6px",
                ),
            ),
            rx.fragment(),
        ),
        field_error(row["media_error"]),
        direction="column",
        gap="8px",
        class_name="kb-step-media",
    )


def _step_card(row: Any) -> rx.Component:
    key = row["key"]
    tool = lambda icon, label, event, disabled, css: rx.icon_button(  # noqa: E731 (three buttons alike)
        rx.icon(icon, size=15),
        type="button",
        variant="soft",
        color_scheme="red" if icon == "trash-2" else "gray",
        size="2",
        disabled=disabled,
        on_click=event,
        aria_label=label,
        title=label,
        class_name=css,
    )
    return panel(
        rx.flex(
            rx.flex(
                rx.badge(tr("Step {number}", number=row["number"]), size="2", class_name="kb-step-number"),
                rx.flex(
                    tool("arrow-up", tr("Move up"), S.move_step(key, -1), row["first"], "kb-step-up"),
                    tool("arrow-down", tr("Move down"), S.move_step(key, 1), row["last"], "kb-step-down"),
                    tool("trash-2", tr("Remove this step"), S.remove_step(key), False, "kb-step-remove"),
                    spacing="2",
                ),
                justify="between",
                align="center",
            ),
            rx.input(
                name=f"step_title_{key}",
                default_value=row["title"],
                key=row["field_key"].to(str) + "-title",
                placeholder=tr("Step title (optional)"),
                max_length=200,
                on_blur=lambda value: S.set_step_field(key, "title", value),
                aria_label=tr("Step title (optional)"),
                class_name="kb-step-title",
                custom_attrs={"dir": "auto"},
            ),
            rx.text_area(
                name=f"step_text_{key}",
                default_value=row["text"],
                key=row["field_key"].to(str) + "-text",
                placeholder=tr("What to do in this step."),
                rows="4",
                max_length=20_000,
                on_blur=lambda value: S.set_step_field(key, "text", value),
                aria_label=tr("What to do in this step."),
                class_name="kb-step-text",
                custom_attrs={"dir": "auto", "aria-invalid": rx.cond(row["error"], "true", "false")},
            ),
            field_error(row["error"]),
            _step_media(row),
            direction="column",
            gap="10px",
        ),
        padding="14px",
        class_name="kb-step-card",
    )


def _steps_editor() -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.text(tr("Steps"), size="3", weight="bold"),
            rx.text(
                tr("Readers go through them one at a time, with Back and Next."),
                size="1",
                color_scheme="gray",
            ),
            direction="column",
            gap="2px",
        ),
        field_error(S.errors.get("steps", "")),
        rx.foreach(S.step_rows, _step_card),
        rx.button(
            rx.icon("plus", size=15),
            tr("Add a step"),
            type="button",
            variant="soft",
            on_click=S.add_step,
            disabled=~S.can_add_step,
            class_name="kb-step-add",
            width="fit-content",
        ),
        direction="column",
        gap="12px",
        class_name="kb-steps",
    )


def _editor_form() -> rx.Component:
    errors = S.errors
    main = rx.flex(
        form_callout(S.form_error),
        rx.cond(
            S.translation_of != 0,
            rx.callout(
                tr(
                    "Translating “{title}” ({language}): replace the text with the translation, then save.",
                    title=S.source_title,
                    language=S.source_language,
                ),
                icon="languages",
                color_scheme="blue",
                size="1",
                class_name="kb-translating",
            ),
        ),
        field(
            tr("Title"),
            rx.input(
                name="title",
                id="kb-ed-title",
                default_value=S.ed_title,
                key=S.form_key,
                max_length=200,
                size="3",
                custom_attrs={"aria-invalid": invalid(errors, "title"), "dir": "auto"},
            ),
            error=errors.get("title", ""),
            html_for="kb-ed-title",
        ),
        _kind_choice(),
        field(
            rx.cond(S.ed_kind == "tutorial", tr("Introduction (optional)"), tr("Body")),
            body_field(name="body", value=S.ed_body_html, key=S.form_key, errors=errors),
            error=errors.get("body", ""),
            hint=rx.cond(
                S.ed_kind == "tutorial",
                tr("Shown above the steps."),
                tr("Section headings split the article into the passages that search finds and the chatbot quotes."),
            ),
            html_for="kb-ed-body",
        ),
        rx.cond(S.ed_kind == "tutorial", _steps_editor()),
        field(
            tr("Tags"),
            rx.input(
                name="tags",
                id="kb-ed-tags",
                default_value=S.ed_tags,
                key=S.form_key,
                placeholder=tr("password, login"),
                max_length=900,
            ),
            error=errors.get("tags", ""),
            hint=tr("Separate them with commas."),
            html_for="kb-ed-tags",
        ),
        direction="column",
        spacing="4",
        min_width="0",
    )
    side = rx.flex(
        panel(
            rx.flex(
                _status_choice(),
                field_error(errors.get("status", "")),
                _visibility_choice(),
                field(
                    tr("Language"),
                    _select("locale", S.ed_locale, S.locale_options, disabled=~S.is_new),
                    error=errors.get("locale", ""),
                    hint=rx.cond(S.is_new, "", tr("Translate it into another language instead.")),
                    html_for="kb-ed-locale",
                ),
                field(
                    tr("Category"),
                    _select("category", S.ed_category, S.category_options, none_label=N_("No category")),
                    error=errors.get("category_id", ""),
                    html_for="kb-ed-category",
                ),
                rx.button(
                    rx.icon("check", size=15),
                    S.save_label,
                    type="submit",
                    size="3",
                    width="100%",
                    class_name="kb-ed-save",
                    # A phone has the bar at the bottom of the screen instead (`_phone_save_bar`).
                    display=rx.breakpoints(initial="none", md="flex"),
                ),
                rx.cond(
                    S.view_url,
                    rx.flex(
                        rx.link(tr("View it"), href=S.view_url, size="2", class_name="kb-ed-view"),
                        rx.cond(
                            S.public_url,
                            rx.link(tr("Open in the help centre"), href=S.public_url, size="2", is_external=True),
                        ),
                        spacing="4",
                        wrap="wrap",
                        justify="center",
                    ),
                ),
                direction="column",
                spacing="4",
            ),
            padding="16px",
        ),
        rx.cond(
            ~S.is_new,
            translations_panel(S.translations, S.missing_locales, link="edit_url"),
        ),
        direction="column",
        spacing="3",
        min_width="0",
    )
    return rx.form(
        rx.grid(
            main,
            side,
            columns=rx.breakpoints(initial="1", md="minmax(0, 1fr) 300px"),
            align_items="start",
            gap="20px",
            width="100%",
        ),
        _phone_save_bar(),
        on_submit=S.save,
        reset_on_submit=False,
        id="kb-editor",
        width="100%",
    )


def _phone_save_bar() -> rx.Component:
    """On a phone the settings come after the body and steps: the Save button stays at the bottom of the screen,
    reachable without scrolling past every choice."""
    return rx.box(
        rx.button(
            rx.icon("check", size=15),
            S.save_label,
            type="submit",
            size="3",
            width="100%",
            class_name="kb-ed-save-phone",
        ),
        display=rx.breakpoints(initial="block", md="none"),
        position="sticky",
        bottom="0",
        z_index="5",
        margin_top="16px",
        padding="10px 0 calc(10px + env(safe-area-inset-bottom))",
        background="var(--color-background)",
        border_top="1px solid var(--gray-a5)",
        class_name="kb-ed-save-bar",
    )


def _editor_page() -> rx.Component:
    history_url = rx.Var.create("/agent/kb/articles/") + S.article_id.to(str) + "/history"
    return agent_shell(
        rx.cond(
            ~S.loaded,
            skeleton_rows(6),
            rx.cond(
                ~S.allowed,
                _not_editor(),
                rx.cond(
                    S.not_found,
                    _gone(),
                    rx.flex(
                        rx.flex(
                            _back(routes.AGENT_KB, tr("Knowledge base")),
                            rx.cond(
                                ~S.is_new,
                                rx.flex(
                                    rx.link(
                                        rx.button(rx.icon("history", size=14), tr("History"), variant="soft", size="2"),
                                        href=history_url,
                                        class_name="kb-ed-history",
                                    ),
                                    rx.button(
                                        rx.icon("trash-2", size=14),
                                        tr("Delete"),
                                        variant="soft",
                                        color_scheme="red",
                                        size="2",
                                        type="button",
                                        on_click=S.ask_delete,
                                        class_name="kb-ed-delete",
                                    ),
                                    spacing="2",
                                ),
                            ),
                            justify="between",
                            align="center",
                            wrap="wrap",
                            gap="8px",
                        ),
                        _editor_form(),
                        confirm_dialog(
                            S,
                            description=tr(
                                "Its versions and readers' feedback go with it, and links to it stop working. "
                                "To take it out of the help centre but keep it, archive it instead."
                            ),
                            confirm_label=tr("Delete for good"),
                            on_confirm=S.confirm_delete,
                            class_name="kb-confirm-delete",
                        ),
                        direction="column",
                        spacing="4",
                        max_width="1120px",
                        width="100%",
                    ),
                ),
            ),
        ),
        title=rx.cond(
            S.is_new, rx.cond(S.translation_of != 0, tr("New translation"), tr("New article")), tr("Edit article")
        ),
    )


@page(route=routes.AGENT_KB_NEW, title=N_("New article · AutoCRM"), on_load=KbEditorState.load)
def kb_new() -> rx.Component:
    return _editor_page()


@page(route=routes.AGENT_KB_EDIT, title=N_("Edit article · AutoCRM"), on_load=KbEditorState.load)
def kb_edit() -> rx.Component:
    return _editor_page()


# ---- history ---------------------------------------------------------------------------------------------------

H: Any = KbHistoryState


def _version_row(row: Any) -> rx.Component:
    return rx.flex(
        rx.badge("v", row["number"], color_scheme="indigo", variant="soft", flex_shrink="0"),
        rx.flex(
            rx.text(row["title"], size="2", weight="medium", custom_attrs={"dir": "auto"}),
            rx.flex(
                rx.text(row["author"], size="1", color_scheme="gray"),
                rx.text("·", size="1", color_scheme="gray"),
                time_ago(row["when_rel"], row["when_exact"], size="1"),
                rx.cond(row["status"], rx.text("· ", row["status"], size="1", color_scheme="gray")),
                spacing="1",
                align="center",
                wrap="wrap",
            ),
            direction="column",
            spacing="1",
            flex="1",
            min_width="0",
        ),
        rx.cond(
            row["number"].to(int) > 1,
            rx.button(
                tr("Changes"),
                variant="ghost",
                size="1",
                on_click=H.compare(row["number"]),
                class_name="kb-version-compare",
            ),
        ),
        align="center",
        spacing="3",
        padding="10px 14px",
        border_bottom="1px solid var(--gray-4)",
        class_name="kb-version",
    )


def _diff_line(row: Any) -> rx.Component:
    return diff_line(row, class_prefix="kb-diff")


def _version_pick(which: str, value: Any) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=tr("From") if which == "from" else tr("To"), class_name=f"kb-diff-{which}"),
        rx.select.content(rx.foreach(H.version_options, lambda o: rx.select.item(o["label"], value=o["value"]))),
        value=value,
        on_change=lambda v: H.pick(which, v),
    )


def _diff_panel() -> rx.Component:
    return panel(
        rx.flex(
            rx.flex(
                rx.text(tr("Compare"), size="2", weight="medium"),
                _version_pick("from", H.from_version),
                rx.icon("arrow-right", size=14, color="var(--gray-9)"),
                _version_pick("to", H.to_version),
                align="center",
                spacing="2",
                wrap="wrap",
            ),
            rx.flex(
                rx.flex(
                    rx.box(width="10px", height="10px", background="var(--red-9)", border_radius="2px"),
                    rx.text(tr("Removed"), size="1"),
                    align="center",
                    spacing="1",
                ),
                rx.flex(
                    rx.box(width="10px", height="10px", background="var(--green-9)", border_radius="2px"),
                    rx.text(tr("Added"), size="1"),
                    align="center",
                    spacing="1",
                ),
                spacing="4",
                color="var(--gray-11)",
            ),
            field_error(H.diff_error),
            rx.cond(
                H.same_versions,
                rx.text(tr("Pick two different versions to see what changed."), size="2", color_scheme="gray"),
                rx.cond(
                    H.no_changes,
                    rx.text(
                        tr("The title and text are the same in both (only settings changed)."),
                        size="2",
                        color_scheme="gray",
                    ),
                    rx.flex(
                        rx.cond(
                            H.title_diff.length() > 0,
                            rx.flex(
                                rx.text(tr("Title"), size="1", weight="medium", color_scheme="gray"),
                                diff_box(rx.foreach(H.title_diff, _diff_line)),
                                direction="column",
                                spacing="1",
                            ),
                        ),
                        rx.cond(
                            H.body_diff.length() > 0,
                            rx.flex(
                                rx.text(tr("Text"), size="1", weight="medium", color_scheme="gray"),
                                diff_box(rx.foreach(H.body_diff, _diff_line)),
                                direction="column",
                                spacing="1",
                            ),
                        ),
                        direction="column",
                        spacing="3",
                        class_name="kb-diff",
                    ),
                ),
            ),
            direction="column",
            spacing="3",
        ),
        padding="16px",
    )


@page(route=routes.AGENT_KB_HISTORY, title=N_("Article history · AutoCRM"), on_load=KbHistoryState.load)
def kb_history() -> rx.Component:
    return agent_shell(
        rx.cond(
            ~H.loaded,
            skeleton_rows(6),
            rx.cond(
                ~H.allowed,
                _not_editor(),
                rx.cond(
                    H.not_found,
                    _gone(),
                    rx.flex(
                        _back(H.edit_link, tr("Back to the editor")),
                        rx.heading(H.title, size="5", weight="bold", custom_attrs={"dir": "auto"}),
                        rx.grid(
                            _diff_panel(),
                            rx.flex(
                                rx.text(tr("Versions"), size="2", weight="medium", color_scheme="gray"),
                                panel(rx.foreach(H.versions, _version_row), class_name="kb-versions"),
                                direction="column",
                                spacing="2",
                                min_width="0",
                            ),
                            columns=rx.breakpoints(initial="1", md="minmax(0, 1fr) 320px"),
                            align_items="start",
                            gap="20px",
                            width="100%",
                        ),
                        direction="column",
                        spacing="4",
                        max_width="1120px",
                        width="100%",
                    ),
                ),
            ),
        ),
        title=tr("History"),
    )


# ---- missing translations ------------------------------------------------------------------------------------

M: Any = KbMissingState


def _missing_row(row: Any) -> rx.Component:
    return rx.flex(
        rx.flex(
            rx.link(
                row["title"], href=row["source_url"].to(str), size="2", weight="medium", custom_attrs={"dir": "auto"}
            ),
            rx.text(tr("Written in {language}", language=row["source_language"]), size="1", color_scheme="gray"),
            direction="column",
            spacing="1",
            flex="1",
            min_width="0",
        ),
        rx.link(
            rx.button(rx.icon("languages", size=14), tr("Translate"), variant="soft", size="2"),
            href=row["translate_url"].to(str),
            class_name="kb-missing-translate",
        ),
        align="center",
        spacing="3",
        padding="10px 14px",
        border_bottom="1px solid var(--gray-4)",
        class_name="kb-missing",
    )


def _locale_tab(tab: Any) -> rx.Component:
    chosen = M.chosen == tab["value"]
    return rx.button(
        tab["label"],
        rx.badge(tab["count"], size="1", variant=rx.cond(chosen, "solid", "soft"), color_scheme="gray"),
        variant=rx.cond(chosen, "solid", "soft"),
        color_scheme=rx.cond(chosen, "indigo", "gray"),
        size="2",
        on_click=M.choose(tab["value"]),
        class_name=rx.Var.create("kb-missing-tab kb-missing-tab-") + tab["value"].to(str),
        custom_attrs={"aria-pressed": rx.cond(chosen, "true", "false")},
    )


@page(route=routes.AGENT_KB_MISSING, title=N_("Missing translations · AutoCRM"), on_load=KbMissingState.load)
def kb_missing() -> rx.Component:
    return agent_shell(
        rx.cond(
            ~M.loaded,
            skeleton_rows(6),
            rx.cond(
                ~M.allowed,
                _not_editor(),
                rx.flex(
                    _back(routes.AGENT_KB, tr("Knowledge base")),
                    rx.text(
                        tr(
                            "Published articles with no translation in a language yet. Customers reading in it get "
                            "the article in English, or in the language it was written in."
                        ),
                        size="2",
                        color_scheme="gray",
                    ),
                    rx.flex(rx.foreach(M.locale_tabs, _locale_tab), spacing="2", wrap="wrap"),
                    rx.cond(
                        M.missing.length() > 0,
                        panel(rx.foreach(M.missing, _missing_row)),
                        panel(
                            empty_state(
                                "circle-check",
                                tr("Nothing missing in {language}", language=M.chosen_language),
                                tr("Every published article has a translation in this language."),
                            )
                        ),
                    ),
                    direction="column",
                    spacing="4",
                    max_width="920px",
                ),
            ),
        ),
        title=tr("Missing translations"),
    )


# ---- categories ---------------------------------------------------------------------------------------------

C: Any = KbCategoriesState


def _parent_select(element_id: str, value: Any, options: Any, on_change: Any) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(id=element_id, width="100%", class_name=element_id),
        rx.select.content(
            rx.select.item(tr("None: a top-level category"), value=NONE),
            rx.foreach(options, lambda o: rx.select.item(o["label"], value=o["value"])),
        ),
        value=value,
        on_change=on_change,
    )


def _new_category() -> rx.Component:
    return panel(
        rx.form(
            rx.flex(
                rx.text(tr("New category"), size="3", weight="medium"),
                rx.grid(
                    field(
                        tr("Name"),
                        rx.input(
                            name="name",
                            id="kb-cat-name",
                            key=C.form_key,
                            max_length=120,
                            placeholder=tr("For example: Billing"),
                            custom_attrs={"aria-invalid": invalid(C.errors, "name")},
                        ),
                        error=C.errors.get("name", ""),
                        html_for="kb-cat-name",
                    ),
                    field(
                        tr("Inside"),
                        _parent_select("kb-cat-parent", C.new_parent, C.parent_options, C.set_new_parent),
                        error=C.errors.get("parent_id", ""),
                        html_for="kb-cat-parent",
                    ),
                    columns=rx.breakpoints(initial="1", sm="minmax(0, 1fr) minmax(0, 1fr)"),
                    gap="12px",
                    width="100%",
                ),
                form_callout(C.form_error),
                rx.button(rx.icon("plus", size=15), tr("Add category"), type="submit", class_name="kb-cat-add"),
                direction="column",
                spacing="3",
                align="start",
            ),
            on_submit=C.add,
            reset_on_submit=False,
            id="kb-cat-new",
            width="100%",
        ),
        padding="16px",
    )


def _category_edit() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.grid(
                field(
                    tr("Name"),
                    rx.input(
                        name="name",
                        id="kb-cat-edit-name",
                        default_value=C.editing_name,
                        max_length=120,
                        custom_attrs={"aria-invalid": invalid(C.edit_errors, "name")},
                    ),
                    error=C.edit_errors.get("name", ""),
                    html_for="kb-cat-edit-name",
                ),
                field(
                    tr("Inside"),
                    _parent_select("kb-cat-edit-parent", C.edit_parent, C.edit_parent_options, C.set_edit_parent),
                    error=C.edit_errors.get("parent_id", ""),
                    hint=tr("Not inside itself or one of its own sub-categories."),
                    html_for="kb-cat-edit-parent",
                ),
                columns=rx.breakpoints(initial="1", sm="minmax(0, 1fr) minmax(0, 1fr)"),
                gap="12px",
                width="100%",
            ),
            form_callout(C.edit_error),
            rx.flex(
                rx.button(tr("Save"), type="submit", size="2", class_name="kb-cat-save"),
                rx.button(
                    tr("Cancel"),
                    type="button",
                    variant="soft",
                    color_scheme="gray",
                    size="2",
                    on_click=C.stop_edit,
                    class_name="kb-cat-cancel",
                ),
                spacing="2",
            ),
            direction="column",
            spacing="3",
        ),
        on_submit=C.save_edit,
        reset_on_submit=False,
        width="100%",
        padding="4px 0 8px",
        class_name="kb-cat-edit",
    )


def _category_row(row: Any) -> rx.Component:
    summary = rx.flex(
        rx.cond(
            row["depth"].to(int) > 0,
            rx.icon("corner-down-right", size=15, color="var(--gray-9)", flex_shrink="0"),
            rx.icon("folder", size=15, color="var(--gray-9)", flex_shrink="0"),
        ),
        rx.flex(
            rx.text(row["name"], size="2", weight="medium", class_name="kb-cat-row-name"),
            rx.text(
                tr_n("{n} article", "{n} articles", row["articles"].to(int)),
                size="1",
                color_scheme="gray",
            ),
            direction="column",
            flex="1",
            min_width="0",
        ),
        rx.flex(
            rx.button(
                rx.icon("pencil", size=14),
                tr("Rename or move"),
                variant="soft",
                size="1",
                type="button",
                on_click=C.start_edit(row["id"]),
                class_name="kb-cat-edit-open",
            ),
            rx.icon_button(
                rx.icon("trash-2", size=14),
                variant="soft",
                color_scheme="red",
                size="1",
                type="button",
                on_click=C.ask_delete(row["id"]),
                aria_label=tr("Delete"),
                title=tr("Delete"),
                class_name="kb-cat-delete",
            ),
            spacing="2",
            flex_shrink="0",
        ),
        align="center",
        spacing="3",
    )
    return rx.box(
        summary,
        rx.cond(C.editing == row["id"], _category_edit()),
        padding="10px 14px",
        padding_left=rx.Var.create("calc(14px + ") + row["indent"].to(str) + ")",
        border_bottom="1px solid var(--gray-4)",
        class_name="kb-cat-row",
        custom_attrs={"data-name": row["name"]},
    )


@page(route=routes.AGENT_KB_CATEGORIES, title=N_("Categories · AutoCRM"), on_load=KbCategoriesState.load)
def kb_categories() -> rx.Component:
    return agent_shell(
        rx.cond(
            ~C.loaded,
            skeleton_rows(6),
            rx.cond(
                ~C.allowed,
                _not_editor(),
                rx.flex(
                    _back(routes.AGENT_KB, tr("Knowledge base")),
                    rx.text(
                        tr(
                            "The help centre's sections. Put a category inside another to nest it; "
                            "only an empty category can be deleted."
                        ),
                        size="2",
                        color_scheme="gray",
                    ),
                    _new_category(),
                    rx.cond(
                        C.rows.length() > 0,
                        panel(rx.foreach(C.rows, _category_row), class_name="kb-cat-list"),
                        panel(empty_state("folder-tree", tr("No categories yet"), tr("Add the first one above."))),
                    ),
                    confirm_dialog(
                        C,
                        description=tr("Articles and sub-categories must be moved out of it first."),
                        confirm_label=tr("Delete"),
                        on_confirm=C.confirm_delete,
                        class_name="kb-cat-confirm-delete",
                    ),
                    direction="column",
                    spacing="4",
                    max_width="820px",
                    width="100%",
                ),
            ),
        ),
        title=tr("Categories"),
    )


__all__ = ["body_field", "kb_categories", "kb_edit", "kb_history", "kb_missing", "kb_new", "translations_panel"]
