"""Configuration of the sample-programme generator."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: The fixed "today" of generated programmes, so output never depends on the day it runs.
DEFAULT_END = datetime(2026, 6, 30, tzinfo=UTC)


class GeneratorConfig(BaseModel):
    """What to generate. The same config (seed included) always gives byte-identical files."""

    model_config = ConfigDict(frozen=True)

    n_mentors: int = Field(2000, ge=2, description="Mentors in the programme.")
    n_mentees: int = Field(5000, ge=2, description="Mentee requests over the history.")
    seed: int = Field(42, ge=0, description="Seed of the one random generator used.")
    years: float = Field(3.0, ge=0.25, le=30.0, description="Years of pairing history.")
    end: datetime = Field(DEFAULT_END, description="The programme's 'today' (UTC).")
    holdout_fraction: float = Field(
        0.15,
        gt=0.0,
        lt=1.0,
        description="The final share of the history (by time) whose mentees are held out in "
        "oracle/.",
    )
    dual_role_fraction: float = Field(
        0.02,
        ge=0.0,
        le=0.5,
        description="Share of mentees who are also mentors (same id in both tables).",
    )
    selection_temperature: float = Field(
        0.6,
        gt=0.0,
        description="How sharply the programme picks mentors by true fit (lower: sharper).",
    )

    @field_validator("end")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        # A naive end is UTC, like every naive datetime in the data contract.
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(microsecond=0)
