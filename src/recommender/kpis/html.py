"""The programme report: one self-contained HTML file (inline CSS and SVG, no external assets)
rendered from :class:`~recommender.kpis.compute.ProgrammeKpis`.

Every figure comes from the KPIs object; this module only lays them out. User-supplied text
(segment names, groups, the source) is escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from html import escape
from typing import Any

from recommender.kpis.charts import bar_chart, line_chart
from recommender.kpis.compute import SEGMENT_DIMENSIONS, TIME_TO_MATCH_BINS, ProgrammeKpis

__all__ = ["render_report"]

#: Segments drawn in the per-segment monthly charts (the table lists all of them).
CHART_SEGMENTS = 6

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;
max-width:1100px;padding:1.5rem;color:#1a1a1a;background:#fff;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:2px solid #ddd}
.meta{color:#444}.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));
gap:.6rem;margin:1rem 0}.tile{border:1px solid #ccc;border-radius:6px;padding:.6rem}
.tile .v{font-size:1.5rem;font-weight:600}.tile .k{color:#444;font-size:.85rem}
table{border-collapse:collapse;width:100%;margin:.6rem 0;font-size:.88rem}
th,td{border-bottom:1px solid #ddd;padding:.3rem .45rem;text-align:right}
th:first-child,td:first-child{text-align:left}thead th{background:#f3f3f3}
.chart{max-width:760px;display:block;margin:.8rem 0}.chart-title{font-size:14px;font-weight:600}
.tick{font-size:11px;fill:#333}.grid{stroke:#e2e2e2}.note{color:#444;font-size:.9rem}
"""


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def _int(value: int | None) -> str:
    return "n/a" if value is None else f"{value:,}"


Column = tuple[str, str, Callable[[Any], str]]


def _get(row: Mapping[str, Any], key: str) -> Any:
    value: Any = row
    for part in key.split("."):
        value = value[part]
    return value


def _table(columns: Sequence[Column], rows: Sequence[Mapping[str, Any]], caption: str) -> str:
    """A table with one column per ``(header, key, format)``; ``key`` may be dotted."""
    out = [f"<table><caption class='note'>{escape(caption)}</caption><thead><tr>"]
    out += [f"<th scope='col'>{escape(head)}</th>" for head, _, _ in columns]
    out.append("</tr></thead><tbody>")
    for row in rows:
        cells = (fmt(_get(row, key)) for _, key, fmt in columns)
        out.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _str(value: Any) -> str:
    return str(value)


def _days(value: float | None) -> str:
    return _num(value, 1)


#: Columns shared by the tables of months, segments and suggestion groups.
_OUTCOME_COLUMNS: list[Column] = [
    ("completed", "completed", _int),
    ("ended early", "ended_early", _int),
    ("completion", "completion_rate", _pct),
]
_SUGGESTION_COLUMNS: list[Column] = [
    ("led to pairing", "led_to_pairing", _int),
    ("uptake", "uptake_rate", _pct),
    ("declined", "declined", _int),
    ("running", "running", _int),
    *_OUTCOME_COLUMNS,
    ("mean rating", "mean_rating", _num),
]


def _tiles(k: ProgrammeKpis) -> str:
    t = k.totals
    d = t["days_to_match"]
    tiles = [
        ("mentors", _int(t["mentors"])),
        ("mentees", _int(t["mentees"])),
        ("matches", _int(t["matches"])),
        ("mentees matched", _pct(t["match_rate"])),
        ("median days to match", _num(d["median"], 1)),
        ("completion rate", _pct(t["completion_rate"])),
        ("early-closure rate", _pct(t["early_closure_rate"])),
        ("mean rating (0-5)", _num(t["mean_rating"])),
        ("mean sentiment (-1 to 1)", _num(t["mean_sentiment"])),
        ("running pairings", _int(t["running"])),
    ]
    return (
        "<div class='tiles'>"
        + "".join(
            f"<div class='tile'><div class='v'>{escape(v)}</div>"
            f"<div class='k'>{escape(n)}</div></div>"
            for n, v in tiles
        )
        + "</div>"
    )


