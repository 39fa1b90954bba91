"""Engines, sessions and schema migrations of the programme database.

SQLite (the default) and PostgreSQL are supported. The schema is managed by Alembic; the
migrations ship inside the package, so :func:`upgrade` works from an installed wheel with no
``alembic.ini``. From a source checkout the ``alembic`` command works too (the repository's
``alembic.ini`` points at the same migrations).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

#: Where the Alembic scripts live, as a package resource (works from a wheel or a checkout).
MIGRATIONS_LOCATION = "recommender.store:migrations"


class StoreError(RuntimeError):
    """The database cannot be used as asked (not migrated, unreachable, newer schema, ...)."""


class MissingDatabaseError(StoreError):
    """A SQLite database file that should exist does not."""


def normalise_url(url: str | URL) -> URL:
    """Parse ``url``, defaulting PostgreSQL URLs to the psycopg 3 driver the project ships.

    ``postgresql://`` and ``postgres://`` would otherwise ask SQLAlchemy for psycopg2.
    """
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str | URL, *, create: bool = True, **kwargs: Any) -> Engine:
    """Create an engine for ``url``.

    SQLite: foreign keys are enforced, the journal is WAL (readers do not block the writer), and
    the database file (with its parent directory) is created on first use, unless ``create`` is
    false: then a missing file raises :class:`StoreError` (reading must not leave an empty
    database behind). PostgreSQL: connections are checked before use, so a restarted server
    does not fail the next request.
    """
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            path = Path(database).expanduser()
            if not create and not path.exists():
                raise MissingDatabaseError(
                    f"there is no database at {path}: import data first "
                    "(recommender data import DIR)"
                )
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, **kwargs)
        in_memory = not database or database == ":memory:"

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("PRAGMA foreign_keys=ON")
                if not in_memory:
                    cursor.execute("PRAGMA journal_mode=WAL")
            finally:
                cursor.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to ``engine`` (objects stay usable after commit)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def engine_for(url_or_engine: str | URL | Engine, *, create: bool = True) -> Iterator[Engine]:
    """Yield an engine: the one given, or a new one for a URL that is disposed of afterwards
    (``create`` as for :func:`make_engine`)."""
    if isinstance(url_or_engine, Engine):
        yield url_or_engine
        return
    engine = make_engine(url_or_engine, create=create)
    try:
        yield engine
    finally:
        engine.dispose()


def alembic_config() -> Config:
    """An Alembic configuration pointing at the packaged migrations (no ini file needed)."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS_LOCATION)
    return config


def head_revision() -> str:
    """The newest migration shipped with this version of the package."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise StoreError("no migrations found in the package")
    return head


def upgrade(url_or_engine: str | URL | Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (default: the newest); a no-op when already there."""
    config = alembic_config()
    with engine_for(url_or_engine) as engine, engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(url_or_engine: str | URL | Engine) -> str | None:
    """The database's migration revision, or None when it has never been migrated."""
    try:
        with engine_for(url_or_engine, create=False) as engine, engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except MissingDatabaseError:
        return None


def require_current_schema(engine: Engine) -> None:
    """Raise :class:`StoreError` unless the database is migrated to this package's head."""
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return
    url = engine.url.render_as_string(hide_password=True)
    if current is None:
        raise StoreError(
            f"the database {url} has no programme schema yet: import data into it "
            "(recommender data import DIR) or run `alembic upgrade head`"
        )
    raise StoreError(
        f"the database {url} is at schema revision {current}, but this version of the package "
        f"expects {head}: run `alembic upgrade head` (or upgrade the package if the database is "
        "newer)"
    )


def describe_database_error(exc: BaseException) -> str:
    """A one-line description of a database failure for people (no SQL, no traceback)."""
    if isinstance(exc, StoreError):
        return str(exc)
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        detail = str(exc.orig).strip().splitlines()
        return f"{type(exc.orig).__name__}: {detail[0] if detail else ''}".rstrip(": ")
    if isinstance(exc, ArgumentError | NoSuchModuleError):
        return f"not a usable database URL ({str(exc).splitlines()[0]})"
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
