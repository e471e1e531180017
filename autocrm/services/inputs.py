"""What every service input must satisfy before it reaches a database, whichever adapter sent it."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from autocrm.core.i18n import t

# Primary keys are 32-bit on PostgreSQL: a larger id can name no row, and would fail there, not match.
MAX_DB_ID = 2**31 - 1
DbId = Annotated[int, Field(ge=1, le=MAX_DB_ID)]


def one_printable_line(value: str) -> str:
    """Runs of whitespace become one space; control, zero-width and direction-changing characters are refused,
    so a subject or a name cannot hide text or reorder what a list shows (`str.isprintable` refuses them all)."""
    line = " ".join(value.split())
    if not line.isprintable():
        raise ValueError(t("must be plain text: no control, zero-width or text-direction characters"))
    return line


# A line people read in lists (a ticket's subject): printable, one line, 1 to 250 characters.
Subject = Annotated[str, Field(min_length=1, max_length=250), AfterValidator(one_printable_line)]


_CONTAINERS = (dict, list, tuple, set, frozenset)
_TEXT_OR_CONTAINERS = (str, *_CONTAINERS)


def contains_nul(value: Any) -> bool:
    """PostgreSQL text cannot hold NUL; SQLite would keep it silently. Neither is wanted.

    Walks containers without a call per string (an import batch holds ~40,000 of them): NUL is one
    character, so it is in the joined text of a container's strings only if it is in one of them."""
    if isinstance(value, str):
        return "\x00" in value
    if not isinstance(value, _CONTAINERS):
        return False
    items = [*value, *value.values()] if isinstance(value, dict) else list(value)
    if "\x00" in "".join([item for item in items if type(item) is str]):
        return True
    return any(contains_nul(item) for item in items if type(item) is not str and isinstance(item, _TEXT_OR_CONTAINERS))


def is_valid_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_DB_ID


def like_pattern(text: str) -> str:
    """A case-insensitive 'contains' pattern in which the user's own % and _ match only themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


class ServiceInput(BaseModel):
    """Base of the services' input shapes: unknown fields and NUL characters are refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul_characters(cls, data: Any) -> Any:
        if contains_nul(data):
            raise ValueError(t("text must not contain NUL characters"))
        return data
