from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from autocrm.api.errors import ErrorEnvelope
from autocrm.core.db import read_session
from autocrm.core.i18n import t

logger = logging.getLogger("autocrm.api")
router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


def _ping_database() -> None:
    with read_session() as session:
        session.execute(text("SELECT 1")).one()


@router.get("/api/health", responses={503: {"model": ErrorEnvelope, "description": "The database is unreachable"}})
async def health() -> Health:
    """Whether the API can reach its database. Needs no API key, so load balancers can call it."""
    try:
        await run_in_threadpool(_ping_database)
    except SQLAlchemyError:
        logger.warning("Health check: the database is unreachable", exc_info=True)
        raise HTTPException(status_code=503, detail=t("The database is not reachable.")) from None
    return Health(status="ok")
