"""Feedback sentiment: AUROC for telling low ratings (<= 2) from high ones (>= 4), learned model
vs the VADER lexicon, on held-out feedback; and the at-risk rule against the hidden truth.

    python bench/bench_feedback.py --data GENERATED_DIR [--corpus VADER_SDIST_OR_DIR]

- ``--data``: a generated programme (``recommender data generate``). Held out by time: the
  model learns from pairings created before the 80th percentile and is scored on the later
  ones. Also the at-risk rule on the pairings running at the end date, against
  ``oracle/pairing_factors.parquet``'s hidden ``success``.
- ``--corpus``: real rated text, the human-rated sentences that ship in the source
  distribution of ``vaderSentiment`` (MIT; ``pip download vaderSentiment==3.3.2 --no-deps
  --no-binary :all:``): Amazon product-review and movie-review snippets, each the mean of 20
  people's ratings from -4 to 4. A rating on a 1-5 scale is ``3 + mean / 2`` (low: mean <= -2,
  high: mean >= 2). Random 80/20 splits, several seeds.

Both print a learning curve (AUROC by number of rated feedbacks learned from) that sets
``FeedbackSentiment.min_rated``.
"""

from __future__ import annotations

import argparse
import io
import tarfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from recommender.data.load import load_programme
from recommender.features.embeddings import TextEncoder, get_encoder
from recommender.feedback import FeedbackSentiment, RiskRule, pairings_at_risk
from recommender.feedback.text import clean_many, has_content

CORPUS_FILES = {
    "amazon": "amazonReviewSnippets_GroundTruth.txt",
    "movies": "movieReviewSnippets_GroundTruth.txt",
}
CURVE = (25, 50, 100, 150, 200, 400, 800)


def read_corpus(source: Path, name: str) -> pd.DataFrame:
    """``text`` and ``rating`` (1-5) of one ground-truth file, from the sdist or a folder."""
    wanted = CORPUS_FILES[name]
    if source.is_dir():
        matches = list(source.rglob(wanted))
        if not matches:
            raise SystemExit(f"{source}: no {wanted}")
        raw = matches[0].read_bytes()
    else:
        with tarfile.open(source) as outer:
            inner_member = next(
                m for m in outer.getmembers() if m.name.endswith("ICWSM_2014.tar.gz")
            )
            inner_bytes = outer.extractfile(inner_member).read()  # type: ignore[union-attr]
        with tarfile.open(fileobj=io.BytesIO(inner_bytes)) as inner:
            member = next(m for m in inner.getmembers() if m.name.endswith(wanted))
            raw = inner.extractfile(member).read()  # type: ignore[union-attr]
    rows = [line.split("\t") for line in raw.decode("utf-8").splitlines() if line.strip()]
    frame = pd.DataFrame(
        [(r[2], float(r[1])) for r in rows if len(r) >= 3], columns=["text", "mean"]
    )
    frame["rating"] = 3.0 + frame["mean"] / 2.0
    return frame


def auroc(ratings: np.ndarray, scores: np.ndarray) -> float:
    keep = ((ratings <= 2) | (ratings >= 4)) & np.isfinite(scores)
    return float(roc_auc_score(ratings[keep] >= 4, scores[keep]))


def rated(texts: Sequence[str], ratings: np.ndarray) -> np.ndarray:
    content = np.array([has_content(t) for t in clean_many(texts)])
    return content & ((ratings <= 2) | (ratings >= 4))


def curve(
    train_texts: list[str],
    train_ratings: np.ndarray,
    test_texts: list[str],
    test_ratings: np.ndarray,
    encoder: TextEncoder,
    seeds: int,
) -> list[tuple[int, float, float]]:
    """(n learned from, mean AUROC, sd) for growing random subsets of the rated training set."""
    pool = np.flatnonzero(rated(train_texts, train_ratings))
    out = []
    for n in [c for c in CURVE if c < len(pool)] + [len(pool)]:
        scores = []
        for seed in range(seeds if n < len(pool) else 1):
            pick = np.random.default_rng(seed).choice(pool, n, replace=False)
            model = FeedbackSentiment(min_rated=0, min_per_class=2).fit(
                [train_texts[i] for i in pick], train_ratings[pick], encoder
            )
            scores.append(auroc(test_ratings, model.transform(test_texts, encoder)))
        out.append((n, float(np.mean(scores)), float(np.std(scores))))
    return out


def print_curve(rows: list[tuple[int, float, float]], vader: float) -> None:
    print("    | rated feedbacks learned from | learned AUROC | VADER AUROC |")
    print("    |---|---|---|")
    for n, mean, sd in rows:
        spread = f" ± {sd:.3f}" if sd else ""
        print(f"    | {n} | {mean:.3f}{spread} | {vader:.3f} |")


