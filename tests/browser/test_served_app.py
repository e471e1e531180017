"""The app as the README serves it: the REST API mounted in the same backend, and the scale-out mode."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
import uuid

import pytest
import redis
from sqlalchemy import create_engine, text

from tests.browser.conftest import AGENT, served_app

pytestmark = pytest.mark.browser
PG_ADMIN_URL = os.environ.get("AUTOCRM_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_rest_api_is_served_beside_the_ui(server):
    assert _get(f"{server}/api/health") == (200, {"status": "ok"})
    status, body = _get(f"{server}/api/v1/tickets")
    assert status == 401 and body["error"]["code"] == "unauthenticated"
    status, body = _get(f"{server}/api/v1/no-such-thing")
    assert status == 404 and "error" in body
    status, spec = _get(f"{server}/api/v1/openapi.json")
    assert status == 200 and "/api/v1/tickets" in spec["paths"]


def test_scale_out_mode_keeps_ui_state_in_redis_and_data_in_postgresql(browser, open_ui):
    """AUTOCRM_DATABASE_URL and AUTOCRM_REDIS_URL alone switch the app to PostgreSQL and Redis, two workers."""
    database = f"autocrm_scaleout_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    redis_url = "redis://127.0.0.1:6379/14"
    store = redis.Redis.from_url(redis_url)
    store.flushdb()
    env = {
        "AUTOCRM_DATABASE_URL": PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database,
        "AUTOCRM_REDIS_URL": redis_url,
        "GRANIAN_WORKERS": "2",
    }
    try:
        with served_app(env, log_name="server-scale-out.log", own_build=True) as base:
            from tests.browser.conftest import UI

            ui = UI(browser, base)
            try:
                ui.login(AGENT, expect="/agent")
                ui.wait_ready("text=Maya Okafor")
                ui.page.reload()  # the session must survive a reload, whichever worker answers
                ui.wait_ready("text=Maya Okafor")
                assert "/agent" in ui.page.url
                assert not ui.errors
            finally:
                ui.close()
            assert store.dbsize() > 0, "UI state should live in Redis"
        with create_engine(env["AUTOCRM_DATABASE_URL"]).connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM ticket")).scalar_one() == 400
    finally:
        store.flushdb()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
