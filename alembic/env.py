"""Alembic runs against AutoCRM's own engine, so migrations and the app agree on the database."""

from logging.config import fileConfig

from sqlmodel import SQLModel

import autocrm.models  # noqa: F401  (registers every table on the metadata)
from alembic import context
from autocrm.core import fulltext
from autocrm.core.db import get_engine

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with get_engine().connect() as connection:
        _run(connection)
        connection.commit()


def _run(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # The full-text search tables are made by autocrm.core.fulltext, not declared in the models.
        include_object=fulltext.include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
