"""Label ablation: training with and without the ``use_feedback_sentiment`` label option, on
the same time split and against the same truth (the default label policy).

    python bench/bench_labels.py --data GENERATED_DIR [--drop-ratings 0.7] [--seeds 3]

With ``--drop-ratings F`` a random share F of the finished pairings' ratings is removed first
(both arms see the same programme): real programmes often get far fewer survey answers than
the generator's 85%. Each arm is trained with ``--seeds`` training seeds (42, 43, ...; the split
and the truth stay the same). Prints NDCG@10, recall@10 and MRR of both arms (mean and spread
over seeds), of the oracle and the best baseline, and how many training targets the option
changed.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from recommender.data.contract import Programme
from recommender.data.labels import LabelPolicy
from recommender.data.load import load_programme
from recommender.features.embeddings import get_encoder
from recommender.feedback import fit_on_pairings
from recommender.train.pipeline import evaluate_with_fresh_model
from recommender.train.ranker import RankerConfig

METRICS = ("ndcg@10", "recall@10", "mrr")


def drop_ratings(programme: Programme, share: float, seed: int) -> Programme:
    p = programme.pairings.copy()
    finished = p["status"].isin(["completed", "ended_early"]) & p["rating"].notna()
    rng = np.random.default_rng(seed)
    drop = finished & (rng.random(len(p)) < share)
    p.loc[drop, "rating"] = pd.NA
    return Programme(programme.mentors, programme.mentees, p)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--drop-ratings", type=float, default=0.0)
    parser.add_argument(
        "--seed", type=int, default=42, help="rating-drop seed, first training seed"
    )
    parser.add_argument("--seeds", type=int, default=1, help="training seeds per arm")
    args = parser.parse_args()
    programme = load_programme(args.data)
    if args.drop_ratings:
        programme = drop_ratings(programme, args.drop_ratings, args.seed)
    encoder = get_encoder()
    p = programme.pairings
    finished = p["status"].isin(["completed", "ended_early"])
    print(f"## {args.data}, ratings dropped: {args.drop_ratings:.0%}")
    n_rated = int((finished & p["rating"].notna()).sum())
    print(f"finished pairings {int(finished.sum())}, rated {n_rated}")
    sentiment = fit_on_pairings(p, encoder)
    scored = p.assign(sentiment=sentiment.score_pairings(p, encoder))
    before = LabelPolicy().labels(scored)
    after = LabelPolicy(use_feedback_sentiment=True).labels(scored)
    changed = (before.fillna(-1) != after.fillna(-1)).sum()
    print(f"sentiment model: {sentiment.description}")
    print(f"labels the option changes (all pairings): {int(changed)}")
    rows: dict[str, pd.Series] = {}
    spread: dict[str, pd.Series] = {}
    for on in (False, True):
        name = "with sentiment" if on else "without"
        runs = []
        for k in range(args.seeds):
            t0 = time.perf_counter()
            cfg = RankerConfig(
                num_threads=2,
                seed=args.seed + k,
                label_policy=LabelPolicy(use_feedback_sentiment=on),
            )
            result = evaluate_with_fresh_model(
                programme, encoder, cfg, oracle_dir=args.data / "oracle"
            )
            m = result.metrics
            runs.append(m.loc["model", list(METRICS)].astype(float))
            if "oracle" in m.index:
                rows["oracle"] = m.loc["oracle", list(METRICS)]
            best = result.best_baseline()
            rows[f"best baseline ({best})"] = m.loc[best, list(METRICS)]
            print(
                f"  arm {name}, seed {args.seed + k}: {time.perf_counter() - t0:.0f} s, "
                f"ndcg@10 {runs[-1]['ndcg@10']:.4f}",
                flush=True,
            )
        frame = pd.DataFrame(runs)
        rows[name] = frame.mean()
        spread[name] = frame.std(ddof=0)
    print(f"requests scored: {result.n_requests}, cut-off {result.cutoff.date()}")
    print("| arm | " + " | ".join(METRICS) + " |")
    print("|---|" + "---|" * len(METRICS))
    for name, row in pd.DataFrame(rows).T.iterrows():
        sd = spread.get(str(name))
        cells = [
            f"{row[c]:.4f}" + (f" ± {sd[c]:.4f}" if sd is not None and args.seeds > 1 else "")
            for c in METRICS
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
