"""Finding 4: sign-in throttling slows guessing without locking real people out.

Only failures count (never successes); they count per account from one client, per account from all
clients and per client over all accounts, each with its own free allowance, and past it each failure
doubles a wait (capped). The client address comes from X-Forwarded-For only through trusted proxies.
"""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from autocrm.core.db import write_session
from autocrm.core.settings import reset_settings
from autocrm.models import Role
from autocrm.services import auth
from autocrm.services.errors import AuthenticationFailed, RateLimited
from tests.factories import TEST_PASSWORD


@pytest.fixture(autouse=True)
def _cheap_hashes(monkeypatch):
    """These tests are about counting attempts, not hashing: cheap argon2 parameters keep them fast."""
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


def _sign_in(email: str, password: str = TEST_PASSWORD, client: str = "198.51.100.7"):
    with write_session() as session:
        return auth.authenticate(session, email=email, password=password, client=client)


def _fail(email: str, client: str = "198.51.100.7", times: int = 1) -> None:
    for _ in range(times):
        with pytest.raises(AuthenticationFailed):
            _sign_in(email, "wrong password", client)


def _wait_runs_out() -> None:
    """As if every wait had run out (the counts stay): the tests make no clock wait."""
    storage = auth._limiter().storage
    for key in list(getattr(storage, "storage", {})):
        if "login-wait:" in key:
            storage.clear(key)


def test_successful_sign_ins_never_count(people):
    agent = people.make(Role.agent)
    for _ in range(30):  # six times the free failures; today the sixth success in a minute is refused
        assert _sign_in(agent.email).id == agent.id


def test_failures_from_one_client_do_not_lock_the_account_elsewhere(people):
    agent = people.make(Role.agent)
    _fail(agent.email, client="203.0.113.9", times=6)
    with pytest.raises(RateLimited) as refused:
        _sign_in(agent.email, client="203.0.113.9")  # even the right password waits on that client
    assert "Try again in 2 seconds" in refused.value.message
    assert _sign_in(agent.email, client="198.51.100.7").id == agent.id  # the real user, elsewhere


def test_colleagues_behind_one_nat_do_not_lock_each_other_out(people):
    office = "192.0.2.44"
    colleagues = [people.make(Role.agent) for _ in range(8)]
    for colleague in colleagues:
        _fail(colleague.email, client=office, times=3)  # 24 failures from one address, few per account
    for colleague in colleagues:
        assert _sign_in(colleague.email, client=office).id == colleague.id


def test_waits_double_with_each_failure_up_to_the_cap(people, monkeypatch):
    monkeypatch.setenv("AUTOCRM_LOGIN_MAX_DELAY_SECONDS", "7")
    reset_settings()
    customer = people.make(Role.customer)
    _fail(customer.email, times=5)  # free
    waits = []
    for _ in range(4):
        _fail(customer.email)
        with pytest.raises(RateLimited) as refused:
            _sign_in(customer.email)
        waits.append(refused.value.message)
        _wait_runs_out()
    assert [message.split("Try again in ")[1] for message in waits] == [
        "2 seconds.",
        "4 seconds.",
        "7 seconds.",
        "7 seconds.",
    ]
    assert _sign_in(customer.email).id == customer.id  # once the wait is over, the right password works


def test_a_success_forgets_the_failures_of_that_person_on_that_client(people):
    agent = people.make(Role.agent)
    _fail(agent.email, times=4)
    assert _sign_in(agent.email).id == agent.id
    _fail(agent.email, times=5)  # a fresh allowance: no wait yet
    assert _sign_in(agent.email).id == agent.id


def test_guessing_one_account_from_many_addresses_still_waits(people):
    admin = people.make(Role.admin)
    for number in range(20):
        _fail(admin.email, client=f"198.51.100.{number + 1}")
    _fail(admin.email, client="198.51.100.200")
    with pytest.raises(RateLimited):
        _sign_in(admin.email, client="198.51.100.201")


def test_one_address_trying_many_accounts_waits(people):
    for number in range(50):
        _fail(f"nobody{number}@example.com", client="203.0.113.50")
    _fail("nobody-more@example.com", client="203.0.113.50")
    agent = people.make(Role.agent)
    with pytest.raises(RateLimited):
        _sign_in(agent.email, client="203.0.113.50")
    assert _sign_in(agent.email, client="203.0.113.51").id == agent.id
