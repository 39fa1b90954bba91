"""Thread pools of the numerical libraries in a serving process.

A request does small pieces of linear algebra (a 384 x 10,000 product, LightGBM on a few hundred
rows). Parallelism comes from running requests side by side, one per core; if each also spread
over every core through BLAS, OpenMP (LightGBM) or torch, the pools would oversubscribe the
cores and run several times slower (measured: docs/api.md). So a service
pins every library pool to one thread and bounds concurrent computations to ``num_threads``.
"""

from __future__ import annotations

import os
import sys

#: Set before numpy is imported (``recommender serve`` does): fixes the pools at start-up.
SERVE_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


def set_serving_env() -> None:
    """Default the thread-count variables for a serving process (explicit values win)."""
    for name, value in SERVE_ENV.items():
        os.environ.setdefault(name, value)


def limit_threads() -> dict[str, int]:
    """Pin BLAS and torch to one thread each, at run time (works whatever started the process);
    returns what was set. OpenMP's count is per calling thread, so it is set here only for this
    thread; LightGBM is given ``num_threads=1`` on every call instead
    (:class:`~recommender.models.MentorRanker`), and ``OMP_NUM_THREADS`` covers the rest."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)
    out = {"blas": 1, "openmp": 1}
    if "torch" in sys.modules:
        import torch

        torch.set_num_threads(1)
        out["torch"] = 1
    return out
