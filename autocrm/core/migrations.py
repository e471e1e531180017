"""Bring a database to the newest schema (Alembic) and make sure the desk has its defaults."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config

from alembic import command

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def alembic_config() -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    config.attributes["configure_logging"] = False
    return config


def upgrade_database() -> None:
    command.upgrade(alembic_config(), "head")
