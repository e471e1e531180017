"""The AI tests' LLM: a local OpenAI-compatible server (tests/llm_server.py) reached through the real client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from autocrm.core.settings import reset_settings
from tests.llm_server import LLMServer, running_llm_server


@pytest.fixture(scope="session")
def llm_server_session() -> Iterator[LLMServer]:
    with running_llm_server() as server:
        yield server


@pytest.fixture
def llm_server(llm_server_session: LLMServer, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[LLMServer]:
    """The desk's settings pointed at the test server, no retries unless a test asks (each costs a backoff)."""
    llm_server_session.reset()
    monkeypatch.setenv("AUTOCRM_LLM_BASE_URL", llm_server_session.url)
    monkeypatch.setenv("AUTOCRM_LLM_MODEL", "test-model")
    monkeypatch.setenv("AUTOCRM_LLM_MAX_RETRIES", "0")
    reset_settings()
    yield llm_server_session
    reset_settings()