def bench_generated(directory: Path, encoder: TextEncoder, seeds: int) -> None:
    programme = load_programme(directory)
    p = programme.pairings.reset_index(drop=True)
    ratings = pd.to_numeric(p["rating"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    texts = p["feedback"].tolist()
    cut = p["created_at"].quantile(0.8)
    train, test = (p["created_at"] < cut).to_numpy(), (p["created_at"] >= cut).to_numpy()
    tr_texts = [t for t, k in zip(texts, train, strict=True) if k]
    te_texts = [t for t, k in zip(texts, test, strict=True) if k]
    n_test = int(rated(te_texts, ratings[test]).sum())
    print(f"## Generated programme {directory}")
    print(f"    held out: pairings created on or after {cut.date()} ({n_test} rated feedbacks)")
    t0 = time.perf_counter()
    model = FeedbackSentiment().fit(tr_texts, ratings[train], encoder)
    learned = auroc(ratings[test], model.transform(te_texts, encoder))
    vader = auroc(ratings[test], FeedbackSentiment.lexicon().transform(te_texts))
    print(f"    default settings: {model.description}")
    print(f"    AUROC learned {learned:.3f}, VADER {vader:.3f} ({time.perf_counter() - t0:.1f} s)")
    print_curve(curve(tr_texts, ratings[train], te_texts, ratings[test], encoder, seeds), vader)

    factors = directory / "oracle" / "pairing_factors.parquet"
    if not factors.exists():
        return
    hidden = pd.read_parquet(factors)[["pairing_id", "success"]]
    end = p["created_at"].max()
    scores = model.score_pairings(p, encoder)
    risky = pairings_at_risk(p, scores, end, RiskRule())
    running = p[p["status"].isin(["accepted", "active"])].merge(hidden, on="pairing_id")
    flagged = running["pairing_id"].isin(set(risky["pairing_id"]))
    failing = ~running["success"].astype(bool)
    tp = int((flagged & failing).sum())
    print(
        f"    at risk at {end.date()}: {int(flagged.sum())} of {len(running)} running pairings "
        f"flagged; {int(failing.sum())} of them are failing (hidden truth)"
    )
    precision = tp / max(int(flagged.sum()), 1)
    recall = tp / max(int(failing.sum()), 1)
    print(f"    precision {precision:.3f}, recall {recall:.3f}, base rate {failing.mean():.3f}")
    for code in ("negative_feedback", "checkins_stopped"):
        mask = running["pairing_id"].isin(
            set(risky.loc[risky["reason_codes"].map(lambda c, code=code: code in c), "pairing_id"])
        )
        hit, n = int((mask & failing).sum()), int(mask.sum())
        print(f"      {code}: {n} flagged, precision {hit / max(n, 1):.3f}")


def bench_corpus(source: Path, encoder: TextEncoder, seeds: int) -> None:
    for name in CORPUS_FILES:
        frame = read_corpus(source, name)
        texts, ratings = frame["text"].tolist(), frame["rating"].to_numpy()
        keep = rated(texts, ratings)
        print(f"## Real text: {name} snippets ({int(keep.sum())} low or high of {len(frame)})")
        learned, vader, curves = [], [], []
        for seed in range(seeds):
            order = np.random.default_rng(100 + seed).permutation(len(frame))
            cut = int(0.8 * len(frame))
            tr, te = order[:cut], order[cut:]
            tr_texts, te_texts = [texts[i] for i in tr], [texts[i] for i in te]
            model = FeedbackSentiment().fit(tr_texts, ratings[tr], encoder)
            learned.append(auroc(ratings[te], model.transform(te_texts, encoder)))
            vader.append(auroc(ratings[te], FeedbackSentiment.lexicon().transform(te_texts)))
            if seed == 0:
                curves = curve(tr_texts, ratings[tr], te_texts, ratings[te], encoder, seeds)
        print(
            f"    {seeds} random 80/20 splits: learned {np.mean(learned):.3f} "
            f"± {np.std(learned):.3f}, VADER {np.mean(vader):.3f} ± {np.std(vader):.3f}"
        )
        print("    learning curve on split 0:")
        print_curve(curves, vader[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    encoder = get_encoder()
    print(f"encoder: {encoder.model_id}")
    if args.data:
        bench_generated(args.data, encoder, args.seeds)
    if args.corpus:
        bench_corpus(args.corpus, encoder, args.seeds)


if __name__ == "__main__":
    main()
