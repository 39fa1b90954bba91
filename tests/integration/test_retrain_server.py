"""Acceptance: the retraining job against a real ``mlflow server`` through the real CLI.

A tracking server (SQLite backend, local artifact root, random free port on 127.0.0.1) is
started for the module and its whole process group is killed at the end, whatever happens. The
``recommender`` command runs as a subprocess with the real embedding model (offline), three
times on one generated programme:

1. outcomes scrambled (a broken import): nothing to compare with, so the challenger is promoted;
2. the real outcomes: the challenger beats that champion, which learned noise: promoted;
3. outcomes before the window scrambled again: the challenger learned noise and loses to the
   champion of run 2 on the same window: kept.

Then the champion is exported and ``recommend`` runs from the export with the server gone.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest

from lifecycle_helpers import free_port, generate, latest_pairing, shuffle_outcomes

pytestmark = pytest.mark.slow

NAME = "mentor-ranker"
WINDOW = 180
BIN = Path(sys.executable).parent


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Kill the server's whole process group (uvicorn workers included)."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("mlflow-server")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        str(BIN / "mlflow"), "server",
        "--backend-store-uri", f"sqlite:///{root / 'mlflow.db'}",
        "--artifacts-destination", str(root / "artifacts"),
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
    ]  # fmt: skip
    log_path = root / "server.log"
    with log_path.open("wb") as log:
        # The server's background job workers are not needed here (and cost CPU).
        env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=root,
            env=env,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 180
            while True:
                if process.poll() is not None:
                    pytest.fail(
                        f"mlflow server exited ({process.returncode}):\n"
                        f"{log_path.read_text()[-3000:]}"
                    )
                try:
                    if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"mlflow server not healthy after 180 s:\n{log_path.read_text()[-3000:]}"
                    )
                time.sleep(0.5)
            yield url
        finally:
            _stop(process)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("retrain-server")


@pytest.fixture(scope="module")
def programmes(workdir: Path) -> dict[str, Path]:
    real = generate(workdir / "real", mentors=100, mentees=600, seed=11)
    cutoff = latest_pairing(real) - pd.Timedelta(days=WINDOW)
    scrambled = workdir / "scrambled"
    shutil.copytree(real, scrambled)
    shuffle_outcomes(scrambled)
    scrambled_history = workdir / "scrambled-history"
    shutil.copytree(real, scrambled_history)
    assert shuffle_outcomes(scrambled_history, before=cutoff) > 100
    return {"scrambled": scrambled, "real": real, "scrambled-history": scrambled_history}


def run_cli(workdir: Path, tracking_uri: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "RECOMMENDER_MLFLOW_TRACKING_URI": tracking_uri,
        "RECOMMENDER_DATA_DIR": str(workdir / "state"),
        "RECOMMENDER_EMBEDDING_CACHE_DIR": str(workdir / "embeddings"),
        "RECOMMENDER_PROGRESS": "0",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    return subprocess.run(
        [str(BIN / "recommender"), *args],
        env=env,
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=900,
    )


def aliases(url: str) -> dict[str, str]:
    from mlflow.tracking import MlflowClient

    model = MlflowClient(tracking_uri=url).get_registered_model(NAME)
    return {k: str(v) for k, v in (model.aliases or {}).items()}


def test_retrain_promotes_better_keeps_worse_and_exports(
    mlflow_server: str, programmes: dict[str, Path], workdir: Path
) -> None:
    decisions = []
    expected = [
        ("scrambled", "promoted", {"champion": "1", "challenger": "1"}),
        ("real", "promoted", {"champion": "2", "challenger": "2"}),
        ("scrambled-history", "kept", {"champion": "2", "challenger": "3"}),
    ]
    for data, decision, alias_map in expected:
        done = run_cli(
            workdir,
            mlflow_server,
            "retrain",
            "--data",
            str(programmes[data]),
            "--window-days",
            str(WINDOW),
            "--json",
        )
        assert done.returncode == 0, done.stderr[-3000:]
        result = json.loads(done.stdout)
        decisions.append(result)
        assert result["decision"] == decision, (data, result["reason"])
        assert aliases(mlflow_server) == alias_map, data
    promoted, kept = decisions[1], decisions[2]
    assert promoted["delta"] > 0
    assert promoted["champion_before"] == "1"
    assert kept["delta"] < 0
    assert kept["champion_before"] == "2"
    assert "does not beat the champion" in kept["reason"]

    from mlflow.tracking import MlflowClient

    run = MlflowClient(tracking_uri=mlflow_server).get_run(kept["run_id"])
    assert run.data.tags["decision"] == "kept"
    assert run.data.metrics["champion.ndcg_at_10"] > run.data.metrics["test.ndcg_at_10"]

    # The human-readable summary of a run that changes nothing.
    done = run_cli(
        workdir,
        mlflow_server,
        "retrain",
        "--data",
        str(programmes["scrambled-history"]),
        "--window-days",
        str(WINDOW),
        "--no-register",
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "DRY RUN" in done.stdout
    assert "would keep the champion" in done.stdout
    assert "ndcg@10 (primary)" in done.stdout
    assert aliases(mlflow_server) == expected[-1][2]

    out = workdir / "models" / "champion"
    done = run_cli(
        workdir, mlflow_server, "export", "--model", f"models:/{NAME}@champion", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads((out / "export.json").read_text())["source"]["version"] == "2"

    mentees = pd.read_csv(programmes["real"] / "mentees.csv")["mentee_id"].head(3)
    ids = workdir / "ids.txt"
    ids.write_text("\n".join(mentees) + "\n")
    nowhere = f"http://127.0.0.1:{free_port()}"  # no tracking server needed from here on
    done = run_cli(
        workdir,
        nowhere,
        "recommend",
        "--model",
        str(out),
        "--data",
        str(programmes["real"]),
        "--mentee-ids",
        str(ids),
        "--k",
        "5",
        "--out",
        str(workdir / "recs.csv"),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(pd.read_csv(workdir / "recs.csv")) == 15
