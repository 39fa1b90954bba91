"""Validation reports: every problem found in a programme, for people and for machines."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]

#: Tables in the order reports list them.
TABLE_ORDER: tuple[str, ...] = ("mentors", "mentees", "pairings")

_MAX_VALUE_CHARS = 80


def _show_value(value: str) -> str:
    if value == "":
        return "an empty value"
    if len(value) > _MAX_VALUE_CHARS:
        value = value[: _MAX_VALUE_CHARS - 3] + "..."
    return repr(value)


@dataclass(frozen=True)
class Issue:
    """One problem: where it is (file, row, column), the bad value and what was expected.

    ``row`` is the row number a spreadsheet shows for CSV files (the header is row 1) and the
    1-based record number for Parquet; None for problems of a whole file or column.
    ``severity`` "error" makes the report fail and (for a row) rejects the row; "warning" and
    "info" are reported but change nothing.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    table: str | None
    severity: Severity = "error"

    @property
    def location(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column is not None:
            where += (
                f", column '{self.column}'" if self.row is not None else f" column '{self.column}'"
            )
        return where

    def describe(self) -> str:
        """The problem without its location: "got '-2', expected a whole number >= 0"."""
        if self.value is None:
            return self.message
        return f"got {_show_value(self.value)}, {self.message}"

    def __str__(self) -> str:
        return f"{self.location}: {self.describe()}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ValidationReport:
    """All issues found while loading a programme, plus how many rows of each table loaded."""

    issues: list[Issue] = field(default_factory=list)
    #: Valid rows per table.
    loaded: dict[str, int] = field(default_factory=dict)
    #: Rejected rows per table.
    rejected: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings and notes do not count)."""
        return not any(i.severity == "error" for i in self.issues)

    def add(
        self,
        file: str,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: str | None = None,
        table: str | None = None,
        severity: Severity = "error",
    ) -> Issue:
        """Record one issue and return it."""
        issue = Issue(file, row, column, value, message, table, severity)
        self.issues.append(issue)
        return issue

    def extend(self, issues: Iterable[Issue]) -> None:
        self.issues.extend(issues)

    def by_table(self, name: str) -> list[Issue]:
        """Issues about table ``name`` ("mentors", "mentees" or "pairings")."""
        return [i for i in self.issues if i.table == name]

    def _counts_text(self) -> str:
        parts = []
        for name in TABLE_ORDER:
            if name not in self.loaded and name not in self.rejected:
                continue
            text = f"{self.loaded.get(name, 0)} {name}"
            if self.rejected.get(name):
                text += f" ({self.rejected[name]} rejected)"
            parts.append(text)
        return ", ".join(parts) if parts else "nothing loaded"

    def format_text(self, max_per_file: int | None = 200) -> str:
        """A readable report grouped by file, ending with a summary line.

        At most ``max_per_file`` issues are listed per file (None: all); ``to_dict`` has them all.
        """
        n_errors, n_warnings = len(self.errors), len(self.warnings)
        lines: list[str] = []
        by_file: dict[str, list[Issue]] = {}
        for issue in self.issues:
            by_file.setdefault(issue.file, []).append(issue)
        for file, issues in by_file.items():
            counts = _plural(sum(i.severity == "error" for i in issues), "error")
            warns = sum(i.severity == "warning" for i in issues)
            if warns:
                counts += ", " + _plural(warns, "warning")
            lines.append(f"{file} ({counts})")
            shown = issues if max_per_file is None else issues[:max_per_file]
            for issue in shown:
                lines.append(f"  {issue.severity.upper():<7} {issue}")
            if len(shown) < len(issues):
                lines.append(
                    f"  ... and {len(issues) - len(shown)} more in {file} (use --json to see all)"
                )
            lines.append("")
        if self.ok:
            summary = f"OK: {self._counts_text()}"
            if n_warnings:
                summary += f" ({_plural(n_warnings, 'warning')})"
        else:
            summary = (
                f"INVALID: {_plural(n_errors, 'error')}, {_plural(n_warnings, 'warning')}; "
                f"valid rows: {self._counts_text()}"
            )
        lines.append(summary)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form: ok, per-table counts, error/warning totals and every issue."""
        tables = [t for t in TABLE_ORDER if t in self.loaded or t in self.rejected]
        return {
            "ok": self.ok,
            "counts": {
                t: {"valid": self.loaded.get(t, 0), "rejected": self.rejected.get(t, 0)}
                for t in tables
            },
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "issues": [i.to_dict() for i in self.issues],
        }


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


class InvalidProgrammeError(Exception):
    """Raised when a programme has errors; ``str()`` is the readable report."""

    def __init__(self, report: ValidationReport) -> None:
        super().__init__(report.format_text())
        self.report = report
