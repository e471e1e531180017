"""API keys, for admin keys with the `keys:manage` scope: list them, revoke one. Keys are made by an admin
in the app (/admin/api-keys) or on the command line, never through the API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from autocrm.api.deps import Credential, read, resource_id, write
from autocrm.api.errors import ERROR_RESPONSES
from autocrm.api.strict_json import StrictJSONRoute
from autocrm.services import api_keys
from autocrm.services.api_keys import ApiKeyPublic

router = APIRouter(prefix="/api/v1", tags=["api keys"], route_class=StrictJSONRoute, responses=ERROR_RESPONSES)

KeyId = Annotated[int, resource_id("The key's id (see the list).")]


@router.get("/api-keys", summary="List API keys")
async def list_api_keys(key: Credential) -> list[ApiKeyPublic]:
    """Every key, newest first, with its scopes, creator, last use (to the minute), expiry and state.
    Needs an admin key with the `keys:manage` scope. Never returns a secret."""
    return await read(key, lambda session, actor: api_keys.list_api_keys(session, actor=actor))


@router.delete("/api-keys/{key_id}", summary="Revoke an API key")
async def revoke_api_key(key: Credential, key_id: KeyId) -> ApiKeyPublic:
    """Revokes the key: from the next request on it gets 401, on every worker. Revoking a revoked key changes
    nothing and returns it as it is. Needs an admin key with the `keys:manage` scope."""
    return await write(key, lambda session, actor: api_keys.revoke_api_key(session, actor=actor, key_id=key_id))
