"""The account and key commands run in this process (`tests/test_cli.py` runs them as `autocrm` does, in a
process of its own): their refusals and their output."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from autocrm.cli import cli

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # commands, not the database


def _run(*args: str, ok: bool = True) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert (result.exit_code == 0) is ok, result.output
    return result.output


def test_accounts_keys_and_their_refusals_from_the_command_line(db_url) -> None:
    assert "--role must be one of" in _run(
        "create-user",
        "--email",
        "x@example.com",
        "--name",
        "X",
        "--role",
        "boss",
        "--password",
        "long-enough",
        ok=False,
    )
    created = _run(
        "create-user", "--email", "Boss@Example.com", "--name", "Boss", "--role", "admin", "--password", "long-enough"
    )
    assert "created admin #" in created and "boss@example.com" in created
    again = _run(
        "create-user",
        "--email",
        "boss@example.com",
        "--name",
        "Boss",
        "--role",
        "admin",
        "--password",
        "long-enough",
        ok=False,
    )
    assert again.strip()  # the service's refusal, said

    assert "no API keys yet" in _run("api-keys", "list")
    assert "--role must be agent or admin" in _run(
        "create-api-key", "--name", "ci", "--scopes", "tickets:read", "--role", "customer", ok=False
    )
    assert "there is no account" in _run(
        "create-api-key", "--name", "ci", "--scopes", "tickets:read", "--owner", "nobody@example.com", ok=False
    )
    made = _run(
        "create-api-key",
        "--name",
        "ci",
        "--scopes",
        "tickets:read",
        "--owner",
        "boss@example.com",
        "--expires-days",
        "30",
    )
    assert "expiring" in made and made.strip().splitlines()[-1].startswith("acrm_")
    listed = _run("api-keys", "list")
    assert "ci" in listed and "tickets:read" in listed and "Boss" in listed
    key_id = listed.splitlines()[1].split()[0]
    assert "is revoked" in _run("api-keys", "revoke", key_id)
    assert "revoked" in _run("api-keys", "list")
    assert _run("api-keys", "revoke", "999999", ok=False).strip()

    assert "no account with the e-mail" in _run("reset-mfa", "--email", "ghost@example.com", ok=False)
    assert "two-step verification is off for boss@example.com" in _run("reset-mfa", "--email", "boss@example.com")
