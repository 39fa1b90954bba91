"""Benchmark: latency and throughput of POST /v1/recommendations beside the framework's floor,
and the memory of the service with 100,000 mentors loaded.

Prints figures; asserts nothing. Run from the repo root (loopback only, bounded duration):

    .venv/bin/python bench/bench_api.py [--mentors 10000] [--duration 10] [--workdir DIR]

1. Generates a programme (10,000 mentors, 3,000 mentees, 2 years), imports it into SQLite and
   trains a ranker with 200 trees on it.
2. Starts, each in its own process with one uvicorn worker on 127.0.0.1: the service (the real
   ``create_app``), and an empty FastAPI app (``POST /empty`` returning ``{}``): the floor.
3. Loads each with ``wrk`` (if installed; else an httpx load generator) at 1 and 16 concurrent
   connections for ``--duration`` seconds: the service's recommendations for known mentees
   (rotating over 200 of them, k=10, reasons included) with each ``--compute-concurrency``
   setting (one service process per setting, side by side in the same run), its ``/healthz``
   (floor + our middleware), and the empty endpoint. Reports p50/p99 latency and requests per
   second, and the time of retrieval's similarity products alone (the least an exact
   retrieval over the pool costs) against the floor.
4. Starts the service on a 100,000-mentor programme and reports its resident memory.

The service embeds text with a 384-dimensional hashing encoder instead of all-MiniLM-L6-v2:
the vectors have the model's shape, so every per-request cost is the same, but preparing
10,000 (or 100,000) mentors takes seconds instead of minutes. A recommendation for a *known*
mentee embeds nothing at request time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIM = 384


# --------------------------------------------------------------------------- server processes


def serve_main(kind: str, port: int, workdir: Path, model: bool) -> None:
    """The body of a server process (``--serve``): the service or the empty floor app."""
    from recommender.service.threads import set_serving_env

    set_serving_env()
    import uvicorn

    if kind == "empty":
        from fastapi import FastAPI

        app = FastAPI()

        @app.post("/empty")
        async def empty() -> dict[str, str]:
            return {}

    else:
        from recommender.config import Settings
        from recommender.features.embeddings import HashingEncoder
        from serve.app import create_app

        settings = Settings(
            data_dir=workdir / "state",
            RECOMMENDER_DATABASE_URL=f"sqlite:///{(workdir / 'recommender.db').as_posix()}",
            model_uri=str(workdir / ("model" if model else "no-model")),
            model_poll_s=0,
            data_sync_s=0,
            compute_concurrency=int(os.environ.get("BENCH_CONCURRENCY", "1")),
        )
        app = create_app(settings, encoder=HashingEncoder(DIM))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A server subprocess started with ``--serve``."""

    def __init__(
        self, kind: str, workdir: Path, *, model: bool = True, concurrency: int = 1
    ) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [
            sys.executable,
            __file__,
            "--serve",
            kind,
            "--port",
            str(self.port),
            "--workdir",
            str(workdir),
        ]
        if not model:
            cmd.append("--no-model")
        env = {
            **os.environ,
            "RECOMMENDER_PROGRESS": "0",
            "PYTHONPATH": str(ROOT),
            "BENCH_CONCURRENCY": str(concurrency),
        }
        self.process = subprocess.Popen(cmd, env=env, cwd=ROOT)
        self.started = time.perf_counter()

    def wait(self, path: str, timeout: float = 900.0) -> float:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"server exited with {self.process.returncode}")
            try:
                if httpx.get(self.url + path, timeout=2).status_code == 200:
                    return time.perf_counter() - self.started
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit("server did not start")

    def rss_mb(self) -> float:
        import psutil

        return psutil.Process(self.process.pid).memory_info().rss / 2**20

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


# --------------------------------------------------------------------------- load generators


