"""One settings object, read from AUTOCRM_* environment variables and an optional `.env`."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from autocrm.core.origins import origin_of
from autocrm.core.private_files import PRIVATE_DIR_MODE, private_dir, tighten_data_dir


class Settings(BaseSettings):
    # hide_input_in_errors: a bad value is never echoed (AUTOCRM_SMTP_URL and AUTOCRM_SECRET_KEY hold secrets).
    model_config = SettingsConfigDict(env_prefix="AUTOCRM_", env_file=".env", extra="ignore", hide_input_in_errors=True)

    data_dir: Path = Field(default=Path("data"), description="Every file the embedded mode writes lives here.")
    database_url: str | None = Field(default=None, description="Unset: SQLite in the data dir.")
    redis_url: str | None = Field(
        default=None, description="Unset: Reflex's state and the login throttle stay in each process."
    )
    secret_key: str | None = Field(default=None, description="Unset: generated into the data dir.")
    base_url: str = "http://localhost:3000"
    company_name: str = "AutoCRM Support"
    default_time_zone: str = Field(default="UTC", description="The zone times are shown in for people who chose none.")
    default_locale: str = Field(
        default="en", description="The desk's language when neither the profile nor the browser names one we have."
    )
    smtp_url: str | None = Field(
        default=None,
        repr=False,  # it may carry the SMTP password
        description="smtp://user:pass@host:587?starttls=1 or smtps://host:465; unset: .eml files in the outbox.",
    )
    mail_from: str | None = Field(
        default=None, description="The From address of every mail (replies go to it too); unset: support@autocrm.local."
    )

    attachment_max_bytes: int = 10 * 1024 * 1024
    # A tutorial step's uploaded video (MP4 or WebM); its images keep the attachment limit.
    kb_video_max_bytes: int = Field(default=100 * 1024 * 1024, ge=1)
    # Inbound e-mail: past this many tickets and replies from one sender within the window, further mail from
    # it is kept but ignored (a mail storm, two auto-responders answering each other).
    email_sender_limit: int = Field(default=30, ge=1)
    email_sender_window_seconds: int = Field(default=600, ge=1)
    imap_idle: bool = Field(
        default=True, description="Workers keep IMAP IDLE open to mailboxes whose servers offer it (one at a time)."
    )
    email_max_bytes: int = Field(default=30 * 1024 * 1024, ge=1024, description="The largest raw message taken in.")
    message_max_chars: int = 100_000
    # Failed sign-ins (and failed MFA codes) are free up to these counts; each further failure doubles a wait,
    # from login_first_delay_seconds up to login_max_delay_seconds. Successes never count. Failures are
    # forgotten login_failure_window_seconds after the first one.
    login_free_failures: int = Field(default=5, ge=1, description="Per account from one client address.")
    login_free_failures_per_account: int = Field(default=20, ge=1, description="Per account from all addresses.")
    login_free_failures_per_client: int = Field(default=50, ge=1, description="Per client address, all accounts.")
    login_first_delay_seconds: int = Field(default=2, ge=1)
    login_max_delay_seconds: int = Field(default=900, ge=1)
    login_failure_window_seconds: int = Field(default=3600, ge=60)
    trusted_proxy_hops: int = Field(
        default=0,
        ge=0,
        le=10,
        description="Reverse proxies in front of the app whose X-Forwarded-For/-Proto entries are believed; 0: none.",
    )
    password_reset_ttl_seconds: int = 3600
    email_verification_ttl_seconds: int = 3 * 24 * 3600
    # Sign-up, reset and verification mails, each counted on its own: per address, and per client address.
    account_mails_per_address_per_hour: int = 5
    account_mails_per_client_per_hour: int = 20
    session_ttl_seconds: int = 14 * 24 * 3600
    # The job runner (`autocrm worker`, or the one `autocrm serve` starts): an idle worker looks for due jobs this
    # often; a claimed job is another worker's to take once its lease runs out; a failing job is retried after
    # base * 2^(attempt - 1) seconds (capped, with jitter) until its last attempt, then marked failed.
    job_poll_seconds: float = Field(default=0.5, gt=0, le=60)
    job_lease_seconds: int = Field(default=60, ge=1)
    job_max_attempts: int = Field(default=10, ge=1)
    job_retry_base_seconds: float = Field(default=2.0, gt=0)
    job_retry_max_seconds: float = Field(default=3600.0, gt=0)
    serve_worker: bool = Field(default=True, description="`autocrm serve` starts a job worker as its child.")
    event_retention_days: int = Field(default=30, ge=1, description="Outbox rows older than this are cleaned up.")
    # Live screens read the feed when a commit rings them, and at least this often (a writer that cannot ring).
    live_poll_seconds: float = Field(default=0.5, gt=0, le=60)
    # Presence ("Ana is viewing"): an entry lasts this long after its tab's last heartbeat (tabs beat every
    # third of it), so a closed tab or a killed process disappears by itself; screens look for changes this often.
    presence_ttl_seconds: float = Field(default=36.0, ge=1, le=600)
    presence_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    # Handling time gathered from heartbeats is written in batches this often (at most this much is lost if the
    # process is killed).
    presence_flush_seconds: float = Field(default=60.0, gt=0, le=3600)
    # Webhooks: receivers on loopback, private, link-local or reserved addresses are refused (SSRF) unless this
    # is set (tests, a desk whose receivers live on its own network). A delivery that gets no 2xx is retried
    # with backoff (base * 2^(attempt - 1), capped, with jitter) for the retry window, then marked failed.
    webhook_allow_private: bool = Field(default=False)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    webhook_retry_window_seconds: int = Field(default=24 * 3600, ge=1)
    webhook_retry_base_seconds: float = Field(default=5.0, gt=0)
    webhook_retry_max_seconds: float = Field(default=3600.0, gt=0)
    webhook_lease_seconds: int = Field(default=60, ge=1)
    webhook_send_threads: int = Field(default=4, ge=1, le=64, description="Deliveries a worker sends at once.")
    chroma_url: str | None = Field(
        default=None, description="A Chroma server for the knowledge base's vectors; unset: on disk in the data dir."
    )
    # The LLM, through the `openai` client (core/llm.py): any OpenAI-compatible server (OpenAI, Ollama, vLLM,
    # llama.cpp) by its base URL, or Azure OpenAI when an API version is given (the base URL is then the
    # resource's endpoint and a model is a deployment's name). Unset: the AI features run without an LLM.
    llm_base_url: str | None = Field(default=None, description="Unset: no LLM (grounded, extractive AI only).")
    llm_api_key: str | None = Field(default=None, repr=False)
    llm_model: str = Field(default="gpt-4o-mini", min_length=1, max_length=200)
    llm_models: dict[str, str] = Field(
        default_factory=dict,
        description='Per-feature models as JSON, e.g. {"chat": "gpt-4o", "summary": "gpt-4o-mini"}.',
    )
    llm_azure_api_version: str | None = Field(default=None, description="Set for Azure OpenAI, e.g. 2024-10-21.")
    llm_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    llm_max_retries: int = Field(default=2, ge=0, le=10)

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url_is_usable(cls, value: str | None) -> str | None:
        """Refused at start-up, not at the first mail; the message names no part of the URL."""
        if value:
            parts = urlsplit(value)
            try:
                parts.port  # noqa: B018 (urlsplit checks the port only when it is read)
            except ValueError:
                raise ValueError("AUTOCRM_SMTP_URL has a port that is not a number") from None
            if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
                raise ValueError(
                    "AUTOCRM_SMTP_URL must look like smtp://user:pass@host:587?starttls=1 or smtps://host:465"
                )
        return value or None

    @field_validator("llm_base_url")
    @classmethod
    def _llm_base_url_is_http(cls, value: str | None) -> str | None:
        if value:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError("AUTOCRM_LLM_BASE_URL must be an http(s) URL such as https://api.openai.com/v1")
        return value or None

    @field_validator("default_locale")
    @classmethod
    def _default_locale_is_supported(cls, value: str) -> str:
        from autocrm.core.i18n import SUPPORTED_LOCALES, normalize_locale

        locale = normalize_locale(value)
        if locale is None:
            raise ValueError(f"AUTOCRM_DEFAULT_LOCALE must be one of {', '.join(SUPPORTED_LOCALES)}")
        return locale

    @field_validator("default_time_zone")
    @classmethod
    def _default_time_zone_exists(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("AUTOCRM_DEFAULT_TIME_ZONE must be an IANA time zone such as Europe/Madrid") from None
        return value

    @field_validator("base_url")
    @classmethod
    def _base_url_has_an_origin(cls, value: str) -> str:
        origin_of(value)  # CORS, the websocket check and the CSP are built from its origin
        return value

    @property
    def resolved_data_dir(self) -> Path:
        path = self.data_dir.expanduser().resolve()
        path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        _secure_once(path)
        return path

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.resolved_data_dir / 'autocrm.db'}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def resolved_secret_key(self) -> str:
        """The configured key, or one generated once into the data dir (never a hard-coded default)."""
        if self.secret_key:
            return self.secret_key
        key_file = self.resolved_data_dir / "secret_key"
        if not key_file.exists():
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        return key_file.read_text().strip()

    @property
    def attachments_dir(self) -> Path:
        return private_dir(self.resolved_data_dir / "attachments")

    @property
    def outbox_dir(self) -> Path:
        return private_dir(self.resolved_data_dir / "outbox")


@lru_cache
def _secure_once(data_dir: Path) -> None:
    """Create the data dir private, and tighten what an older version left readable, once per process."""
    tighten_data_dir(data_dir)


@lru_cache
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
