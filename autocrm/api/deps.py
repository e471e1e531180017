"""What every route needs from a request: the acting API key, and ids a database can look up."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from autocrm.core.db import read_session
from autocrm.services import auth
from autocrm.services.actor import Actor
from autocrm.services.errors import AuthenticationFailed
from autocrm.services.inputs import MAX_DB_ID

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
