"""The composers' file picker: pick or drop files, see what will be attached (or why a file was not), remove
one before sending. The state side is `state/files.StagedFilesMixin`."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars import ArrayVar, ObjectVar

from autocrm.components.i18n import tr
from autocrm.core.settings import get_settings
from autocrm.services.tickets import ALLOWED_ATTACHMENT_TYPES
from autocrm.state.files import MAX_FILES_PER_MESSAGE


def _accepted() -> dict[str, list[str]]:
    return {content_type: [] for content_type in sorted(ALLOWED_ATTACHMENT_TYPES)}


def _refused(state: Any) -> Any:
    """The browser's refusals as (file name, reason code) pairs: its File objects do not cross the socket."""

    def pair(record: Any) -> Any:
        record = record.to(ObjectVar, dict[str, Any])
        first_error = record["errors"].to(ArrayVar, list[dict[str, Any]])[0].to(ObjectVar, dict[str, Any])
        return rx.Var.create([record["file"].to(ObjectVar, dict[str, Any])["name"], first_error["code"]])

    return lambda rejected: state.refuse_files(rejected.to(ArrayVar).map(pair))


def _staged(state: Any) -> rx.Component:
    return rx.flex(
        rx.foreach(
            state.staged_files,
            lambda f, i: rx.badge(
                rx.icon("paperclip", size=12),
                f["filename"],
                rx.text(f["size"], as_="span", color_scheme="gray"),
                rx.icon_button(
                    rx.icon("x", size=11),
                    size="1",
                    variant="ghost",
                    color_scheme="gray",
                    type="button",
                    aria_label=tr("Remove {name}", name=f["filename"].to(str)),
                    on_click=state.unstage(i),
                    class_name="unstage-file",
                ),
                variant="surface",
                color_scheme="gray",
                size="2",
                class_name="staged-file",
                max_width="100%",
            ),
        ),
        spacing="2",
        wrap="wrap",
    )


def attachment_picker(state: Any, upload_id: str) -> rx.Component:
    """`state` has `StagedFilesMixin`; `upload_id` names this picker's files for Reflex's upload."""
    limit = get_settings().attachment_max_bytes
    hint = tr(
        "Up to {count} files of {size} MB each: images, PDF, text, CSV, ZIP, Word and Excel.",
        count=MAX_FILES_PER_MESSAGE,
        size=limit // (1024 * 1024),
    )
    return rx.flex(
        rx.upload.root(
            rx.flex(
                rx.icon("paperclip", size=14),
                rx.text(tr("Attach files"), size="1", weight="medium"),
                rx.text(tr("or drop them here"), size="1", color_scheme="gray", display=["none", "inline"]),
                align="center",
                spacing="2",
            ),
            id=upload_id,
            multiple=True,
            max_size=limit,
            accept=_accepted(),
            on_drop=state.stage_files(rx.upload_files(upload_id=upload_id)),
            on_drop_rejected=_refused(state),
            padding="6px 10px",
            border="1px dashed var(--gray-7)",
            border_radius="var(--radius-2)",
            cursor="pointer",
            width="fit-content",
            class_name="attachment-picker",
            custom_attrs={"title": hint},
        ),
        rx.cond(state.staged_files.length() > 0, _staged(state)),
        rx.cond(
            state.staged_error,
            rx.text(state.staged_error, size="1", color="var(--red-11)", class_name="staged-error"),
            rx.text(hint, size="1", color_scheme="gray"),
        ),
        direction="column",
        spacing="2",
    )
