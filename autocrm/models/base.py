"""Column types and helpers shared by every table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.types import TypeDecorator
from sqlmodel import Column, Field


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on every database (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given: use timezone-aware UTC timestamps")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:  # noqa: ARG002 (SQLAlchemy's hook)
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def timestamp_field(*, nullable: bool = False, index: bool = False, default_now: bool = False) -> Any:
    kwargs: dict[str, Any] = {}
    if default_now:
        kwargs["default_factory"] = utcnow
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index), **kwargs)


def json_field(default_factory: Any) -> Any:
    return Field(default_factory=default_factory, sa_column=Column(JSON, nullable=False))
