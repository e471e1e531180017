"""The API's human messages follow Accept-Language; its codes never change."""

from __future__ import annotations

from tests.api.support import assert_error


def _reply(api, **headers):
    return api.client.post(
        f"/api/v1/tickets/{api.ticket.id}/messages", headers={**api.headers(), **headers}, json={"body": "Hello"}
    )


def test_the_message_follows_accept_language_and_the_code_stays(api):
    closed = api.client.patch(f"/api/v1/tickets/{api.ticket.id}", headers=api.headers(), json={"status": "closed"})
    assert closed.status_code == 200, closed.text
    english = _reply(api)
    assert assert_error(english, 409, "conflict")["message"] == "This ticket is closed. Open a new ticket instead."
    assert english.headers["Content-Language"] == "en"

    spanish = _reply(api, **{"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    error = assert_error(spanish, 409, "conflict")
    assert error["message"] == "Este ticket está cerrado. Abre un ticket nuevo."
    assert spanish.headers["Content-Language"] == "es"
    assert "Accept-Language" in spanish.headers["Vary"]

    # A language we do not have: the desk's default.
    ignored = _reply(api, **{"Accept-Language": "ja"})
    assert assert_error(ignored, 409)["message"] == "This ticket is closed. Open a new ticket instead."


def test_the_apis_own_errors_are_translated_too(api):
    response = api.client.post(
        f"/api/v1/tickets/{api.ticket.id}/messages",
        headers={**api.headers(), "Accept-Language": "de", "Content-Type": "application/json"},
        content=b"{not json",
    )
    error = assert_error(response, 400, "invalid_json")
    # The parser's reason and where it stopped, in the reader's words too.
    assert error["message"] == (
        "Der Anfragetext ist kein gültiges JSON: ein Name in doppelten Anführungszeichen wurde erwartet bei Zeichen 2."
    )
    unsafe = api.client.post(
        f"/api/v1/tickets/{api.ticket.id}/messages",
        headers={**api.headers(), "Accept-Language": "es", "Content-Type": "application/json"},
        content=b'{"body": NaN}',
    )
    assert "NaN no es un número JSON" in assert_error(unsafe, 400, "invalid_json")["message"]
    too_large = api.client.post(
        f"/api/v1/tickets/{api.ticket.id}/messages",
        headers={**api.headers(), "Accept-Language": "fr", "Content-Type": "application/json"},
        content=b'{"body": "' + b"x" * (1024 * 1024 + 10) + b'"}',
    )
    assert assert_error(too_large, 413)["message"].startswith("Le corps de la requête dépasse ")

    response = api.client.post(
        f"/api/v1/tickets/{api.ticket.id}/messages",
        headers={**api.headers(), "Accept-Language": "fr"},
        json={"body": "x", "author_id": 1},
    )
    assert (
        assert_error(response, 422, "validation_failed")["message"]
        == "Certains champs ne sont pas valides : author_id."
    )


def test_a_bad_bodys_field_messages_follow_accept_language_and_keep_their_place(api):
    """Pydantic's own English ("Extra inputs are not permitted") never reaches a German client: each field's
    message is the desk's sentence for the error's type; the code and the field names stay as they are."""
    response = api.client.post(
        f"/api/v1/tickets/{api.ticket.id}/messages",
        headers={**api.headers(), "Accept-Language": "de"},
        json={"body": "x", "author_id": 1},
    )
    error = assert_error(response, 422, "validation_failed")
    assert error["details"] == {"author_id": "Dieses Feld ist hier unbekannt."}

    response = api.client.patch(
        f"/api/v1/tickets/{api.ticket.id}",
        headers={**api.headers(), "Accept-Language": "es"},
        json={"subject": "x" * 300},
    )
    error = assert_error(response, 422, "validation_failed")
    assert error["details"]["subject"].startswith("Admite como máximo ")
    english = api.client.patch(f"/api/v1/tickets/{api.ticket.id}", headers=api.headers(), json={"subject": "x" * 300})
    assert assert_error(english, 422, "validation_failed")["details"]["subject"].startswith("Keep this under ")


def test_bare_http_errors_have_words_in_the_readers_language(api):
    missing = api.client.get("/api/v1/no-such-thing", headers={**api.headers(), "Accept-Language": "de"})
    assert assert_error(missing, 404, "not_found")["message"] == "Nicht gefunden."
    wrong_method = api.client.put("/api/v1/tickets", headers={**api.headers(), "Accept-Language": "fr"}, json={})
    assert assert_error(wrong_method, 405, "method_not_allowed")["message"] == "Cette méthode n’est pas autorisée ici."
