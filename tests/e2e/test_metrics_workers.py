"""/metrics of `tertulia serve --workers 2`: two real processes, one sum."""

from __future__ import annotations

import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.server import TERTULIA, ServerProcess, environment

pytestmark = pytest.mark.slow
COUNT = "tertulia_http_request_duration_seconds_count"
BUCKET = "tertulia_http_request_duration_seconds_bucket"


def healthz_count(text: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == COUNT and sample.labels.get("route") == "/healthz":
                return sample.value
    return 0.0


def served_by_each_worker(directory: Path) -> dict[int, float]:
    """How many /healthz requests each worker's own file holds (its buckets, read one by one
    rather than cumulatively, add up to its count)."""
    served: dict[int, float] = {}
    for path in directory.glob("histogram_*.db"):
        pid = int(re.sub(r"\D", "", path.stem))
        for metric in MultiProcessCollector.merge([str(path)], accumulate=False):  # type: ignore[no-untyped-call]
            for sample in metric.samples:
                if sample.name == BUCKET and sample.labels.get("route") == "/healthz":
                    served[pid] = served.get(pid, 0) + sample.value
    return served


def test_two_workers_metrics_add_up(tmp_path: Path) -> None:
    """Requests served by either of two worker processes are all counted, whichever worker
    answers /metrics; what an earlier run left in the directory is gone."""
    env = environment(tmp_path, TERTULIA_WORKERS="2")
    subprocess.run([*TERTULIA, "migrate"], env=env, check=True, capture_output=True)
    stale = tmp_path / "metrics" / "counter_999999.db"
    stale.parent.mkdir()
    stale.write_bytes(b"left by an earlier run")
    server = ServerProcess(env, tmp_path / "server.log")
    server.start()
    try:

        def hit(_: int) -> None:
            # a connection each, so that the kernel hands them to either worker
            with httpx.Client(base_url=server.base) as http:
                assert http.get("/healthz").status_code == 200

        sent = 0
        with ThreadPoolExecutor(8) as pool:
            while sent < 400:
                list(pool.map(hit, range(40)))
                sent += 40
                if len(served_by_each_worker(tmp_path / "metrics")) == 2:
                    break
        answers = []
        for _ in range(6):
            with httpx.Client(base_url=server.base) as http:
                answers.append(http.get("/metrics"))
    finally:
        assert server.terminate() == 0

    each = served_by_each_worker(tmp_path / "metrics")
    assert len(each) == 2, f"both workers should have served: {each}"
    assert all(count > 0 for count in each.values())
    assert sum(each.values()) == sent
    for answer in answers:
        assert answer.status_code == 200
        assert healthz_count(answer.text) == sent
    assert not stale.exists()


WORKER = """
import asyncio, os, sys
from pathlib import Path
from tertulia.web.metrics import Metrics
metrics = Metrics(Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]))
if sys.argv[1] == "count":
    metrics.sockets.set(5)
    metrics.delivered.inc(7)
else:
    sys.stdout.write(asyncio.run(metrics.exposition()).decode())
"""


def test_a_dead_workers_open_sockets_stop_counting(tmp_path: Path) -> None:
    """A worker that died with five sockets open (uvicorn replaces it) no longer adds them to
    the open sockets; the frames it delivered stay counted."""
    env = {**environment(tmp_path), "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    subprocess.run([sys.executable, "-c", WORKER, "count"], env=env, check=True)
    answer = subprocess.run(
        [sys.executable, "-c", WORKER, "answer"], env=env, check=True, capture_output=True
    ).stdout.decode()
    found = {
        sample.name: sample.value
        for family in text_string_to_metric_families(answer)
        for sample in family.samples
    }
    assert found["tertulia_websockets_open"] == 0
    assert found["tertulia_events_delivered_total"] == 7