def _monthly(k: ProgrammeKpis) -> str:
    rows = k.monthly
    months = [r["month"] for r in rows]

    def col(name: str) -> list[Any]:
        return [r[name] for r in rows]

    parts = [
        "<h2 id='matches'>Matches per month</h2>",
        bar_chart(
            "Proposals and matches by the month they were made",
            months,
            [("proposals", col("proposals")), ("matches", col("matches"))],
        ),
        "<h2 id='outcomes'>Completion and early closure</h2>",
        line_chart(
            "Completion and early-closure rates by the month pairings ended",
            months,
            [
                ("completion rate", col("completion_rate")),
                ("early-closure rate", col("early_closure_rate")),
            ],
            y_format=lambda v: f"{100 * v:.0f}%",
            y_min=0.0,
            y_max=1.0,
        ),
        "<h2 id='satisfaction'>Rating and sentiment</h2>",
        line_chart(
            "Mean rating (0-5) by month",
            months,
            [("mean rating", col("mean_rating"))],
            y_min=0.0,
            y_max=5.0,
        ),
        line_chart(
            "Mean feedback sentiment (-1 to 1) by month",
            months,
            [("mean sentiment", col("mean_sentiment"))],
            y_min=-1.0,
            y_max=1.0,
        ),
        _table(
            [
                ("month", "month", _str),
                ("mentees joined", "mentees_joined", _int),
                ("proposals", "proposals", _int),
                ("matches", "matches", _int),
                *_OUTCOME_COLUMNS,
                ("early closure", "early_closure_rate", _pct),
                ("mean rating", "mean_rating", _num),
                ("ratings", "n_ratings", _int),
                ("mean sentiment", "mean_sentiment", _num),
                ("feedbacks", "n_feedback", _int),
            ],
            rows,
            "By month. Matches and proposals by the month they were made; completion by the month "
            "pairings ended; rating and sentiment by the month they were given.",
        ),
    ]
    return "".join(parts)


def _time_to_match(k: ProgrammeKpis) -> str:
    ttm = k.time_to_match
    edges = [0, *TIME_TO_MATCH_BINS]
    labels = [
        f"{edges[i]}-{edges[i + 1]} d" if i + 1 < len(edges) else f"{edges[i]}+ d"
        for i in range(len(edges))
    ]
    counts = [b["n"] for b in ttm["histogram"]]
    summary = (
        f"{_int(ttm['n'])} matched mentees: median {_num(ttm['median'], 1)} days "
        f"(quartiles {_num(ttm['p25'], 1)} to {_num(ttm['p75'], 1)}), mean {_num(ttm['mean'], 1)}."
    )
    return (
        "<h2 id='time-to-match'>Time from joining to a pairing</h2>"
        f"<p>{escape(summary)}</p>"
        + bar_chart(
            "Mentees by days from joining to their first match", labels, [("mentees", counts)]
        )
    )


def _segments(k: ProgrammeKpis) -> str:
    names = {
        "cohort": "Cohort (quarter the mentee joined)",
        "department": "Department",
        "group": "Group",
    }
    months = [r["month"] for r in k.monthly]
    parts = ["<h2 id='segments'>By cohort, department and group</h2>"]
    for dim in SEGMENT_DIMENSIONS:
        rows = k.segments.get(dim, [])
        parts.append(f"<h3>{escape(names[dim])}</h3>")
        parts.append(
            _table(
                [
                    (dim, "segment", _str),
                    ("mentees", "mentees", _int),
                    ("matched", "mentees_matched", _int),
                    ("match rate", "match_rate", _pct),
                    ("median days to match", "days_to_match.median", _days),
                    ("matches", "matches", _int),
                    *_OUTCOME_COLUMNS,
                    ("mean rating", "mean_rating", _num),
                    ("mean sentiment", "mean_sentiment", _num),
                ],
                rows,
                f"Each pairing counts in its mentee's {dim}.",
            )
        )
        top = sorted(rows, key=lambda r: (-r["matches"], r["segment"]))[:CHART_SEGMENTS]
        if dim != "cohort" and top:
            parts.append(
                line_chart(
                    f"Matches per month by {dim} (the {len(top)} largest)",
                    months,
                    [(r["segment"], [r["monthly_matches"].get(m, 0) for m in months]) for r in top],
                )
            )
    return "".join(parts)


