"""A bad API key is answered 401 before anything else about the request is judged.

The routes look their key up in the same worker-thread hop as their work, after FastAPI has validated the
request (autocrm/api/deps.py), so the validation-error handler checks the key first: these pin that down.
"""

from __future__ import annotations

import pytest

from tests.api.support import assert_error

BAD_INPUT = [
    ("GET", "/api/v1/tickets?page=0", None),
    ("GET", "/api/v1/tickets?assignee=me", None),
    ("GET", "/api/v1/tickets?assignee=bogus", None),
    ("GET", "/api/v1/tickets?q=a%00b", None),
    ("GET", "/api/v1/tickets/0", None),
    ("GET", "/api/v1/attachments/99999999999", None),
    ("PATCH", "/api/v1/tickets/{ticket}", b'{"bogus": 1}'),
    ("POST", "/api/v1/tickets", b"{}"),
    ("POST", "/api/v1/tickets/{ticket}/messages", b'{"body": ""}'),
    ("POST", "/api/v1/tickets/{ticket}/messages/0/attachments", None),
]


@pytest.mark.parametrize(("method", "path", "body"), BAD_INPUT)
def test_a_bad_key_outranks_bad_input(api, method, path, body):
    url = path.format(ticket=api.ticket.id)
    for caller in ("unknown", "tampered", "revoked"):
        headers = {**api.headers(caller), **({"Content-Type": "application/json"} if body else {})}
        response = api.client.request(method, url, headers=headers, content=body)
        assert_error(response, 401, "unauthenticated")
        assert response.headers["WWW-Authenticate"] == "Bearer"
    headers = {**api.headers("agent"), **({"Content-Type": "application/json"} if body else {})}
    assert_error(api.client.request(method, url, headers=headers, content=body), 422, "validation_failed")


def test_unparsable_json_is_a_400_whoever_sends_it(api):
    for caller in ("unknown", "agent"):
        response = api.client.patch(
            f"/api/v1/tickets/{api.ticket.id}",
            content=b"{not json",
            headers={**api.headers(caller), "Content-Type": "application/json"},
        )
        assert_error(response, 400, "invalid_json")
