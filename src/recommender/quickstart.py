"""The main job on the embedded defaults, end to end (``make demo`` / ``recommender demo``).

Generate a sample programme, validate it, load it into the local database, train and evaluate
a model (tracked in the local MLflow store, registered and made ``champion``), write it to
``models/``, show a mentee's top mentors and create an admin API key. ``recommender demo`` then
starts the service on that champion. Each step is a library stage that the other commands also
use.
"""

from __future__ import annotations

import json
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
    model_version: str | None = None
    admin_key: str | None = None

    @property
    def example_mentee(self) -> str:
        return str(self.example["mentee_id"].iloc[0])


def curl_example(base_url: str, key: str, mentee_id: str, k: int = 5) -> str:
    """A request a newcomer can paste: the top-``k`` mentors for ``mentee_id``."""
    body = json.dumps({"mentee_id": mentee_id, "k": k})
    return (
        f"curl -s -X POST {base_url}/v1/recommendations -H 'Authorization: Bearer {key}' "
        f"-H 'Content-Type: application/json' -d '{body}'"
    )


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
    from recommender.registry import CHAMPION, ModelRegistry
    from recommender.store.io import import_programme
    from recommender.store.keys import Role, create_api_key
    from recommender.train.pipeline import run_training

    say = (console or Console()).print
    data_dir = settings.data_dir / "sample-programme"
    say(f"[bold]1/6[/bold] generating a sample programme in {data_dir}")
    summary = generate_programme(
        data_dir, GeneratorConfig(n_mentors=n_mentors, n_mentees=n_mentees, seed=seed)
    )
    say(summary.format_text())
    say("[bold]2/6[/bold] validating it against the data contract")
    programme = load_programme(data_dir)
    say(
        f"OK: {len(programme.mentors)} mentors, {len(programme.mentees)} mentees, "
        f"{len(programme.pairings)} pairings"
    )
    say(f"[bold]3/6[/bold] importing it into {settings.database_url}")
    counts = import_programme(data_dir, settings.database_url)
    say(counts.format_text())
    model_dir = settings.models_dir / "demo"
    say(
        f"[bold]4/6[/bold] training and evaluating the ranker (MLflow: "
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
    if outcome.model_version is not None:
        # The demo's own store: its fresh model is what the service should show. Scheduled
        # retrains promote only a challenger that beats the champion (`recommender retrain`).
        registry = ModelRegistry(settings.registered_model_name, settings.mlflow_tracking_uri)
        registry.publish(
            outcome.model_version,
            promote=True,
            expected_champion=registry.alias_version(CHAMPION),
        )
        say(
            f"registered {settings.registered_model_name} version {outcome.model_version} "
            f"and made it {CHAMPION}"
        )
    say("[bold]5/6[/bold] top-5 mentors for one mentee")
    mentee = str(programme.mentees["mentee_id"].iloc[-1])
    context = outcome.ranker.featurizer.prepare(programme, encoder)
    example = recommend_batch(
        outcome.ranker, outcome.ranker.featurizer, context, [mentee], 5, outcome.ranker.retrieval
    )
    say(example.to_string(index=False))
    say("[bold]6/6[/bold] creating an admin API key (only its hash is stored)")
    key = create_api_key(settings.database_url, Role.ADMIN, "demo").key
    return DemoResult(
        data_dir,
        model_dir,
        outcome.run_id,
        counts,
        metrics,
        example,
        model_version=outcome.model_version,
        admin_key=key,
    )
