"""POST /api/v1/tickets with `follow_up_of_id`: the new ticket continues an earlier one."""

from tests.api.support import assert_error, nothing_written


def test_a_follow_up_is_created_and_read_with_its_original(api):
    original = api.ticket
    response = api.client.post(
        "/api/v1/tickets",
        json={"subject": "Printer still on fire", "body": "<p>Again</p>", "follow_up_of_id": original.id},
        headers=api.headers(),
    )
    assert response.status_code == 201, response.text
    ticket = response.json()
    assert ticket["follow_up_of"] == {"id": original.id, "number": original.number}
    assert ticket["requester"]["id"] == api.customer.id  # no requester named: the original's
    assert api.client.get(response.headers["Location"], headers=api.headers()).json() == ticket
    listed = api.client.get("/api/v1/tickets", headers=api.headers()).json()["items"]
    assert {t["id"]: t["follow_up_of"] for t in listed} == {
        ticket["id"]: {"id": original.id, "number": original.number},
        original.id: None,
    }
    history = api.client.get(f"/api/v1/tickets/{ticket['id']}/audit", headers=api.headers()).json()
    assert history[0]["changes"]["follow_up_of_id"] == [None, original.id]


def test_a_follow_up_of_a_missing_ticket_is_not_found_and_writes_nothing(api):
    with nothing_written():
        response = api.client.post(
            "/api/v1/tickets",
            json={"subject": "Lost", "body": "x", "follow_up_of_id": 999_999},
            headers=api.headers(),
        )
    assert_error(response, 404, "not_found")
    invalid = api.client.post(
        "/api/v1/tickets", json={"subject": "Lost", "body": "x", "follow_up_of_id": 0}, headers=api.headers()
    )
    assert_error(invalid, 422)
