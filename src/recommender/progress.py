"""Progress bars for long-running stages (rich, on stderr so stdout stays machine-readable)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

T = TypeVar("T")


def _enabled() -> bool:
    return os.environ.get("RECOMMENDER_PROGRESS", "1") not in {"0", "false", "no"}


def _progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=not _enabled(),
    )


def track(iterable: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """Iterate with a progress bar (disabled with ``RECOMMENDER_PROGRESS=0``)."""
    with _progress() as progress:
        yield from progress.track(iterable, total=total, description=description)


@contextmanager
def task(description: str, total: int) -> Iterator[Progress]:
    """A progress bar advanced by hand: ``with task("x", n) as p: p.advance(p.task_ids[0], k)``."""
    with _progress() as progress:
        progress.add_task(description, total=total)
        yield progress
