"""Shared fixtures."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_POSTGRES_URL = os.environ.get("RECOMMENDER_TEST_DATABASE_URL")
_BACKENDS: list[Any] = ["sqlite"]
if _POSTGRES_URL:
    _BACKENDS.append(pytest.param("postgres", marks=pytest.mark.postgres))


@pytest.fixture(params=_BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file in tmp_path, and also PostgreSQL when
    RECOMMENDER_TEST_DATABASE_URL is set (each test in its own schema, dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{(tmp_path / 'recommender.db').as_posix()}"
        return
    from sqlalchemy import make_url, text

    from recommender.store.db import make_engine, normalise_url

    assert _POSTGRES_URL is not None
    base = normalise_url(make_url(_POSTGRES_URL))
    if base.get_backend_name() != "postgresql":
        pytest.fail(f"RECOMMENDER_TEST_DATABASE_URL must be a PostgreSQL URL, got {base}")
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = make_engine(base)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        # Unqualified names (tables, alembic_version) resolve to the test's own schema.
        url = base.update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()
