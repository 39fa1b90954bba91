"""Alembic migrations of the programme database (see :func:`recommender.store.db.upgrade`)."""
