"""The main job on the embedded defaults, end to end (``make demo`` / ``recommender demo``).

Generate a sample programme, validate it, load it into the local database, train and evaluate
a model (tracked in the local MLflow store), write it to ``models/``, and show a mentee's
top mentors. Each step is a library stage that the other commands also use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from recommender.config import Settings


@dataclass
class DemoResult:
    data_dir: Path
    model_dir: Path
    run_id: str | None
    import_counts: Any
    metrics: dict[str, float]
    example: Any


def run_demo(
    settings: Settings,
    *,
    n_mentors: int = 600,
    n_mentees: int = 1500,
    seed: int = 42,
    console: Console | None = None,
) -> DemoResult:
    """Run every stage on a generated programme under ``settings.data_dir``."""
    from recommender.data.generate import GeneratorConfig, generate_programme
    from recommender.data.load import load_programme
    from recommender.features.embeddings import get_encoder
    from recommender.ranking.recommend import recommend_batch
    from recommender.store.io import import_programme
    from recommender.train.pipeline import run_training

    say = (console or Console()).print
    data_dir = settings.data_dir / "sample-programme"
    say(f"[bold]1/5[/bold] generating a sample programme in {data_dir}")
    summary = generate_programme(
        data_dir, GeneratorConfig(n_mentors=n_mentors, n_mentees=n_mentees, seed=seed)
    )
    say(summary.format_text())
    say("[bold]2/5[/bold] validating it against the data contract")
    programme = load_programme(data_dir)
    say(
        f"OK: {len(programme.mentors)} mentors, {len(programme.mentees)} mentees, "
        f"{len(programme.pairings)} pairings"
    )
    say(f"[bold]3/5[/bold] importing it into {settings.database_url}")
    counts = import_programme(data_dir, settings.database_url)
    say(counts.format_text())
    model_dir = settings.models_dir / "demo"
    say(
        f"[bold]4/5[/bold] training and evaluating the ranker (MLflow: "
        f"{settings.mlflow_tracking_uri})"
    )
    encoder = get_encoder(settings)
    outcome = run_training(
        programme,
        model_dir,
        settings=settings,
        encoder=encoder,
        oracle_dir=data_dir / "oracle",
    )
    metrics: dict[str, float] = {}
    if outcome.evaluation is not None:
        table = outcome.evaluation.metrics
        say(table[["ndcg@10", "recall@10", "mrr"]].round(4).to_string())
        metrics = {f"{name}.ndcg@10": float(v) for name, v in table["ndcg@10"].items()}
    say(f"model folder: {model_dir}   MLflow run: {outcome.run_id}")
    say("[bold]5/5[/bold] top-5 mentors for one mentee")
    mentee = str(programme.mentees["mentee_id"].iloc[-1])
    context = outcome.ranker.featurizer.prepare(programme, encoder)
    example = recommend_batch(
        outcome.ranker, outcome.ranker.featurizer, context, [mentee], 5, outcome.ranker.retrieval
    )
    say(example.to_string(index=False))
    return DemoResult(data_dir, model_dir, outcome.run_id, counts, metrics, example)
