"""Benchmark: training time and end-to-end ``recommender recommend`` on generated programmes.

Prints figures; asserts nothing. Run from the repo root:

    .venv/bin/python bench/bench_pipeline.py [--workdir DIR] [--scale 10]

Steps: generate 2,000 mentors x 5,000 mentees (3 years), train (time split evaluation + final
fit, MLflow off so only our code is timed), then time ``recommender recommend`` for all 5,000
mentees as a subprocess (end to end: start-up, loading, embedding, retrieval, features,
scoring, CSV) with the embedding cache cold and warm; then the same with ``--scale`` times the
mentors.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent / "recommender"


def run(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--mentors", type=int, default=2000)
    parser.add_argument("--mentees", type=int, default=5000)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    work.mkdir(parents=True, exist_ok=True)
    cache = work / "embedding-cache"
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "RECOMMENDER_PROGRESS": "0",
        "RECOMMENDER_DATA_DIR": str(work / "state"),
        "RECOMMENDER_EMBEDDING_CACHE_DIR": str(cache),
    }
    data = work / "programme"
    model = work / "model"
    print(f"workdir: {work}")
    t = run(
        [
            str(BIN),
            "data",
            "generate",
            "--out",
            str(data),
            "--mentors",
            str(args.mentors),
            "--mentees",
            str(args.mentees),
            "--seed",
            "1",
        ],
        env,
    )
    print(f"generate {args.mentors} mentors x {args.mentees} mentees: {t:.1f} s")
    shutil.rmtree(cache, ignore_errors=True)
    t = run([str(BIN), "train", "--data", str(data), "--model-out", str(model), "--no-track"], env)
    print(f"train (cold embedding cache; time-split evaluation + final fit): {t:.1f} s")
    t = run([str(BIN), "train", "--data", str(data), "--model-out", str(model), "--no-track"], env)
    print(f"train (warm embedding cache): {t:.1f} s")
    t = run(
        [
            str(BIN),
            "train",
            "--data",
            str(data),
            "--model-out",
            str(model),
            "--no-track",
            "--no-evaluate",
        ],
        env,
    )
    print(f"train without evaluation (warm cache): {t:.1f} s")

    import pandas as pd

    def recommend(directory: Path, label: str) -> None:
        ids = directory / "mentee-ids.txt"
        ids.write_text("\n".join(pd.read_csv(directory / "mentees.csv")["mentee_id"]) + "\n")
        out = work / f"recs-{label}.csv"
        shutil.rmtree(cache, ignore_errors=True)
        cold = run(
            [
                str(BIN),
                "recommend",
                "--model",
                str(model),
                "--data",
                str(directory),
                "--mentee-ids",
                str(ids),
                "--k",
                "10",
                "--out",
                str(out),
            ],
            env,
        )
        warm = run(
            [
                str(BIN),
                "recommend",
                "--model",
                str(model),
                "--data",
                str(directory),
                "--mentee-ids",
                str(ids),
                "--k",
                "10",
                "--out",
                str(out),
            ],
            env,
        )
        rows = len(pd.read_csv(out))
        print(
            f"recommend {args.mentees} mentees over {label}: cold cache {cold:.1f} s, "
            f"warm cache {warm:.1f} s ({rows} rows)"
        )

    recommend(data, f"{args.mentors} mentors")
    big = work / "programme-x"
    run(
        [
            str(BIN),
            "data",
            "generate",
            "--out",
            str(big),
            "--mentors",
            str(args.mentors * args.scale),
            "--mentees",
            str(args.mentees),
            "--seed",
            "1",
        ],
        env,
    )
    recommend(big, f"{args.mentors * args.scale} mentors")


if __name__ == "__main__":
    main()