def _wrk(
    url: str,
    method: str,
    bodies: list[str],
    headers: dict[str, str],
    connections: int,
    duration: int,
    workdir: Path,
) -> dict[str, float]:
    script = workdir / "wrk.lua"
    lines = [f'wrk.method = "{method}"']
    for name, value in headers.items():
        lines.append(f'wrk.headers["{name}"] = "{value}"')
    if bodies:
        lines.append("bodies = {" + ", ".join(json.dumps(b) for b in bodies) + "}")
        lines.append("i = 0")
        lines.append(
            "request = function() i = i % #bodies + 1 "
            "return wrk.format(nil, nil, nil, bodies[i]) end"
        )
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = subprocess.run(
        [
            "wrk",
            "-t",
            "1",
            "-c",
            str(connections),
            "-d",
            f"{duration}s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def ms(label: str) -> float:
        found = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not found:
            return float("nan")
        value, unit = float(found.group(1)), found.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "p50_ms": ms("50"),
        "p99_ms": ms("99"),
        "rps": float(rate.group(1)) if rate else float("nan"),
        "errors": float(errors.group(1)) if errors else 0.0,
    }


def _httpx(
    url: str,
    method: str,
    bodies: list[str],
    headers: dict[str, str],
    connections: int,
    duration: int,
) -> dict[str, float]:
    import httpx

    latencies: list[float] = []
    errors = 0

    async def worker(client: httpx.AsyncClient, offset: int, stop: float) -> None:
        nonlocal errors
        i = offset
        while time.perf_counter() < stop:
            body = bodies[i % len(bodies)] if bodies else None
            t = time.perf_counter()
            response = await client.request(method, url, content=body, headers=headers)
            latencies.append((time.perf_counter() - t) * 1000)
            errors += response.status_code >= 300
            i += 1

    async def run() -> float:
        limits = httpx.Limits(max_connections=connections)
        async with httpx.AsyncClient(limits=limits, timeout=60) as client:
            start = time.perf_counter()
            stop = start + duration
            await asyncio.gather(*(worker(client, k, stop) for k in range(connections)))
            return time.perf_counter() - start

    elapsed = asyncio.run(run())
    latencies.sort()
    return {
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "rps": len(latencies) / elapsed,
        "errors": float(errors),
    }


def load(
    tool: str,
    url: str,
    method: str,
    bodies: list[str],
    headers: dict[str, str],
    connections: int,
    duration: int,
    workdir: Path,
) -> dict[str, float]:
    all_headers = {"Content-Type": "application/json", **headers}
    if tool == "wrk":
        return _wrk(url, method, bodies, all_headers, connections, duration, workdir)
    return _httpx(url, method, bodies, all_headers, connections, duration)


# --------------------------------------------------------------------------- data


def prepare(workdir: Path, mentors: int, mentees: int, *, train: bool) -> None:
    """Programme in SQLite, a trained model and an admin key under ``workdir`` (reused)."""
    from recommender.data.frames import write_programme
    from recommender.data.generate import build_programme
    from recommender.data.generator.config import GeneratorConfig
    from recommender.features.embeddings import HashingEncoder
    from recommender.store.io import import_programme
    from recommender.store.keys import create_api_key
    from recommender.train.ranker import RankerConfig, train_ranker

    if (workdir / "key.txt").exists():
        return
    workdir.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    programme = build_programme(
        GeneratorConfig(n_mentors=mentors, n_mentees=mentees, seed=7, years=2.0)
    ).programme
    write_programme(programme, workdir / "programme", fmt="parquet")
    url = f"sqlite:///{(workdir / 'recommender.db').as_posix()}"
    import_programme(workdir / "programme", url)
    print(
        f"  generated and imported {mentors} mentors, {mentees} mentees, "
        f"{len(programme.pairings)} pairings in {time.perf_counter() - t:.0f} s",
        flush=True,
    )
    if train:
        t = time.perf_counter()
        # A realistic forest: 200 trees, no early stopping (the hashing encoder's weak
        # signal would otherwise stop it after a handful, and flatter the latency).
        config = RankerConfig(n_estimators=200, early_stopping_rounds=10_000, num_threads=2)
        ranker, _ = train_ranker(programme, HashingEncoder(DIM), config)
        ranker.save(workdir / "model")
        print(
            f"  trained {ranker.booster.num_trees()} trees in {time.perf_counter() - t:.0f} s",
            flush=True,
        )
    mentee_ids = [str(m) for m in programme.mentees["mentee_id"].iloc[-200:]]
    (workdir / "mentees.json").write_text(json.dumps(mentee_ids), encoding="utf-8")
    (workdir / "key.txt").write_text(create_api_key(url, "admin").key, encoding="utf-8")


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mentors", type=int, default=10_000)
    parser.add_argument("--mentees", type=int, default=3_000)
    parser.add_argument("--duration", type=int, default=10, help="Seconds per measurement.")
    parser.add_argument("--memory-mentors", type=int, default=100_000)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--tool", choices=["auto", "wrk", "httpx"], default="auto")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--compute-concurrency",
        default="1,2",
        help="Comma-separated compute_concurrency settings to measure side by side.",
    )
    parser.add_argument("--serve", choices=["service", "empty"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--no-model", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_main(args.serve, args.port, args.workdir, not args.no_model)
        return

    tool = args.tool if args.tool != "auto" else ("wrk" if shutil.which("wrk") else "httpx")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-api-"))
    print(
        f"workdir: {work}; load generator: {tool}; {os.cpu_count()} cores; "
        f"{args.duration} s per measurement",
        flush=True,
    )
    if not args.skip_latency:
        latency(args, tool, work)
    if not args.skip_memory:
        memory(args, work)


def latency(args: argparse.Namespace, tool: str, work: Path) -> None:
    """Recommendations beside the floor, at 1 and 16 connections, for each compute concurrency
    (recommendations a worker computes at once) in ``--compute-concurrency``."""
    main_dir = work / f"m{args.mentors}"
    prepare(main_dir, args.mentors, args.mentees, train=True)
    key = (main_dir / "key.txt").read_text(encoding="utf-8")
    mentees = json.loads((main_dir / "mentees.json").read_text(encoding="utf-8"))
    bodies = [json.dumps({"mentee_id": m, "k": 10}) for m in mentees]
    auth = {"X-API-Key": key}
    levels = [int(v) for v in args.compute_concurrency.split(",")]

    services = {level: Server("service", main_dir, concurrency=level) for level in levels}
    for level, service in services.items():
        took = service.wait("/readyz")
        print(
            f"service (compute_concurrency={level}) ready in {took:.1f} s with "
            f"{args.mentors} mentors; RSS {service.rss_mb():.0f} MiB",
            flush=True,
        )
    floor = Server("empty", main_dir)
    floor.wait("/docs")
    rows = []
    first = services[levels[0]]
    targets = [
        ("empty FastAPI endpoint (floor)", floor.url + "/empty", "POST", ["{}"], {}),
        ("service GET /healthz", first.url + "/healthz", "GET", [], {}),
    ]
    for level, service in services.items():
        name = "POST /v1/recommendations k=10"
        if len(levels) > 1:
            name += f" (compute {level})"
        targets.append((name, service.url + "/v1/recommendations", "POST", bodies, auth))
    try:
        for service in services.values():
            # Warm-up: the first requests build per-snapshot caches.
            load(tool, service.url + "/v1/recommendations", "POST", bodies, auth, 2, 3, main_dir)
        for connections in (1, 16):
            for name, url, method, payload, headers in targets:
                result = load(
                    tool, url, method, payload, headers, connections, args.duration, main_dir
                )
                rows.append((connections, name, result))
                print(
                    f"  c={connections:<2} {name:<44} p50 {result['p50_ms']:7.2f} ms  "
                    f"p99 {result['p99_ms']:7.2f} ms  {result['rps']:8.1f} req/s  "
                    f"errors {result['errors']:.0f}",
                    flush=True,
                )
    finally:
        for service in services.values():
            service.stop()
        floor.stop()

    print("\nsummary (one uvicorn worker, loopback):")
    print("| connections | endpoint | p50 ms | p99 ms | req/s |")
    print("| --- | --- | ---: | ---: | ---: |")
    for connections, name, r in rows:
        print(
            f"| {connections} | {name} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['rps']:.0f} |"
        )
    floor_p50 = next(r["p50_ms"] for c, n, r in rows if c == 1 and n.startswith("empty"))
    product_ms = similarity_product_ms(args.mentors)
    print(
        f"retrieval's two 384 x {args.mentors} similarity products alone, in-process, one "
        f"thread: {product_ms:.2f} ms = {product_ms / floor_p50:.1f}x the floor's p50"
    )
    for connections in (1, 16):
        by = {name: r for c, name, r in rows if c == connections}
        base = by["empty FastAPI endpoint (floor)"]
        for name, r in by.items():
            if name.startswith("POST /v1/recommendations"):
                print(
                    f"c={connections}: {name}: p50 is {r['p50_ms'] / base['p50_ms']:.1f}x the "
                    f"floor's; p99 {r['p99_ms']:.1f} ms (target < 50 ms)"
                )


def similarity_product_ms(mentors: int, repeats: int = 300) -> float:
    """Median time of the embedding signal alone for one query (two float32 products over every
    mentor), one BLAS thread: the least any exact retrieval over the pool costs."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    profile, skills = (rng.standard_normal((mentors, DIM), dtype=np.float32) for _ in range(2))
    goals, wanted = (rng.standard_normal((1, DIM), dtype=np.float32) for _ in range(2))
    times = []
    with threadpool_limits(1):
        for _ in range(repeats):
            t = time.perf_counter()
            _ = goals @ profile.T + wanted @ skills.T
            times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def tile(source: Path, target: Path, mentors: int) -> None:
    """A programme with ``mentors`` mentors: the source programme's mentors copied under new ids
    as often as needed (the generator's history simulation grows with mentors x mentees, too
    slow at 100,000); its mentees and pairings unchanged."""
    import pandas as pd

    from recommender.data.frames import write_programme
    from recommender.data.load import load_programme
    from recommender.store.io import import_programme
    from recommender.store.keys import create_api_key

    if (target / "key.txt").exists():
        return
    t = time.perf_counter()
    programme = load_programme(source / "programme")
    base = programme.mentors
    copies = [base]
    n = 1
    while sum(len(c) for c in copies) < mentors:
        copy = base.copy()
        copy["mentor_id"] = copy["mentor_id"] + f"-{n}"
        copies.append(copy)
        n += 1
    programme.mentors = pd.concat(copies, ignore_index=True).iloc[:mentors]
    write_programme(programme, target / "programme", fmt="parquet")
    url = f"sqlite:///{(target / 'recommender.db').as_posix()}"
    import_programme(target / "programme", url)
    shutil.copy(source / "mentees.json", target / "mentees.json")
    (target / "key.txt").write_text(create_api_key(url, "admin").key, encoding="utf-8")
    print(
        f"  {mentors} mentors ({n} copies of {len(base)}) imported in "
        f"{time.perf_counter() - t:.0f} s",
        flush=True,
    )


def memory(args: argparse.Namespace, work: Path) -> None:
    """Resident memory of the service with ``--memory-mentors`` mentors loaded."""
    source = work / f"m{args.mentors}"
    prepare(source, args.mentors, args.mentees, train=True)
    big = work / f"m{args.memory_mentors}"
    tile(source, big, args.memory_mentors)
    shutil.copytree(source / "model", big / "model", dirs_exist_ok=True)
    import psutil

    before = psutil.virtual_memory().available
    service = Server("service", big)
    try:
        took = service.wait("/readyz", timeout=1800)
        rss = service.rss_mb()
        import httpx

        key = (big / "key.txt").read_text(encoding="utf-8")
        mentees = json.loads((big / "mentees.json").read_text(encoding="utf-8"))
        times = []
        for mentee in mentees[:30]:
            t = time.perf_counter()
            httpx.post(
                service.url + "/v1/recommendations",
                json={"mentee_id": mentee},
                headers={"X-API-Key": key},
                timeout=60,
            ).raise_for_status()
            times.append((time.perf_counter() - t) * 1000)
        print(
            f"\n{args.memory_mentors} mentors: ready in {took:.0f} s, resident memory "
            f"{rss:.0f} MiB (system available before: {before / 2**30:.1f} GiB); "
            f"one recommendation (c=1) median "
            f"{statistics.median(times):.0f} ms"
        )
    finally:
        service.stop()


if __name__ == "__main__":
    main()
