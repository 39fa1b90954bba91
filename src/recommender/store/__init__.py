"""The programme database: SQLAlchemy models, engines, Alembic migrations, import and export.

Typical use::

    from recommender.store import import_programme, read_programme_from_db

    counts = import_programme("data/programme", "sqlite:///data/recommender.db")
    programme = read_programme_from_db("sqlite:///data/recommender.db")
"""

from recommender.store.db import (
    StoreError,
    current_revision,
    head_revision,
    make_engine,
    session_factory,
    upgrade,
)
from recommender.store.io import (
    ImportCounts,
    QuarantineEntry,
    TableCounts,
    export_programme,
    import_programme,
    list_quarantine,
    read_programme_from_db,
    upsert_table,
)

__all__ = [
    "ImportCounts",
    "QuarantineEntry",
    "StoreError",
    "TableCounts",
    "current_revision",
    "export_programme",
    "head_revision",
    "import_programme",
    "list_quarantine",
    "make_engine",
    "read_programme_from_db",
    "session_factory",
    "upgrade",
    "upsert_table",
]
