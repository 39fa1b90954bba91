"""Programme KPIs, point in time, and the self-contained HTML report built on them.

- :func:`compute_kpis` (:mod:`recommender.kpis.compute`): pure figures of a programme as of a
  time; its ``to_dict()`` is what ``GET /v1/programme/kpis`` returns.
- :func:`render_report` (:mod:`recommender.kpis.html`): one HTML file with inline SVG charts.
"""

from recommender.kpis.compute import (
    MATCH_STATUSES,
    SEGMENT_DIMENSIONS,
    KpiSettings,
    ProgrammeKpis,
    compute_kpis,
    gini,
    status_at,
)

__all__ = [
    "MATCH_STATUSES",
    "SEGMENT_DIMENSIONS",
    "KpiSettings",
    "ProgrammeKpis",
    "compute_kpis",
    "gini",
    "status_at",
]
