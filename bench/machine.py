"""How fast this machine runs today: fixed work, timed, printed and saved beside a bench's
figures, so that figures of different days can be compared (a shared machine can run at half
its usual speed on some days, and every latency doubles with it).

The work uses the standard library only, never our code, so that it measures the machine and
not a change of ours."""

from __future__ import annotations

import sqlite3
import statistics
import time
from typing import Any

RUNS = 5


def _python() -> None:
    """Interpreter work: arithmetic, strings, a dict and a sort."""
    counts: dict[str, int] = {}
    for n in range(300_000):
        key = str(n * 7919 % 1009)
        counts[key] = counts.get(key, 0) + n % 13
    sorted(counts.items(), key=lambda item: (item[1], item[0]))


def _sqlite() -> None:
    """Database work: 50,000 rows written, indexed and read back, in memory."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER, v TEXT)")
    conn.executemany(
        "INSERT INTO t (k, v) VALUES (?, ?)", ((n * 7919 % 1009, f"v{n}") for n in range(50_000))
    )
    conn.execute("CREATE INDEX t_k ON t (k)")
    for k in range(0, 1009, 7):
        conn.execute("SELECT count(*), max(v) FROM t WHERE k = ?", (k,)).fetchone()
    conn.close()


def _median_ms(work: Any) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def speed() -> dict[str, float]:
    """The median time of each fixed piece of work, in ms: lower is a faster machine."""
    return {"python_ms": _median_ms(_python), "sqlite_ms": _median_ms(_sqlite)}


def describe(figures: dict[str, float]) -> str:
    return (
        f"machine: reference work {figures['python_ms']} ms in Python, "
        f"{figures['sqlite_ms']} ms in SQLite (lower is faster)"
    )


if __name__ == "__main__":
    print(describe(speed()))
