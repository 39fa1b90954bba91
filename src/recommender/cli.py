"""The ``recommender`` command line: thin typer commands over the library's stages.

Heavy libraries (torch, mlflow, lightgbm) are imported inside the commands so ``--help`` is fast.
Exit codes: 0 success, 1 the input was invalid (a report says why), 2 usage error (typer),
3 a dependency failed (database, tracking server, model).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from recommender.config import get_settings

if TYPE_CHECKING:
    from rich.table import Table

    from recommender.data.contract import Programme
    from recommender.evaluation.protocol import EvaluationResult
    from recommender.models import MentorRanker

EXIT_INVALID = 1
EXIT_DEPENDENCY = 3

app = typer.Typer(
    name="recommender",
    help="Mentor recommender: data, training, evaluation, serving.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(
    help="Validate, import, export and generate programme data.", no_args_is_help=True
)
app.add_typer(data_app, name="data")

console = Console()
err = Console(stderr=True)


def _error(message: object, level: str = "error") -> None:
    """Print ``level: message`` to stderr; the message is data (ids, paths, values), never
    rich markup, so a ``[`` in a user's id cannot garble or crash the report."""
    colour = "red" if level == "error" else "yellow"
    err.print(f"[{colour}]{level}:[/{colour}] {escape(str(message))}", soft_wrap=True)


DirArg = Annotated[
    Path, typer.Argument(help="Programme directory (mentors/mentees/pairings .csv or .parquet).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
DbOpt = Annotated[
    str | None,
    typer.Option("--database-url", help="SQLAlchemy URL (default: settings' database_url)."),
]


def _database_url(url: str | None) -> str:
    return url or get_settings().database_url


@data_app.command("validate")
def data_validate(directory: DirArg, as_json: JsonOpt = False) -> None:
    """Check a programme directory against the data contract; exit 1 if anything is wrong."""
    from recommender.data.load import read_programme

    result = read_programme(directory)
    if as_json:
        sys.stdout.write(json.dumps(result.report.to_dict(), indent=2) + "\n")
    else:
        # The report quotes user data: no rich markup (a value like "[/x]" would break it) and
        # no re-wrapping, so each issue stays on one greppable line.
        console.print(result.report.format_text(), markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(0 if result.report.ok else EXIT_INVALID)


@data_app.command("import")
def data_import(directory: DirArg, database_url: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Validate DIR and upsert its valid rows into the database; invalid rows go to quarantine."""
    from recommender.store.io import import_programme

    with _database_errors():
        counts = import_programme(directory, _database_url(database_url))
    if as_json:
        sys.stdout.write(json.dumps(counts.to_dict(), indent=2) + "\n")
    else:
        console.print(counts.format_text(), markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(0 if counts.ok else EXIT_INVALID)


@data_app.command("export")
def data_export(
    directory: Annotated[Path, typer.Argument(help="Output directory.")],
    database_url: DbOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
) -> None:
    """Write the database's programme to DIR in the contract format."""
    from recommender.store.io import export_programme

    if fmt not in {"csv", "parquet"}:
        _error(f"--format must be csv or parquet, got {fmt!r}")
        raise typer.Exit(2)
    with _database_errors():
        written = export_programme(_database_url(database_url), directory, fmt=fmt)
    for name, n in written.items():
        console.print(f"{name}: {n} rows -> {directory / (name + '.' + fmt)}", markup=False)


@data_app.command("quarantine")
def data_quarantine(
    database_url: DbOpt = None,
    table: Annotated[
        str | None, typer.Option(help="Only this table: mentors, mentees or pairings.")
    ] = None,
    batch: Annotated[str | None, typer.Option(help="Only this import batch id.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Show at most N rows.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the rows imports rejected (kept in the quarantine table), newest first."""
    from rich.table import Table
    from rich.text import Text

    from recommender.store.io import list_quarantine

    if table is not None and table not in {"mentors", "mentees", "pairings"}:
        _error(f"--table must be mentors, mentees or pairings, got {table!r}")
        raise typer.Exit(2)
    with _database_errors():
        entries = list_quarantine(
            _database_url(database_url), table=table, batch_id=batch, limit=limit
        )
    if as_json:
        sys.stdout.write(json.dumps([e.to_dict() for e in entries], indent=2) + "\n")
        return
    if not entries:
        console.print("Quarantine is empty.")
        return
    view = Table("imported", "batch", "where", "reasons", "values", show_lines=True)
    for e in entries:
        where = e.source_file + (f" row {e.source_row}" if e.source_row is not None else "")
        values = ", ".join(f"{k}={v!r}" for k, v in e.raw.items() if v)
        # Text, not str: cells quote user data, which must not be read as rich markup.
        view.add_row(
            e.imported_at.strftime("%Y-%m-%d %H:%M:%S"),
            e.batch_id[:8],
            Text(where),
            Text(e.reasons),
            Text(values),
        )
    console.print(view)


@contextmanager
def _database_errors() -> Iterator[None]:
    """Turn an unusable database into a one-line message and exit code 3, not a traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from recommender.store.db import StoreError, describe_database_error

    try:
        yield
    except (StoreError, SQLAlchemyError) as exc:
        err.print(f"Database error: {describe_database_error(exc)}", markup=False)
        raise typer.Exit(EXIT_DEPENDENCY) from exc


@data_app.command("generate")
def data_generate(
    out: Annotated[Path, typer.Option("--out", help="Output directory.")],
    mentors: Annotated[int, typer.Option(min=2, help="Number of mentors.")] = 2000,
    mentees: Annotated[int, typer.Option(min=2, help="Number of mentees.")] = 5000,
    seed: Annotated[int, typer.Option(min=0, help="Random seed (same seed, same files).")] = 42,
    years: Annotated[
        float, typer.Option(min=0.25, max=30.0, help="Years of pairing history.")
    ] = 3.0,
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
) -> None:
    """Generate a realistic sample programme (with a hidden success model and an oracle/)."""
    from recommender.data.generate import GeneratorConfig, generate_programme

    if fmt not in {"csv", "parquet"}:
        _error(f"--format must be csv or parquet, got {fmt!r}")
        raise typer.Exit(2)

    summary = generate_programme(
        out,
        GeneratorConfig(n_mentors=mentors, n_mentees=mentees, seed=seed, years=years),
        fmt=fmt,
    )
    console.print(summary.format_text())


@data_app.command("convert-careervillage")
def data_convert_careervillage(
    src: Annotated[
        Path,
        typer.Argument(
            help="CareerVillage export: the Kaggle files (questions.csv, answers.csv, "
            "professionals.csv, ...) or the partial copy (raw/ + derived_dataroot/)."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Output programme directory.")],
    min_answers: Annotated[
        int,
        typer.Option(
            "--min-answers",
            min=0,
            help="Keep only professionals with at least N answers in the whole export (uses "
            "future information: for speed experiments only).",
        ),
    ] = 0,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Keep only questions asked on or after this date (ISO, UTC)."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    as_json: JsonOpt = False,
) -> None:
    """Convert CareerVillage.org data (Kaggle) into a programme (see docs/careervillage.md)."""
    from datetime import datetime

    from recommender.data.careervillage import CareerVillageError, convert_careervillage

    if fmt not in {"csv", "parquet"}:
        _error(f"--format must be csv or parquet, got {fmt!r}")
        raise typer.Exit(2)
    try:
        since_at = datetime.fromisoformat(since) if since else None
    except ValueError:
        _error(f"--since must be an ISO date such as 2018-01-01, got {since!r}")
        raise typer.Exit(2) from None
    try:
        summary = convert_careervillage(src, out, min_answers=min_answers, since=since_at, fmt=fmt)
    except CareerVillageError as exc:
        err.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_INVALID) from None
    if as_json:
        sys.stdout.write(json.dumps(summary.to_dict(), indent=2) + "\n")
    else:
        console.print(summary.format_text(), markup=False, highlight=False, soft_wrap=True)


# --------------------------------------------------------------------------- modelling


def _load_programme_or_exit(directory: Path) -> Programme:
    """Load and validate a programme directory; on problems print the report and exit 1."""
    from recommender.data.load import read_programme

    result = read_programme(directory)
    if not result.report.ok:
        err.print(result.report.format_text())
        raise typer.Exit(EXIT_INVALID)
    return result.programme


def _programme_from(
    data: Path | None, from_db: bool, database_url: str | None
) -> tuple[Programme, str]:
    """The programme of ``--data DIR`` or ``--from-db`` and a printable name of its source;
    exits 2 unless exactly one is given, 1 on an invalid directory, 3 on a database failure."""
    if (data is None) == (not from_db):
        err.print("give exactly one of --data DIR or --from-db")
        raise typer.Exit(2)
    if data is not None:
        return _load_programme_or_exit(data), str(data)
    from sqlalchemy import make_url

    from recommender.store.io import read_programme_from_db

    url = _database_url(database_url)
    with _database_errors():
        programme = read_programme_from_db(url)
    return programme, make_url(url).render_as_string(hide_password=True)


def _metrics_table(evaluation: EvaluationResult, title: str) -> Table:
    from rich.table import Table

    table = Table(title=title)
    cols = [
        "ndcg@10",
        "recall@10",
        "map@10",
        "mrr",
        "ndcg@5",
        "recall@50",
        "coverage@10",
        "exposure_gini@10",
    ]
    cols = [c for c in cols if c in evaluation.metrics.columns]
    table.add_column("ranker")
    for c in cols:
        table.add_column(c, justify="right")
    for name, row in evaluation.metrics.iterrows():
        style = "bold green" if name == "model" else None
        table.add_row(str(name), *(f"{row[c]:.4f}" for c in cols), style=style)
    return table


@app.command("train")
def train_cmd(
    data: Annotated[Path, typer.Option("--data", help="Programme directory to train on.")],
    model_out: Annotated[Path, typer.Option("--model-out", help="Model folder to write.")],
    experiment: Annotated[
        str | None, typer.Option("--experiment", help="MLflow experiment name.")
    ] = None,
    evaluate: Annotated[
        bool, typer.Option(help="Also run the time-split evaluation against the baselines.")
    ] = True,
    track: Annotated[bool, typer.Option(help="Log the run to MLflow.")] = True,
    register: Annotated[
        bool,
        typer.Option(
            help="Register the logged model in the MLflow registry (no alias is set; "
            "`recommender retrain` promotes)."
        ),
    ] = True,
    as_json: JsonOpt = False,
) -> None:
    """Train the ranker on every pairing in DATA and write a self-contained model folder."""
    from recommender.evaluation.requests import NotEnoughDataError
    from recommender.train.pipeline import run_training
    from recommender.train.tracking import TrackingError

    programme = _load_programme_or_exit(data)
    oracle = data / "oracle"
    try:
        outcome = run_training(
            programme,
            model_out,
            experiment=experiment,
            evaluate=evaluate,
            track=track,
            oracle_dir=oracle if oracle.is_dir() else None,
            register=register,
        )
    except NotEnoughDataError as exc:
        _error(exc)
        raise typer.Exit(EXIT_INVALID) from exc
    except TrackingError as exc:
        _error(exc)
        raise typer.Exit(EXIT_DEPENDENCY) from exc
    if as_json:
        payload = {
            "run_id": outcome.run_id,
            "model_uri": outcome.model_uri,
            "model_version": outcome.model_version,
            "model_dir": str(outcome.model_dir),
            "valid_metrics": outcome.report.valid_metrics,
            "evaluation": outcome.evaluation.to_dict() if outcome.evaluation else None,
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    console.print(f"run id: {outcome.run_id or '(not tracked)'}")
    if outcome.model_version:
        console.print(
            f"registered: {get_settings().registered_model_name} version "
            f"{outcome.model_version} (no alias; `recommender retrain` promotes)"
        )
    console.print(f"model folder: {outcome.model_dir}")
    console.print(
        "validation (latest requests, early stopping): "
        + ", ".join(f"{k}={v:.4f}" for k, v in outcome.report.valid_metrics.items())
        + f", best iteration {outcome.report.best_iteration}"
    )
    if outcome.evaluation is not None:
        ev = outcome.evaluation
        console.print(
            _metrics_table(
                ev,
                f"Time split at {ev.cutoff:%Y-%m-%d}: {ev.n_requests} requests, "
                f"{ev.n_mentors} mentors",
            )
        )


def _load_model_or_exit(source: str) -> MentorRanker:
    """Load a model through the one loader; exit 1 if it is refused, 3 if MLflow is unusable."""
    from recommender.loading import load_ranker
    from recommender.models import ModelLoadError
    from recommender.registry import RegistryError

    try:
        return load_ranker(source)
    except ModelLoadError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_INVALID) from exc
    except RegistryError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_DEPENDENCY) from exc


@app.command("recommend")
def recommend_cmd(
    model: Annotated[
        str,
        typer.Option(
            "--model",
            help="Model folder (from train/export) or MLflow URI "
            "(models:/mentor-ranker@champion, models:/NAME/VERSION, runs:/ID/model).",
        ),
    ],
    data: Annotated[Path, typer.Option("--data", help="Programme directory (mentors, history).")],
    mentee_ids: Annotated[
        Path, typer.Option("--mentee-ids", help="File with one mentee id per line.")
    ],
    k: Annotated[int, typer.Option("--k", min=1, help="Mentors per mentee.")] = 10,
    out: Annotated[Path, typer.Option("--out", help="Output CSV.")] = Path("recs.csv"),
    skip_unknown: Annotated[
        bool, typer.Option("--skip-unknown", help="Skip ids not in DATA instead of failing.")
    ] = False,
) -> None:
    """Rank available mentors for each listed mentee; writes mentee_id,mentor_id,rank,score."""
    from recommender.loading import encoder_for
    from recommender.models import ModelLoadError
    from recommender.ranking.recommend import UnknownMenteesError, read_id_file, recommend_batch

    ranker = _load_model_or_exit(model)
    try:
        ids = read_id_file(mentee_ids)
    except (OSError, ValueError) as exc:
        _error(f"cannot read --mentee-ids: {exc}")
        raise typer.Exit(EXIT_INVALID) from exc
    programme = _load_programme_or_exit(data)
    known = set(programme.mentees["mentee_id"])
    unknown = [m for m in ids if m not in known]
    if unknown and not skip_unknown:
        _error(
            f"{UnknownMenteesError(unknown, str(mentee_ids))} "
            "(use --skip-unknown to rank the others)"
        )
        raise typer.Exit(EXIT_INVALID)
    if unknown:
        _error(
            f"skipped {len(unknown)} unknown mentee id(s): " + ", ".join(unknown[:10]),
            level="warning",
        )
    try:
        # The embedding model the ranker was trained with, not merely the configured one.
        encoder = encoder_for(ranker, get_settings())
    except ModelLoadError as exc:
        err.print(f"error: {model}: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_INVALID) from exc
    context = ranker.featurizer.prepare(programme, encoder)
    recs = recommend_batch(
        ranker,
        ranker.featurizer,
        context,
        ids,
        k,
        ranker.retrieval,
        skip_unknown=True,
        source=str(mentee_ids),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    recs.to_csv(tmp, index=False)
    tmp.replace(out)
    console.print(f"{len(recs)} recommendations for {recs['mentee_id'].nunique()} mentees -> {out}")


@app.command("evaluate")
def evaluate_cmd(
    data: Annotated[Path, typer.Option("--data", help="Programme directory.")],
    cutoff: Annotated[
        str | None,
        typer.Option(
            "--cutoff",
            help="Time split (ISO date); default: oracle's, else the "
            "time before the last 15% of pairings.",
        ),
    ] = None,
    oracle: Annotated[
        Path | None, typer.Option("--oracle", help="Oracle folder (default DATA/oracle if any).")
    ] = None,
    max_requests: Annotated[
        int | None, typer.Option(help="Evaluate a random sample of this many test requests.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Time-split evaluation: a fresh model and every baseline on the same later requests."""
    import pandas as pd

    from recommender.evaluation.requests import NotEnoughDataError
    from recommender.features.embeddings import get_encoder
    from recommender.train.pipeline import evaluate_with_fresh_model
    from recommender.train.ranker import RankerConfig

    programme = _load_programme_or_exit(data)
    cut = None
    if cutoff:
        try:
            cut = pd.Timestamp(cutoff)
        except ValueError as exc:
            _error(f"--cutoff {cutoff!r} is not an ISO date")
            raise typer.Exit(EXIT_INVALID) from exc
        cut = cut.tz_localize("UTC") if cut.tzinfo is None else cut.tz_convert("UTC")
    oracle_dir = oracle or (data / "oracle" if (data / "oracle").is_dir() else None)
    settings = get_settings()
    try:
        result = evaluate_with_fresh_model(
            programme,
            get_encoder(settings),
            RankerConfig.from_settings(settings),
            cutoff=cut,
            oracle_dir=oracle_dir,
            max_requests=max_requests,
        )
    except (NotEnoughDataError, ValueError) as exc:
        _error(exc)
        raise typer.Exit(EXIT_INVALID) from exc
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
        return
    console.print(
        _metrics_table(
            result,
            f"Time split at {result.cutoff:%Y-%m-%d}: {result.n_requests} requests, "
            f"{result.n_mentors} mentors (primary: {result.primary_metric}, greater is better)",
        )
    )
    console.print(
        f"retrieval recall of successful mentors: {result.retrieval_recall['recall']:.3f} "
        f"({result.retrieval_recall['mean_candidates']:.0f} candidates per request)"
    )
    console.print(f"seconds: {result.seconds}")


@app.command("demo")
def demo_cmd(
    mentors: Annotated[int, typer.Option(min=20, help="Mentors in the sample programme.")] = 600,
    mentees: Annotated[int, typer.Option(min=50, help="Mentees in the sample programme.")] = 1500,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the service at the end.")
    ] = True,
    host: Annotated[str | None, typer.Option(help="Interface (default: settings' host).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: settings' port).")] = None,
) -> None:
    """The main job on the embedded defaults: generate, validate, import, train, make champion,
    then serve it with an admin key and an example request."""
    from recommender.quickstart import curl_example, run_demo

    settings = get_settings()
    result = run_demo(settings, n_mentors=mentors, n_mentees=mentees, seed=seed, console=console)
    host, port = host or settings.host, port or settings.port
    console.print(f"admin API key (shown once): {result.admin_key}", markup=False, soft_wrap=True)
    console.print("example request, once the service below says it is running:")
    console.print(
        curl_example(f"http://{host}:{port}", str(result.admin_key), result.example_mentee),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if serve:
        console.print(f"API docs: http://{host}:{port}/docs   (Ctrl-C stops the service)")
        _run_server(host, port, 1)


# --------------------------------------------------------------------------- lifecycle


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Let SIGTERM (cron timeouts, Kubernetes) unwind like Ctrl-C, so the MLflow run is marked
    failed and locks are released instead of the process vanishing mid-step."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@app.command("retrain")
def retrain_cmd(
    data: Annotated[
        Path | None, typer.Option("--data", help="Programme directory to retrain on.")
    ] = None,
    from_db: Annotated[
        bool, typer.Option("--from-db", help="Read the programme from the database instead.")
    ] = False,
    database_url: DbOpt = None,
    window_days: Annotated[
        float,
        typer.Option(
            "--window-days",
            min=1.0,
            help="Evaluation window: the last N days of pairings. The challenger "
            "trains on everything before it.",
        ),
    ] = 90.0,
    margin: Annotated[
        float,
        typer.Option(
            "--margin",
            min=0.0,
            help="Promote only if the challenger beats the champion's primary metric "
            "(NDCG@10) by more than this.",
        ),
    ] = 0.0,
    experiment: Annotated[
        str | None, typer.Option("--experiment", help="MLflow experiment name.")
    ] = None,
    register: Annotated[
        bool,
        typer.Option(
            help="Register the challenger and move aliases (--no-register: evaluate "
            "and report only)."
        ),
    ] = True,
    max_requests: Annotated[
        int | None,
        typer.Option(min=1, help="Evaluate on a random sample of this many window requests."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Train a challenger, compare it with the champion on the latest window, promote if better.

    Exit codes: 0 promoted or kept, 1 invalid or insufficient data, 3 MLflow or model failure;
    in every failure the champion is left as it was.
    """
    from recommender.evaluation.requests import NotEnoughDataError
    from recommender.models import ModelLoadError
    from recommender.registry import RegistryError
    from recommender.train.retrain import RetrainOptions, format_summary, result_json, retrain
    from recommender.train.tracking import TrackingError

    programme, source = _programme_from(data, from_db, database_url)
    options = RetrainOptions(
        window_days=window_days,
        margin=margin,
        experiment=experiment,
        register=register,
        max_requests=max_requests,
    )
    unchanged = "the champion is unchanged"
    try:
        with _sigterm_as_interrupt():
            result = retrain(programme, options=options, data_source=source)
    except (NotEnoughDataError, ValueError) as exc:
        err.print(f"error: {exc}; {unchanged}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_INVALID) from exc
    except (TrackingError, RegistryError, ModelLoadError) as exc:
        err.print(f"error: {exc}; {unchanged}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_DEPENDENCY) from exc
    except KeyboardInterrupt as exc:
        err.print(f"interrupted; {unchanged}", soft_wrap=True)
        raise typer.Exit(130) from exc
    if as_json:
        sys.stdout.write(result_json(result) + "\n")
    else:
        console.print(format_summary(result))


@app.command("report")
def report_cmd(
    out: Annotated[Path, typer.Option("--out", help="The HTML file to write.")],
    data: Annotated[
        Path | None, typer.Option("--data", help="Programme directory to report on.")
    ] = None,
    from_db: Annotated[
        bool,
        typer.Option(
            "--from-db",
            help="Read the programme and the suggestions log from the database instead.",
        ),
    ] = False,
    database_url: DbOpt = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Report as of this ISO date (the end of that day, UTC) or date-time; "
            "default: now.",
        ),
    ] = None,
    lexicon: Annotated[
        bool,
        typer.Option(
            "--lexicon",
            help="Score feedback with the VADER lexicon only (no embedding model is loaded).",
        ),
    ] = False,
    json_out: Annotated[
        Path | None,
        typer.Option("--json-out", help="Also write the figures as JSON to this file."),
    ] = None,
) -> None:
    """Programme KPIs as one self-contained HTML file: matches, time to match, completion,
    rating and sentiment by month, by cohort, department and group, mentor load, suggestions."""
    from recommender.kpis.report import build_report, parse_as_of, write_report

    try:
        moment = parse_as_of(as_of)
    except ValueError as exc:
        _error(exc)
        raise typer.Exit(2) from exc
    programme, source = _programme_from(data, from_db, database_url)
    suggestions = None
    if from_db:
        from recommender.store.db import make_engine
        from recommender.store.suggestions import read_suggestions

        with _database_errors():
            engine = make_engine(_database_url(database_url), create=False)
            try:
                suggestions = read_suggestions(engine, as_of=moment.to_pydatetime())
            finally:
                engine.dispose()
    encoder = None
    if not lexicon:
        from recommender.features.embeddings import get_encoder

        encoder = get_encoder()
    report = build_report(
        programme, as_of=moment, encoder=encoder, suggestions=suggestions, source=source
    )
    try:
        write_report(report.html, out)
        if json_out is not None:
            write_report(json.dumps(report.kpis.to_dict(), indent=2) + "\n", json_out)
    except OSError as exc:
        _error(f"cannot write the report: {exc}")
        raise typer.Exit(EXIT_INVALID) from exc
    t = report.kpis.totals
    console.print(
        f"Wrote {out} (as of {moment.date().isoformat()}): {t['mentees']} mentees, "
        f"{t['matches']} matches, {t['pairings']} pairings.",
        markup=False,
        highlight=False,
    )


@app.command("export")
def export_cmd(
    model: Annotated[
        str,
        typer.Option(
            "--model",
            help="What to export: models:/NAME@ALIAS, models:/NAME/VERSION, "
            "runs:/ID/model or a model folder.",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder to write, e.g. models/champion.")],
) -> None:
    """Write a self-contained model folder the service can start from with no tracking server.

    The copy is loaded and checked first: a corrupt or incompatible model is refused (exit 1)
    and OUT is left as it was.
    """
    from recommender.loading import export_model
    from recommender.models import ModelLoadError
    from recommender.registry import RegistryError

    try:
        result = export_model(model, out, tracking_uri=get_settings().mlflow_tracking_uri)
    except ModelLoadError as exc:
        err.print(f"refused: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_INVALID) from exc
    except (RegistryError, OSError) as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_DEPENDENCY) from exc
    origin = result.source
    where = (
        f"{origin['name']} version {origin['version']}"
        if "version" in origin
        else origin.get("uri") or origin.get("path")
    )
    console.print(
        f"exported {where} -> {result.out}", markup=False, highlight=False, soft_wrap=True
    )


# --------------------------------------------------------------------------- serving

keys_app = typer.Typer(help="API keys of the HTTP service.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@app.command("serve")
def serve_cmd(
    host: Annotated[str | None, typer.Option(help="Interface (default: settings' host).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: settings' port).")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Worker processes (default: settings' workers).")
    ] = None,
) -> None:
    """Start the HTTP API (uvicorn): docs at /docs, health at /healthz and /readyz."""
    settings = get_settings()
    _run_server(host or settings.host, port or settings.port, workers or settings.workers)


def _run_server(host: str, port: int, workers: int) -> None:
    import logging

    from recommender.service.threads import set_serving_env

    set_serving_env()  # before numpy loads in this process and the workers
    import uvicorn

    from serve.middleware import RequestIdFilter

    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    root = logging.getLogger("recommender")
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    root.propagate = False
    uvicorn.run(
        "serve.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # the app logs each request with its request id
        log_level="info",
    )


@keys_app.command("create")
def keys_create(
    role: Annotated[str, typer.Option("--role", help="admin or viewer.")],
    name: Annotated[str, typer.Option("--name", help="What the key is for.")] = "",
    database_url: DbOpt = None,
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    from recommender.store.keys import create_api_key, parse_role

    try:
        parsed = parse_role(role)
    except ValueError as exc:
        err.print(f"--role: {exc}", markup=False)
        raise typer.Exit(2) from exc
    with _database_errors():
        created = create_api_key(_database_url(database_url), parsed, name)
    err.print(f"created {created.role.value} key {created.key_id}; it is shown once:")
    sys.stdout.write(created.key + "\n")


@keys_app.command("list")
def keys_list(database_url: DbOpt = None, as_json: JsonOpt = False) -> None:
    """List API keys (ids, roles, names; never the keys)."""
    from recommender.store.keys import list_api_keys

    with _database_errors():
        keys = list_api_keys(_database_url(database_url))
    if as_json:
        sys.stdout.write(json.dumps([k.to_dict() for k in keys], indent=2) + "\n")
        return
    for k in keys:
        state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
        console.print(
            f"{k.key_id}  {k.role.value:<6}  {state:<18}  {k.name}", markup=False, highlight=False
        )


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (from `keys list`).")],
    database_url: DbOpt = None,
) -> None:
    """Revoke an API key (services stop accepting it within api_key_cache_s)."""
    from recommender.store.keys import revoke_api_key

    with _database_errors():
        revoked = revoke_api_key(_database_url(database_url), key_id)
    if not revoked:
        err.print(f"no active key {key_id!r}")
        raise typer.Exit(EXIT_INVALID)
    console.print(f"revoked {key_id}")