def _load(k: ProgrammeKpis) -> str:
    m = k.mentor_load
    per = m["matches_per_mentor"]
    text = (
        f"{_int(m['mentors'])} mentors ({_int(m['available'])} available), "
        f"{_int(m['running_pairings'])} running pairings and {_int(m['pending_proposals'])} "
        f"pending proposals in {_int(m['capacity'])} places; {_int(m['free_places'])} places "
        f"free; {_int(m['at_or_over_capacity'])} mentors at or over capacity. Matches per mentor "
        f"so far: mean {_num(per['mean'])}, max {_int(per['max'])}, "
        f"{_int(per['mentors_never_matched'])} never matched, Gini {_num(per['gini'])}."
    )
    return (
        "<h2 id='load'>Mentor load</h2>"
        f"<p>{escape(text)}</p>"
        + bar_chart(
            "Mentors by running pairings",
            [str(h["load"]) for h in m["histogram"]],
            [("mentors", [h["mentors"] for h in m["histogram"]])],
        )
        + bar_chart(
            "Mentors by share of capacity in use",
            [u["bucket"] for u in m["utilisation"]],
            [("mentors", [u["mentors"] for u in m["utilisation"]])],
        )
    )


def _suggestions(k: ProgrammeKpis) -> str:
    s = k.suggestions
    head = "<h2 id='suggestions'>How often each group is suggested</h2>"
    if s is None:
        return head + (
            "<p>No suggestions log: the service records what it suggests in its database; "
            "run the report with <code>--from-db</code> to include it.</p>"
        )
    if not s["suggested_pairs"]:
        return head + "<p>No suggestions recorded by this date.</p>"
    rows = s["by_mentor_group"]
    parts = [
        head,
        f"<p>{_int(s['suggested_pairs'])} mentee-mentor pairs suggested "
        f"({_int(s['impressions'])} times in all) between {escape(s['first_at'][:10])} and "
        f"{escape(s['last_at'][:10])}. A suggestion led to a pairing when the pair was paired "
        f"within {s['window_days']:g} days.</p>",
        bar_chart(
            "Share of suggestions vs share of mentors, by mentor group",
            [r["group"] for r in rows],
            [
                ("share of suggestions", [r["share"] for r in rows]),
                ("share of mentors", [r["pool_share"] for r in rows]),
            ],
            y_format=lambda v: f"{100 * v:.0f}%",
        ),
        _table(
            [
                ("mentor group", "group", _str),
                ("suggested", "suggested", _int),
                ("share", "share", _pct),
                ("share of mentors", "pool_share", _pct),
                ("exposure ratio", "exposure_ratio", _num),
                *_SUGGESTION_COLUMNS,
            ],
            rows,
            "By the suggested mentor's group (as recorded when suggested).",
        ),
        _table(
            [
                ("mentee group", "group", _str),
                ("suggested", "suggested", _int),
                ("share", "share", _pct),
                *_SUGGESTION_COLUMNS,
            ],
            s["by_mentee_group"],
            "By the group of the mentee the suggestion was made to.",
        ),
    ]
    return "".join(parts)


def _notes(k: ProgrammeKpis) -> str:
    if not k.data_notes:
        return ""
    items = "".join(f"<li>{escape(n['message'])}: {_int(n['count'])}</li>" for n in k.data_notes)
    return f"<h2 id='notes'>Data notes</h2><ul class='note'>{items}</ul>"


def render_report(
    kpis: ProgrammeKpis,
    *,
    title: str = "Mentoring programme report",
    source: str | None = None,
    generated_at: datetime | None = None,
) -> str:
    """The whole report as one HTML document."""
    generated = (generated_at or datetime.now(UTC)).replace(microsecond=0).isoformat()
    meta = f"As of {kpis.as_of.date().isoformat()} · generated {generated}"
    if source:
        meta += f" · data: {source}"
    if kpis.sentiment_model:
        meta += f" · sentiment: {kpis.sentiment_model}"
    status = ", ".join(f"{s.replace('_', ' ')} {n:,}" for s, n in kpis.status_counts.items())
    body = [
        f"<h1>{escape(title)}</h1><p class='meta'>{escape(meta)}</p>",
        _tiles(kpis),
        f"<p class='note'>Pairings by status at this date: {escape(status)}.</p>",
        _monthly(kpis),
        _time_to_match(kpis),
        _segments(kpis),
        _load(kpis),
        _suggestions(kpis),
        _notes(kpis),
        "<h2 id='definitions'>Definitions</h2><p class='note'>Everything is as of the report "
        "date: people who had joined, pairings created, and each pairing's status as it stood "
        "then (a pairing that ended later was still running). A match is a pairing that was "
        "formed (accepted, active, completed or ended early). Completion rate: completed / "
        "(completed + ended early). Time to match: days from a mentee joining to their first "
        "match. Sentiment: each feedback text scored from -1 (negative) to 1 (positive). "
        "See docs/feedback.md in the project for the full definitions.</p>",
    ]
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body><main>"
        + "".join(body)
        + "</main></body></html>\n"
    )
