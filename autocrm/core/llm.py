"""The LLM client: one `openai` client for OpenAI, Azure OpenAI and any OpenAI-compatible server.

What it talks to comes from the settings alone (`AUTOCRM_LLM_*`); with no base URL there is no client and the
AI features run without an LLM. The services decide what to ask and whether a feature is switched on
(`services/ai/provider.py`); this module only knows how to reach the model and which model a feature uses.

This module is `core`: no imports of models or services.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import openai

from autocrm.core.settings import get_settings

# A local server (Ollama, vLLM, llama.cpp) wants no key, but the client insists on one.
NO_KEY = "not-needed"


@dataclass(frozen=True)
class LLMConfig:
    base_url: str
    api_key: str
    model: str
    models: tuple[tuple[str, str], ...]  # per-feature overrides
    azure_api_version: str | None
    timeout_seconds: float
    max_retries: int

    def model_for(self, feature: str) -> str:
        return dict(self.models).get(feature, self.model)

    @property
    def provider_name(self) -> str:
        return "azure" if self.azure_api_version else "openai-compatible"


def config() -> LLMConfig | None:
    """The configured LLM, or None when the desk runs without one."""
    settings = get_settings()
    if not settings.llm_base_url:
        return None
    return LLMConfig(
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key or NO_KEY,
        model=settings.llm_model,
        models=tuple(sorted(settings.llm_models.items())),
        azure_api_version=settings.llm_azure_api_version,
        timeout_seconds=settings.llm_timeout_seconds,
        max_retries=settings.llm_max_retries,
    )


@lru_cache(maxsize=4)
def client_for(llm: LLMConfig) -> openai.OpenAI:
    """One client (and its connection pool) per configuration, shared by the threads of a process."""
    if llm.azure_api_version:
        return openai.AzureOpenAI(
            azure_endpoint=llm.base_url,
            api_key=llm.api_key,
            api_version=llm.azure_api_version,
            timeout=llm.timeout_seconds,
            max_retries=llm.max_retries,
        )
    return openai.OpenAI(
        base_url=llm.base_url, api_key=llm.api_key, timeout=llm.timeout_seconds, max_retries=llm.max_retries
    )
