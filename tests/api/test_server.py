"""The real thing: `recommender serve` (uvicorn) on 127.0.0.1 with the real embedding model, called
over HTTP, then stopped with SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from recommender.config import Settings
from recommender.data.frames import write_programme
from recommender.data.generate import build_programme
from recommender.data.generator.config import GeneratorConfig
from recommender.store.io import import_programme
from recommender.store.keys import create_api_key

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(base: str, process: subprocess.Popen[bytes] | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            out, _ = process.communicate()
            raise AssertionError(f"the server exited with {process.returncode}:\n{out.decode()}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("the server did not become ready")


@pytest.fixture(scope="module")
def real_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A small programme, a model trained on it with the real embedding model, and the
    environment a server process needs to find them."""
    root = tmp_path_factory.mktemp("real-server")
    programme = build_programme(
        GeneratorConfig(n_mentors=40, n_mentees=120, seed=5, years=2.0)
    ).programme
    write_programme(programme, root / "programme")
    url = f"sqlite:///{(root / 'recommender.db').as_posix()}"
    assert import_programme(root / "programme", url).ok
    env = {
        **os.environ,
        "RECOMMENDER_DATA_DIR": str(root / "state"),
        "RECOMMENDER_DATABASE_URL": url,
        "RECOMMENDER_EMBEDDING_CACHE_DIR": str(root / "embeddings"),
        "RECOMMENDER_MODEL_URI": str(root / "model"),
        "RECOMMENDER_MODEL_POLL_S": "0",
        "RECOMMENDER_PROGRESS": "0",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    from recommender.features.embeddings import get_encoder
    from recommender.train.ranker import RankerConfig, train_ranker

    settings = Settings(
        RECOMMENDER_EMBEDDING_CACHE_DIR=root / "embeddings", data_dir=root / "state"
    )
    ranker, _ = train_ranker(
        programme, get_encoder(settings), RankerConfig(n_estimators=40, num_threads=1)
    )
    ranker.save(root / "model")
    env["ADMIN_KEY"] = create_api_key(url, "admin").key
    return env


@pytest.fixture(scope="module")
def server(real_env: dict[str, str]) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("recommender")),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=real_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process, timeout=180)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            raise
    log = output.decode("utf-8", "replace")
    # A graceful stop: uvicorn finishes the lifespan, then re-raises SIGTERM as its exit status.
    assert "Application shutdown complete" in log, log[-2000:]
    assert process.returncode in (0, -signal.SIGTERM)
    assert "Traceback" not in log, log[-4000:]
    # Request ids are in the log lines; profile text never is.
    assert "[over-http]" in log
    assert "engineering manager" not in log


def test_real_server_answers_over_http(server: str, real_env: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {real_env['ADMIN_KEY']}"}
    model = httpx.get(f"{server}/v1/model", headers=headers).json()
    assert model["is_model"] is True
    assert model["embedding_model"].startswith("all-MiniLM-L6-v2@")
    mentees = httpx.get(f"{server}/v1/mentees?limit=5", headers=headers).json()["items"]
    response = httpx.post(
        f"{server}/v1/recommendations",
        json={"mentee_id": mentees[0]["mentee_id"], "k": 5},
        headers={**headers, "X-Request-ID": "over-http"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"] == "over-http"
    body = response.json()
    assert len(body["results"]) == 5
    assert body["model"]["scorer"] == "lightgbm-lambdarank"
    inline = httpx.post(
        f"{server}/v1/recommendations",
        json={
            "profile": {
                "goals": "I want to grow into an engineering manager",
                "skills_wanted": ["people management"],
            },
            "k": 3,
        },
        headers=headers,
    )
    assert inline.status_code == 200
    assert len(inline.json()["results"]) == 3
    assert httpx.get(f"{server}/v1/model").status_code == 401
    assert "recommender_http_requests_total" in httpx.get(f"{server}/metrics").text
