"""What every route needs from a request: the acting API key, and ids a database can look up."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from autocrm.core.db import read_session
from autocrm.services import auth
from autocrm.services.actor import Actor
from autocrm.services.errors import AuthenticationFailed

# Primary keys are 32-bit integers on PostgreSQL: a larger id is a bad request, not a lookup.
MAX_DB_ID = 2**31 - 1

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer acrm_…`. Create one with `autocrm create-api-key`.")


def api_actor(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Actor:
    if credentials is None:
        raise AuthenticationFailed("Send an API key as 'Authorization: Bearer <key>'.")
    if not (credentials.credentials.isascii() and credentials.credentials.isprintable()):
        # Keys are printable ASCII; anything else (a NUL, say) is no key, and PostgreSQL cannot even compare it.
        raise AuthenticationFailed("Send a valid API key as 'Authorization: Bearer <key>'.")
    with read_session() as session:
        return auth.api_key_actor(session, credentials.credentials)


ApiActor = Annotated[Actor, Depends(api_actor)]


def resource_id(description: str) -> Any:
    return Path(ge=1, le=MAX_DB_ID, description=description)


def reject_out_of_range_ids(data: BaseModel) -> None:
    """422 for `*_id` fields no row can have (the services' input models leave ids unbounded)."""
    errors = [
        {"type": "less_than_equal", "loc": ("body", name), "msg": f"Input should be between 1 and {MAX_DB_ID}"}
        for name in sorted(data.model_fields_set)
        if name.endswith("_id") and isinstance(value := getattr(data, name), int) and not 1 <= value <= MAX_DB_ID
    ]
    if errors:
        raise RequestValidationError(errors)
