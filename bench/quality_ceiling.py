"""How much of the oracle's lead comes from the mentor's hidden quality.

Prints figures; asserts nothing. Run from the repo root (the programme is regenerated in memory
from the same config, so that the hidden factors are at hand):

    .venv/bin/python bench/quality_ceiling.py --data DIR [--mentors 2000 --mentees 5000 --seed 42]

DIR is a programme written by ``recommender data generate`` with the same sizes and seed. For
each variant the oracle's success probabilities are recomputed with the mentor-quality term of
the hidden logit scaled (1: the real oracle, 0.5, 0: an oracle that knows everything but
quality) and ranked on the time split of ``recommender evaluate``. The model cannot see quality
except through each mentor's few past outcomes, so the "no quality" row is the ceiling for a
ranker that cannot estimate it at all.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--mentors", type=int, default=2000)
    parser.add_argument("--mentees", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    from recommender.data.generate import GeneratorConfig, build_programme
    from recommender.data.load import load_programme
    from recommender.features.embeddings import get_encoder
    from recommender.train.evaluate import evaluate_time_split

    synthetic = build_programme(
        GeneratorConfig(n_mentors=args.mentors, n_mentees=args.mentees, seed=args.seed)
    )
    oracle = synthetic.oracle
    written = pd.read_parquet(args.data / "oracle" / "success_probability.parquet")
    if not np.allclose(written["p_success"].to_numpy(), oracle.p_success):
        raise SystemExit(f"{args.data} was not generated with these sizes and seed")
    p = np.clip(oracle.p_success, 1e-12, 1 - 1e-12)
    logit = np.log(p / (1 - p))
    quality = synthetic.mentors.quality[oracle.mentor_index]
    programme = load_programme(args.data)
    encoder = get_encoder()
    print("| oracle variant | NDCG@10 | recall@10 |\n| --- | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        for share in (1.0, 0.5, 0.0):
            folder = Path(tmp) / f"oracle-{share}"
            shutil.copytree(args.data / "oracle", folder)
            frame = written.copy()
            frame["p_success"] = 1.0 / (1.0 + np.exp(-(logit - (1.0 - share) * quality)))
            frame.to_parquet(folder / "success_probability.parquet")
            result = evaluate_time_split(programme, encoder, oracle_dir=folder)
            row = result.metrics.loc["oracle"]
            print(f"| quality x {share} | {row['ndcg@10']:.4f} | {row['recall@10']:.4f} |")


if __name__ == "__main__":
    main()
