"""Reading and writing people and pairings, through ``store/`` and into the serving state.

Every write goes to the database first and then into a new snapshot (:class:`Changes`), so the
retraining job reads what the service serves. Rows are the data contract's columns
(:data:`~recommender.service.results.Row`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from recommender.data.contract import TABLES
from recommender.data.frames import coerce_frame
from recommender.data.load import derive_pairing_id
from recommender.features.context import People
from recommender.service.changes import Changes
from recommender.service.errors import ConflictError, InvalidInputError, NotFoundError
from recommender.service.results import Page, Row
from recommender.service.state import ServingState
from recommender.store import rows as db

__all__ = ["ID_COLUMNS", "Records"]

#: The id column of each people table.
ID_COLUMNS: dict[str, str] = {"mentors": "mentor_id", "mentees": "mentee_id"}


class Records:
    """Mentors, mentees and pairings: read from the serving state or the database, written
    through :class:`Changes`."""

    def __init__(self, state: ServingState, changes: Changes) -> None:
        self.state = state
        self.changes = changes

    # -- people ----------------------------------------------------------------------------
    def _people(self, table: People) -> pd.DataFrame:
        context = self.state.snapshot.context
        return context.mentors if table == "mentors" else context.mentees

    def get_person(self, table: People, person_id: str) -> Row:
        frame = self._people(table)
        position = self.state.snapshot.context.position_map(table).get(person_id)
        if position is None:
            raise NotFoundError(f"no {table[:-1]} {person_id!r}")
        return db.row_to_dict(table, frame.iloc[position])

    def list_people(self, table: People, offset: int, limit: int) -> Page:
        frame = self._people(table)
        page = frame.iloc[offset : offset + limit]
        return Page(total=len(frame), offset=offset, items=db.frame_records(table, page))

    def create_person(self, table: People, record: dict[str, Any]) -> Row:
        """Insert a new mentor or mentee (ConflictError if the id exists)."""
        id_column = ID_COLUMNS[table]
        frame = coerce_frame(TABLES[table], [record])
        person_id = str(frame[id_column].iloc[0])
        with self.state.write_lock:
            if db.exists(self.state.engine, table, person_id):
                raise ConflictError(
                    f"{table[:-1]} {person_id!r} already exists; use PUT or PATCH to change it",
                    field=(id_column,),
                )
            self.changes.write(table, frame)
        return db.row_to_dict(table, frame.iloc[0])

    def replace_person(
        self, table: People, person_id: str, record: dict[str, Any], *, merge: bool = False
    ) -> Row:
        """Replace (or with ``merge``, update the given fields of) an existing person."""
        with self.state.write_lock:
            current = db.read_row(self.state.engine, table, person_id)
            if current.empty:
                raise NotFoundError(f"no {table[:-1]} {person_id!r}")
            values = db.row_to_dict(table, current.iloc[0]) if merge else {}
            values.update(record)
            values[ID_COLUMNS[table]] = person_id
            frame = coerce_frame(TABLES[table], [values])
            self.changes.write(table, frame)
        return db.row_to_dict(table, frame.iloc[0])

    def delete_person(self, table: People, person_id: str) -> None:
        """Delete a person who has no pairings (their history would otherwise be lost)."""
        engine = self.state.engine
        with self.state.write_lock:
            if not db.exists(engine, table, person_id):
                raise NotFoundError(f"no {table[:-1]} {person_id!r}")
            count = db.pairings_of(engine, ID_COLUMNS[table], person_id)
            if count:
                advice = (
                    "set available to false to stop recommending them"
                    if table == "mentors"
                    else "their pairings are training data"
                )
                raise ConflictError(
                    f"{table[:-1]} {person_id!r} has {count} pairing(s) and cannot be deleted; "
                    + advice
                )
            self.changes.delete(table, person_id)

    # -- pairings --------------------------------------------------------------------------
    def get_pairing(self, pairing_id: str) -> Row:
        frame = db.read_row(self.state.engine, "pairings", pairing_id)
        if frame.empty:
            raise NotFoundError(f"no pairing {pairing_id!r}")
        return db.row_to_dict("pairings", frame.iloc[0])

    def record_pairing(self, record: dict[str, Any]) -> Row:
        """Record a new pairing of known people (its id derived when not given)."""
        values = dict(record)
        if values.get("created_at") is None:
            values["created_at"] = self.state.now()
        if not values.get("pairing_id"):
            values["pairing_id"] = derive_pairing_id(
                values["mentor_id"], values["mentee_id"], db.as_utc(values["created_at"])
            )
        frame = coerce_frame(TABLES["pairings"], [values])
        engine = self.state.engine
        with self.state.write_lock:
            for column, table in (("mentor_id", "mentors"), ("mentee_id", "mentees")):
                if not db.exists(engine, table, str(values[column])):
                    raise InvalidInputError(
                        f"{column[:-3]} {values[column]!r} is not in the programme",
                        field=(column,),
                    )
            if values["mentor_id"] == values["mentee_id"]:
                raise InvalidInputError(
                    "a person cannot be paired with themself", field=("mentee_id",)
                )
            pairing_id = str(frame["pairing_id"].iloc[0])
            if db.exists(engine, "pairings", pairing_id):
                raise ConflictError(f"pairing {pairing_id!r} already exists; PATCH it instead")
            self.changes.write("pairings", frame)
        return db.row_to_dict("pairings", frame.iloc[0])

    def update_pairing(self, pairing_id: str, changes: dict[str, Any]) -> Row:
        """Change a pairing's status, rating, feedback or end date."""
        with self.state.write_lock:
            current = db.read_row(self.state.engine, "pairings", pairing_id)
            if current.empty:
                raise NotFoundError(f"no pairing {pairing_id!r}")
            values = db.row_to_dict("pairings", current.iloc[0])
            values.update(changes)
            ended, created = values.get("ended_at"), values.get("created_at")
            if ended is not None and created is not None and db.as_utc(ended) < db.as_utc(created):
                raise InvalidInputError(
                    "ended_at is before the pairing's created_at", field=("ended_at",)
                )
            frame = coerce_frame(TABLES["pairings"], [values])
            self.changes.write("pairings", frame)
        return db.row_to_dict("pairings", frame.iloc[0])
