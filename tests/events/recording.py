"""A test listener that records each delivery in the database (a `desk_setting` row per event), counting how
often it ran; and a launcher that runs the real `autocrm worker` command with it declared."""

from __future__ import annotations

import sys

from sqlmodel import Session, col, select

from autocrm.models import DeskSetting
from autocrm.models.base import utcnow
from autocrm.services.events import Event

LISTENER = "tests.record_delivery"
PREFIX = "delivered:"


def record_delivery(session: Session, event: Event) -> None:
    row = session.get(DeskSetting, f"{PREFIX}{event.id}")
    if row is None:
        session.add(DeskSetting(key=f"{PREFIX}{event.id}", value=1, updated_at=utcnow()))
    else:
        row.value = int(row.value) + 1
        session.add(row)


def deliveries(session: Session) -> dict[int, int]:
    """event id -> how many times its delivery committed."""
    rows = session.exec(select(DeskSetting).where(col(DeskSetting.key).startswith(PREFIX)))
    return {int(row.key.removeprefix(PREFIX)): int(row.value) for row in rows}


def declare(event_type: str) -> None:
    from autocrm.events import listeners
    from autocrm.events.listeners import Listener

    listeners.AFTER_COMMIT.setdefault(event_type, []).append(Listener(LISTENER, record_delivery))


if __name__ == "__main__":
    # python -m tests.events.recording <event type> [worker options]: `autocrm worker` with the recorder declared.
    declare(sys.argv[1])
    from autocrm.cli import main

    sys.argv = ["autocrm", "worker", *sys.argv[2:]]
    main()
