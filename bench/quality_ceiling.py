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

The last row is the ceiling for *any* ranker that learns from this data: an observer who knows
every hidden factor except quality exactly, and estimates quality as well as the data allows:
the Bayesian posterior (prior N(0, quality_sd)) given the final outcome, and the rating, of
every pairing the mentor had before the request, each outcome's likelihood computed from its
true success probability. It ranks by the posterior expected success probability. This is
generous to it (it sees outcomes that were not known yet at the request), so no model can be
expected to beat it.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from recommender.data.generate import SyntheticProgramme


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--mentors", type=int, default=2000)
    parser.add_argument("--mentees", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    from recommender.data.generate import GeneratorConfig, build_programme
    from recommender.data.load import load_programme
    from recommender.evaluation.protocol import evaluate_time_split
    from recommender.features.embeddings import get_encoder
    from recommender.features.pairs import PairFeaturizer
    from recommender.ranking.scoring import RulesScorer

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
    featurizer = PairFeaturizer().fit(programme)
    context = featurizer.prepare(programme, encoder)
    variants = {
        f"quality x {share}": 1.0 / (1.0 + np.exp(-(logit - (1.0 - share) * quality)))
        for share in (1.0, 0.5, 0.0)
    }
    variants["quality estimated from every past outcome (Bayes)"] = posterior_success(
        synthetic, logit - quality
    )
    print("| oracle variant | NDCG@10 | recall@10 |\n| --- | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, p_variant) in enumerate(variants.items()):
            folder = Path(tmp) / f"oracle-{i}"
            shutil.copytree(args.data / "oracle", folder)
            frame = written.copy()
            frame["p_success"] = p_variant
            frame.to_parquet(folder / "success_probability.parquet")
            # Only the oracle row matters here: score with the rules, no training.
            result = evaluate_time_split(
                programme,
                encoder,
                model=RulesScorer(),
                featurizer=featurizer,
                oracle_dir=folder,
                context=context,
            )
            row = result.metrics.loc["oracle"]
            print(f"| {name} | {row['ndcg@10']:.4f} | {row['recall@10']:.4f} |", flush=True)


def posterior_success(synthetic: SyntheticProgramme, rest: np.ndarray) -> np.ndarray:
    """Each oracle row's expected success probability when the mentor's quality is known only
    through the outcomes (and ratings) of the mentor's pairings created before the request;
    ``rest`` is the row's true logit without the quality term."""
    from recommender.features.history import to_seconds

    sd = synthetic.model.quality_sd
    grid = np.linspace(-4 * sd, 4 * sd, 161)
    log_prior = -0.5 * (grid / sd) ** 2
    factors = synthetic.pairing_factors
    pairings = synthetic.programme.pairings
    p = np.clip(factors["p_success"].to_numpy(dtype=float), 1e-12, 1 - 1e-12)
    past_rest = np.log(p / (1 - p)) - factors["mentor_quality"].to_numpy(dtype=float)
    success = factors["success"].to_numpy(dtype=bool)
    z = past_rest[:, None] + grid[None, :]
    loglik = np.where(success[:, None], -np.logaddexp(0, -z), -np.logaddexp(0, z))
    # A successful pairing's rating is round(3.5 + 2 (p - 0.5) + N(0, 0.75)): Gaussian
    # likelihood, rounding as uniform noise, clipping ignored.
    rating = pd.to_numeric(pairings["rating"], errors="coerce").to_numpy(dtype=float)
    rated = success & ~np.isnan(rating)
    mean = 3.5 + 2.0 * (1.0 / (1.0 + np.exp(-z)) - 0.5)
    var = 0.75**2 + 1.0 / 12.0
    loglik += np.where(rated[:, None], -0.5 * (np.nan_to_num(rating)[:, None] - mean) ** 2 / var, 0)
    # Cumulative log-likelihood per mentor in time order: a request at t sees the rows before t.
    mentor_ids = list(synthetic.oracle.mentor_ids)
    code = {m: i for i, m in enumerate(mentor_ids)}
    past_mentor = np.array([code[m] for m in pairings["mentor_id"]], dtype=np.int64)
    created = to_seconds(pairings["created_at"])
    order = np.lexsort((created, past_mentor))
    keys = past_mentor[order] * (1 << 33) + created[order]
    cum = np.vstack([np.zeros((1, len(grid))), np.cumsum(loglik[order], axis=0)])

    oracle = synthetic.oracle
    mentees = synthetic.programme.mentees.set_index("mentee_id")
    request_secs = to_seconds(mentees.loc[oracle.mentee_ids, "created_at"])
    out = np.empty(len(oracle.p_success))
    for lo in range(0, len(out), 200_000):
        hi = min(lo + 200_000, len(out))
        m = oracle.mentor_index[lo:hi].astype(np.int64)
        t = request_secs[oracle.mentee_index[lo:hi]]
        start = np.searchsorted(keys, m * (1 << 33), side="left")
        stop = np.searchsorted(keys, m * (1 << 33) + t, side="left")
        log_post = log_prior[None, :] + cum[stop] - cum[start]
        weights = np.exp(log_post - log_post.max(axis=1, keepdims=True))
        weights /= weights.sum(axis=1, keepdims=True)
        p_grid = 1.0 / (1.0 + np.exp(-(rest[lo:hi, None] + grid[None, :])))
        out[lo:hi] = (weights * p_grid).sum(axis=1)
    return out


if __name__ == "__main__":
    main()
