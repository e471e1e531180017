"""The public shapes of accounts and teams: what `users` and `auth` return instead of ORM rows.

A module of its own because both return them and `users` builds on `auth` (passwords, e-mail rules),
so neither can hold them without importing the other.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from autocrm.models import Balancing, Role


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    name: str
    role: Role
    organization_id: int | None
    is_active: bool
    # None until the owner proved the address is theirs (see services/verification.py).
    email_verified_at: datetime | None = None
    # None: not chosen (the browser's language, the desk's time zone apply).
    locale: str | None = None
    time_zone: str | None = None


class UserPage(BaseModel):
    items: list[UserPublic]
    total: int
    page: int
    per_page: int


class TeamPublic(BaseModel):
    id: int
    name: str
    description: str  # the team's focus
    member_ids: list[int]
    lead_ids: list[int] = []
    # Coverage: shifts are in this zone; these holidays (a country's, the team's own days) nobody is on shift.
    time_zone: str = "UTC"
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    holidays: list[str] = []
    balancing: Balancing = Balancing.manual
