"""The same data and code train the same model in any process (docs/lifecycle.md, margin)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

SCRIPT = """
import hashlib
from recommender.data.generate import build_programme
from recommender.data.generator.config import GeneratorConfig
from recommender.features.embeddings import HashingEncoder
from recommender.train.ranker import RankerConfig, train_ranker

config = GeneratorConfig(n_mentors=200, n_mentees=600, seed=3, years=2.0)
programme = build_programme(config).programme
ranker, _ = train_ranker(programme, HashingEncoder(64), RankerConfig(n_estimators=40))
print(hashlib.sha256(ranker.booster.model_to_string().encode()).hexdigest())
"""


@pytest.mark.slow
def test_training_is_identical_across_processes_and_hash_seeds() -> None:
    # Python's set order changes with PYTHONHASHSEED; nothing the model sees may depend on it.
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "RECOMMENDER_PROGRESS": "0"}
        out = subprocess.run(
            [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
        )
        digests.add(out.stdout.strip().splitlines()[-1])
    assert len(digests) == 1, digests
