"""The AI features: the provider layer over the `openai` client, and what agents and customers get from it.

Every feature works without an LLM (grounded in the knowledge base and the desk's own history, extractive) and
gets better with one configured (`AUTOCRM_LLM_BASE_URL`); every output names its sources.
"""
