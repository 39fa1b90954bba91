"""Benchmark: cohort matching of 1,000 mentees over 1,000 mentors (capacity 1-3).

Prints figures; asserts nothing. Run from the repo root:

    .venv/bin/python bench/bench_matching.py [--mentors 1000] [--cohort 1000] [--workdir DIR]

Generates a programme (1,000 mentors, 3,000 mentees with two years of history), sets every
mentor's capacity to 1, 2 or 3 at random and makes them available, trains a ranker (200 trees)
and times :meth:`RecommenderService.match` for the latest ``--cohort`` mentees: candidates from
the shared two-stage ranking, the assignment (SciPy's sparse Jonker-Volgenant), explanations of
every pair, unmatched reasons, loads and exposure, and storing the plan. The solver is also timed
alone. Embeddings come from a 384-dimensional hashing encoder (the model's shape, see
bench_api.py).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

DIM = 384


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mentors", type=int, default=1000)
    parser.add_argument("--mentees", type=int, default=3000)
    parser.add_argument("--cohort", type=int, default=1000)
    parser.add_argument("--candidates", type=int, default=50, help="Candidates per mentee.")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()

    from recommender.service.threads import limit_threads, set_serving_env

    set_serving_env()
    from recommender.config import Settings
    from recommender.data.frames import write_programme
    from recommender.data.generate import build_programme
    from recommender.data.generator.config import GeneratorConfig
    from recommender.features.embeddings import HashingEncoder
    from recommender.ranking.capacity import remaining_at
    from recommender.ranking.matching import solve_assignment
    from recommender.service import RecommenderService
    from recommender.store.io import import_programme
    from recommender.train.ranker import RankerConfig, train_ranker

    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-matching-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"workdir: {work}", flush=True)
    t = time.perf_counter()
    programme = build_programme(
        GeneratorConfig(n_mentors=args.mentors, n_mentees=args.mentees, seed=3, years=2.0)
    ).programme
    rng = np.random.default_rng(0)
    programme.mentors["capacity"] = rng.integers(1, 4, len(programme.mentors))
    programme.mentors["available"] = True
    write_programme(programme, work / "programme")
    url = f"sqlite:///{(work / 'recommender.db').as_posix()}"
    import_programme(work / "programme", url)
    print(
        f"programme: {args.mentors} mentors (capacity {Counter(programme.mentors['capacity'])}"
        f"), {args.mentees} mentees, {len(programme.pairings)} pairings "
        f"({time.perf_counter() - t:.0f} s)",
        flush=True,
    )
    t = time.perf_counter()
    encoder = HashingEncoder(DIM)
    config = RankerConfig(n_estimators=200, early_stopping_rounds=10_000, num_threads=2)
    ranker, _ = train_ranker(programme, encoder, config)
    ranker.save(work / "model")
    print(
        f"trained {ranker.booster.num_trees()} trees ({time.perf_counter() - t:.0f} s)", flush=True
    )

    settings = Settings(
        data_dir=work / "state",
        RECOMMENDER_DATABASE_URL=url,
        model_uri=str(work / "model"),
        model_poll_s=0,
        data_sync_s=0,
        matching_candidates=args.candidates,
    )
    service = RecommenderService(settings, encoder=encoder)
    service.start()
    limit_threads()
    cohort = [str(m) for m in service.snapshot.context.mentees.index[-args.cohort :]]
    free = remaining_at(service.snapshot.context, service.now())
    print(f"cohort: {len(cohort)} mentees; places free now: {int(free.sum())}")

    runs = []
    for _ in range(2):
        t = time.perf_counter()
        plan = service.match(mentee_ids=cohort)
        runs.append(time.perf_counter() - t)
    stats = plan.stats
    reasons = Counter(u.constraint for u in plan.unmatched)
    print(
        f"match(): {runs[0]:.2f} s first, {runs[1]:.2f} s second "
        f"(target < 10 s); {stats['matched']} matched, {stats['unmatched']} unmatched "
        f"{dict(reasons)}; {stats['candidates']} candidate pairs scored; "
        f"{stats['mentors_in_pool']} mentors with {stats['places_in_pool']} free places"
    )
    over = [m for m in plan.mentor_load if m.load_after > (m.capacity or 10**9)]
    print(f"capacity violations: {len(over)}")

    # The solver alone on the same candidates.
    import pandas as pd

    rows = pd.DataFrame(
        {
            "mentee_id": rng.choice(cohort, args.cohort * args.candidates),
            "mentor_id": rng.choice(
                service.snapshot.index.ids.to_numpy(dtype=object), args.cohort * args.candidates
            ),
            "score": rng.normal(size=args.cohort * args.candidates),
        }
    ).drop_duplicates(["mentee_id", "mentor_id"])
    slots = dict(zip(programme.mentors["mentor_id"], programme.mentors["capacity"], strict=True))
    t = time.perf_counter()
    chosen = solve_assignment(rows, slots, cohort)
    print(
        f"solver alone: {len(rows)} candidate pairs, {sum(slots.values())} places -> "
        f"{len(chosen)} matched in {time.perf_counter() - t:.3f} s"
    )
    service.close()


if __name__ == "__main__":
    main()
