"""The app as the README serves it: the REST API mounted in the same backend (the scale-out mode: test_live)."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

import pytest

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
