"""Alembic environment of the programme database.

Run programmatically by :func:`recommender.store.db.upgrade` (which hands over an open
connection), or by the ``alembic`` command from a source checkout, where the URL comes from
``-x database_url=...``, else ``sqlalchemy.url`` in alembic.ini, else the project's settings
(``RECOMMENDER_DATABASE_URL`` or the default SQLite file).
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection

from recommender.store.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    from recommender.config import get_settings
    from recommender.store.db import normalise_url

    url = (
        context.get_x_argument(as_dictionary=True).get("database_url")
        or config.get_main_option("sqlalchemy.url")
        or get_settings().database_url
    )
    return normalise_url(url).render_as_string(hide_password=False)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place: future migrations copy-and-move tables.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Emit the migration SQL instead of running it (``alembic upgrade head --sql``)."""
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the connection handed over, or on a new one."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from recommender.store.db import make_engine

    engine = make_engine(_url())
    try:
        with engine.begin() as new_connection:
            _run(new_connection)
    finally:
        engine.dispose()


# Only the command line has an ini file; library callers keep their own logging set-up.
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
