"""Programme data: the contract, loading with validation, the canonical frames and label policy."""

from recommender.data.contract import (
    CONTRACT_VERSION,
    LIST_SEPARATOR,
    MENTEES,
    MENTORING_TYPES,
    MENTORS,
    PAIRING_STATUSES,
    PAIRINGS,
    TABLES,
    Column,
    Kind,
    Programme,
    TableSpec,
)
from recommender.data.frames import coerce_frame, empty_programme, write_programme, write_table
from recommender.data.labels import DEFAULT_LABEL_POLICY, LabelPolicy
from recommender.data.load import (
    SUPPORTED_SUFFIXES,
    LoadResult,
    ReferenceIds,
    derive_pairing_id,
    load_programme,
    parse_table,
    read_programme,
)
from recommender.data.report import InvalidProgrammeError, Issue, Severity, ValidationReport
from recommender.data.timezones import offset_hours_series, parse_timezone, utc_offset_hours

__all__ = [
    "CONTRACT_VERSION",
    "DEFAULT_LABEL_POLICY",
    "LIST_SEPARATOR",
    "MENTEES",
    "MENTORING_TYPES",
    "MENTORS",
    "PAIRINGS",
    "PAIRING_STATUSES",
    "SUPPORTED_SUFFIXES",
    "TABLES",
    "Column",
    "InvalidProgrammeError",
    "Issue",
    "Kind",
    "LabelPolicy",
    "LoadResult",
    "Programme",
    "ReferenceIds",
    "Severity",
    "TableSpec",
    "ValidationReport",
    "coerce_frame",
    "derive_pairing_id",
    "empty_programme",
    "load_programme",
    "offset_hours_series",
    "parse_table",
    "parse_timezone",
    "read_programme",
    "utc_offset_hours",
    "write_programme",
    "write_table",
]
