"""Files picked in a composer before its message is sent (`components/files.attachment_picker`).

Each file is checked as it is picked (size, a type the desk takes, judged by its bytes) so the writer hears
at once what will not go, and kept in the file store meanwhile: not in the state (which every event carries
and the state manager stores) and not on one process's disk (another app process may take the send). On send
the files go onto the new message in the message's own transaction; removing one, or sending, drops the
kept copy.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from autocrm.core.i18n import t
from autocrm.core.settings import get_settings
from autocrm.services import tickets
from autocrm.services.actor import Actor
from autocrm.services.errors import DomainError
from autocrm.services.storage import get_file_store
from autocrm.state.format import file_size

MAX_FILES_PER_MESSAGE = 10


class StagedFilesMixin(rx.State, mixin=True):
    # What the writer sees: each picked file's name and size; why a file was not taken.
    staged_files: list[dict[str, str]] = []
    staged_error: str = ""
    # Backend only: where each picked file waits (its file-store key) and its checked name.
    _staged: list[dict[str, Any]] = []

    @rx.event
    async def stage_files(self, files: list[rx.UploadFile]):
        """Takes picked or dropped files, each checked now; the ones refused are named with the reason."""
        refused: list[str] = []
        store = get_file_store()
        for upload in files:
            name = upload.filename or "file"
            if len(self._staged) >= MAX_FILES_PER_MESSAGE:
                refused.append(
                    t("{name}: a message takes {count} files at most.", name=name, count=MAX_FILES_PER_MESSAGE)
                )
                continue
            data = await upload.read()
            try:
                safe_name, _content_type = tickets.check_attachment(name, data)
            except DomainError as error:
                refused.append(t("{name}: {reason}", name=name, reason=error.message))
                continue
            self._staged = [*self._staged, {"key": store.put(data), "filename": safe_name}]
            self.staged_files = [*self.staged_files, {"filename": safe_name, "size": file_size(len(data))}]
        if refused:  # beside what the browser refused from the same drop (`refuse_files`), never over it
            self.staged_error = " ".join([self.staged_error, *refused]).strip()

    @rx.event
    def unstage(self, index: int):
        if 0 <= index < len(self._staged):
            get_file_store().delete(self._staged[index]["key"])
            self._staged = [f for i, f in enumerate(self._staged) if i != index]
            self.staged_files = [f for i, f in enumerate(self.staged_files) if i != index]
        self.staged_error = ""

    @rx.event
    def refuse_files(self, rejected: list[list[str]]):
        """Files the browser refused before sending them: (name, react-dropzone's reason code) pairs."""
        limit = get_settings().attachment_max_bytes // (1024 * 1024)
        reasons = []
        for name, code in (pair for pair in rejected if isinstance(pair, list) and len(pair) == 2):
            if code == "file-too-large":
                reasons.append(t("{name}: larger than {size} MB.", name=name, size=limit))
            elif code == "too-many-files":
                reasons.append(
                    t("{name}: a message takes {count} files at most.", name=name, count=MAX_FILES_PER_MESSAGE)
                )
            else:
                reasons.append(t("{name}: the desk does not take files of this type.", name=name))
        self.staged_error = " ".join(reasons)

    def _attach_staged(self, session: Session, actor: Actor, ticket_id: int, message_id: int) -> None:
        """Puts the picked files on the message just written, in its transaction (all or nothing)."""
        store = get_file_store()
        for staged in self._staged:
            tickets.add_attachment(
                session,
                actor=actor,
                ticket_id=ticket_id,
                message_id=message_id,
                filename=staged["filename"],
                data=store.get(staged["key"]),
            )

    def _drop_staged(self) -> None:
        """After sending (the message holds its own copies) or on leaving the ticket."""
        store = get_file_store()
        for staged in self._staged:
            store.delete(staged["key"])
        self._staged, self.staged_files, self.staged_error = [], [], ""
