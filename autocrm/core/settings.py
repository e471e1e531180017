"""One settings object, read from AUTOCRM_* environment variables and an optional `.env`."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AUTOCRM_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Every file the embedded mode writes lives here.")
    database_url: str | None = Field(default=None, description="Unset: SQLite in the data dir.")
    redis_url: str | None = Field(
        default=None, description="Unset: Reflex's state and the login throttle stay in each process."
    )
    secret_key: str | None = Field(default=None, description="Unset: generated into the data dir.")
    base_url: str = "http://localhost:3000"
    company_name: str = "AutoCRM Support"

    attachment_max_bytes: int = 10 * 1024 * 1024
    message_max_chars: int = 100_000
    login_attempts_per_minute: int = 5
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
    session_ttl_seconds: int = 14 * 24 * 3600

    @property
    def resolved_data_dir(self) -> Path:
        path = self.data_dir.expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
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
        path = self.resolved_data_dir / "attachments"
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def outbox_dir(self) -> Path:
        path = self.resolved_data_dir / "outbox"
        path.mkdir(parents=True, exist_ok=True)
        return path


@lru_cache
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
