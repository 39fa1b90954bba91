"""Property-based requests generated from the OpenAPI schema (schemathesis), sent over HTTP to the
app served by uvicorn on 127.0.0.1: whatever the input, no response may be a 5xx."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from api_support import encoder, make_settings

from serve.app import create_app

pytestmark = pytest.mark.slow

#: Examples per operation: enough to hit the validators and the odd inputs, bounded in time.
EXAMPLES = 25


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def base_url(tmp_path: Path, db_url: str, model_dir: Path) -> Iterator[str]:
    app = create_app(make_settings(tmp_path, db_url, model_dir), encoder=encoder())
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        assert thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    assert httpx.get(f"{base}/readyz").status_code == 200
    yield base
    server.should_exit = True
    thread.join(timeout=30)


def test_no_input_makes_a_server_error(base_url: str, seed) -> None:
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error

    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    headers = {"X-API-Key": seed.admin_key}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20

    def exercise(operation) -> None:
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case) -> None:
            try:  # a dropped connection or a time-out is a failure too, not only a 5xx
                response = case.call(base_url=base_url, headers=headers, timeout=60)
                case.validate_response(response, checks=[not_a_server_error])
            except Exception as exc:  # collect every failing operation, report them all
                failures.append(f"{operation.label}: {exc}")
                raise

        try:
            run()
        except Exception as exc:
            # Hypothesis re-raises the minimal failure, already recorded; anything else (a
            # strategy or set-up error) is recorded here rather than lost.
            if not any(f.startswith(f"{operation.label}: ") for f in failures):
                failures.append(f"{operation.label}: {type(exc).__name__}: {exc}")

    for operation in operations:
        exercise(operation)
    assert not failures, "\n\n".join(dict.fromkeys(failures))
