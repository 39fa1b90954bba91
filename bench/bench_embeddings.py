"""Embedding throughput: the real model cold, the same texts through a warm cache, one-text latency.

    python bench/bench_embeddings.py [--texts 2000] [--threads 2]

Texts are synthetic mentor/mentee profiles (~55 word-piece tokens) generated from word lists, so
the figures do not depend on any dataset. The cache lives in a temporary directory.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("RECOMMENDER_PROGRESS", "0")

import numpy as np

from recommender.config import DEFAULT_EMBEDDING_MODEL
from recommender.features.embeddings import (
    CachedEncoder,
    EmbeddingCache,
    SentenceTransformerEncoder,
)

ROLES = [
    "data analyst",
    "software engineer",
    "product manager",
    "HR business partner",
    "UX researcher",
    "finance controller",
    "sales lead",
    "site reliability engineer",
    "marketing specialist",
    "engineering manager",
    "data scientist",
    "legal counsel",
]
SKILLS = [
    "SQL",
    "Python",
    "stakeholder management",
    "public speaking",
    "negotiation",
    "people management",
    "cloud architecture",
    "budgeting",
    "user research",
    "Kubernetes",
    "machine learning",
    "contract law",
    "coaching",
    "roadmapping",
    "data visualisation",
    "incident response",
    "hiring",
    "forecasting",
    "design systems",
    "A/B testing",
]
DOMAINS = [
    "retail",
    "banking",
    "healthcare",
    "logistics",
    "insurance",
    "telecoms",
    "energy",
    "the public sector",
    "e-commerce",
    "manufacturing",
]
GOALS = [
    "move into a leadership role",
    "grow my technical depth",
    "switch to product work",
    "get better at presenting to executives",
    "prepare for a promotion",
    "learn to manage a budget",
    "build confidence in negotiations",
]


def synthetic_profile(rng: random.Random) -> str:
    skills = rng.sample(SKILLS, 4)
    return (
        f"{rng.choice(ROLES).capitalize()} with {rng.randint(1, 25)} years in "
        f"{rng.choice(DOMAINS)}. Strong in {skills[0]}, {skills[1]} and {skills[2]}; currently "
        f"learning {skills[3]}. I would like to {rng.choice(GOALS)} and to "
        f"{rng.choice(GOALS)} over the next year, ideally with someone from "
        f"{rng.choice(DOMAINS)}."
    )


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f} texts/s ({seconds:.2f} s for {count:,})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--model", default=DEFAULT_EMBEDDING_MODEL)
    args = parser.parse_args()

    rng = random.Random(0)
    texts = list(dict.fromkeys(synthetic_profile(rng) for _ in range(args.texts * 2)))
    texts = texts[: args.texts]

    started = time.perf_counter()
    encoder = SentenceTransformerEncoder(
        args.model, batch_size=args.batch_size, num_threads=args.threads
    )
    load_s = time.perf_counter() - started
    tokens = [len(encoder.model.tokenizer.tokenize(t)) + 2 for t in texts[:200]]  # + CLS/SEP

    print(f"model            {encoder.model_id} (dim {encoder.dimension})")
    print(f"threads          {args.threads}, batch size {args.batch_size}")
    print(f"texts            {len(texts):,}, mean {statistics.mean(tokens):.0f} tokens")
    print(f"load (import+)   {load_s:.1f} s")

    started, cpu_started = time.perf_counter(), time.process_time()
    cold = encoder.encode_documents(texts)
    wall_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
    print(f"cold, no cache   {rate(len(texts), wall_s)}")
    # On a busy machine wall time far exceeds CPU time / threads: the figure is then a floor.
    print(f"  cpu time       {cpu_s:.1f} s = {cpu_s / max(wall_s, 1e-9):.2f} cores busy on average")

    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        with EmbeddingCache(directory) as cache:
            cache.put_many(encoder.model_id, "document", texts, cold)
        print(f"cache write      {rate(len(texts), time.perf_counter() - started)}")

        started = time.perf_counter()
        with EmbeddingCache(directory) as cache:  # fresh instance: nothing held in memory
            cached = CachedEncoder(encoder, cache)
            warm = cached.encode_documents(texts)
        print(f"warm cache       {rate(len(texts), time.perf_counter() - started)}")
        assert (cached.hits, cached.misses) == (len(texts), 0), (cached.hits, cached.misses)
        np.testing.assert_array_equal(warm, cold)

        keys = [f"lookup {i}" for i in range(10_000)]
        vectors = np.random.default_rng(0).standard_normal((len(keys), 384)).astype(np.float32)
        with EmbeddingCache(directory) as cache:
            cache.put_many("bench-random", "query", keys, vectors)
            started = time.perf_counter()
            found = cache.get_many("bench-random", "query", keys, 384)
            print(f"10k lookups      {rate(len(found), time.perf_counter() - started)}")

    short = [f"wants to learn {skill} from a {role}" for skill in SKILLS for role in ROLES[:2]]
    encoder.encode_queries(short[:1])  # first call pays one-off allocation
    latencies = []
    for text in short:
        started = time.perf_counter()
        encoder.encode_queries([text])
        latencies.append((time.perf_counter() - started) * 1000)
    print(
        f"one short text   median {statistics.median(latencies):.1f} ms, "
        f"p90 {statistics.quantiles(latencies, n=10)[-1]:.1f} ms ({len(latencies)} calls)"
    )


if __name__ == "__main__":
    main()
