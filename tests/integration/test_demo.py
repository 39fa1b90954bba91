"""The README's first command: `recommender demo` from nothing to a running service, and the curl
request it prints, pasted into a shell as a newcomer would."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from lifecycle_helpers import free_port

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C, as the demo says
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_demo_trains_a_champion_and_serves_it_with_a_working_example(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "RECOMMENDER_DATA_DIR": str(tmp_path / "data"),
        "RECOMMENDER_MODELS_DIR": str(tmp_path / "models"),
        "RECOMMENDER_EMBEDDING_CACHE_DIR": str(tmp_path / "embeddings"),
        "RECOMMENDER_PORT": str(port),
        "RECOMMENDER_PROGRESS": "0",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    for name in ("RECOMMENDER_DATABASE_URL", "RECOMMENDER_MLFLOW_TRACKING_URI"):
        env.pop(name, None)
    log = tmp_path / "demo.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(BIN / "recommender"), "demo", "--mentors", "60", "--mentees", "200"],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
            env=env,
            text=True,
            start_new_session=True,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 600
        while True:
            if process.poll() is not None:
                pytest.fail(f"demo exited with {process.returncode}:\n{log.read_text()[-4000:]}")
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text()[-4000:]
            time.sleep(0.5)
        text = log.read_text()
        curl = next(line for line in text.splitlines() if line.startswith("curl "))
        assert f"{base}/v1/recommendations" in curl

        done = subprocess.run(shlex.split(curl), capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        body = json.loads(done.stdout)
        assert len(body["results"]) == 5, body
        assert body["model"]["is_model"], body["model"]
        assert body["model"]["alias"] == "champion", body["model"]
        assert all(r["reasons"] for r in body["results"])

        # The champion is in the local registry and the model folder was written.
        assert (tmp_path / "models" / "demo" / "booster.txt").exists()
        assert "made it champion" in text
        assert "admin API key (shown once)" in text
    finally:
        _stop(process)
    assert process.returncode is not None
