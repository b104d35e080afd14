"""Where a server's time went, from a cProfile dump: its own time (tottime) per stage of the
request (HTTP, validation, auth, Markdown, the transaction, the search index, the event log,
real time, logging…), and the functions that cost most. Used by `send.py --profile`.

    .venv/bin/python bench/stages.py PROFILE [--top 25]
"""

from __future__ import annotations

import argparse
import pstats
from collections import defaultdict
from typing import Any

# (stage, what a function's file path holds), first match wins: the order matters
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("search index", ("tertulia/adapters/search/", "tertulia/usecases/searchtext")),
    (
        "event log and publish",
        (
            "tertulia/adapters/sql/eventlog",
            "tertulia/usecases/realtime/",
            "tertulia/adapters/broker/",
            "tertulia/domain/events/",
        ),
    ),
    ("transaction (our SQL code)", ("tertulia/adapters/sql/",)),
    ("SQL driver and SQLAlchemy", ("sqlalchemy/", "aiosqlite", "sqlite3", "asyncpg/")),
    (
        "Markdown and sanitising",
        ("markdown_it/", "nh3", "tertulia/usecases/markup", "emoji/", "linkify", "mdurl/"),
    ),
    (
        "rate limits",
        ("tertulia/adapters/sql/ratelimits", "tertulia/usecases/limits", "tertulia/web/limits"),
    ),
    (
        "auth (JWT, sessions)",
        ("jwt/", "tertulia/web/auth", "tertulia/usecases/accounts", "cryptography/", "hmac"),
    ),
    ("validation (Pydantic)", ("pydantic/", "pydantic_core", "tertulia/web/schemas/")),
    ("logging", ("logging/", "tertulia/web/logs")),
    ("JSON", ("orjson", "json/")),
    ("use cases and domain", ("tertulia/usecases/", "tertulia/domain/")),
    ("our web layer", ("tertulia/web/",)),
    (
        "HTTP (uvicorn, Starlette, FastAPI)",
        ("uvicorn/", "starlette/", "fastapi/", "h11/", "httptools"),
    ),
    ("event loop", ("asyncio/", "uvloop", "selectors", "socket")),
)


# C functions (cProfile names them "~"), by what their name holds
BUILTINS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("SQL driver and SQLAlchemy", ("sqlite3.", "asyncpg")),
    ("Markdown and sanitising", ("builtins.Cleaner",)),
    ("validation (Pydantic)", ("pydantic_core",)),
    ("JSON", ("orjson",)),
    ("event loop", ("select.epoll", "_asyncio", "socket", "uvloop")),
    ("start-up (imports)", ("builtins.compile", "marshal.loads", "builtins.exec", "_imp.")),
)


def stage_of(filename: str, name: str = "") -> str:
    if filename == "~":
        for stage, marks in BUILTINS:
            if any(mark in name for mark in marks):
                return stage
        return "other C functions"
    for stage, marks in STAGES:
        if any(mark in filename for mark in marks):
            return stage
    return "other"


def breakdown(path: str, top: int = 25) -> dict[str, Any]:
    """Own time per stage (seconds and share), and the `top` functions by own time."""
    stats = pstats.Stats(path)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    per_stage: dict[str, float] = defaultdict(float)
    functions = []
    for (filename, line, name), (_, calls, tottime, cumtime, _) in raw.items():
        per_stage[stage_of(filename, name)] += tottime
        functions.append(
            (tottime, cumtime, calls, f"{filename.rsplit('site-packages/', 1)[-1]}:{line}({name})")
        )
    total = sum(per_stage.values()) or 1.0
    functions.sort(reverse=True)
    return {
        "total_seconds": round(total, 3),
        "stages": {
            stage: {"seconds": round(seconds, 3), "share": round(seconds / total, 3)}
            for stage, seconds in sorted(per_stage.items(), key=lambda kv: -kv[1])
        },
        "top": [
            {"own_s": round(t, 3), "cum_s": round(c, 3), "calls": n, "function": f}
            for t, c, n, f in functions[:top]
        ],
    }


def show(found: dict[str, Any]) -> None:
    print(f"server time profiled: {found['total_seconds']} s (own time, by stage)")
    for stage, part in found["stages"].items():
        print(f"  {part['share']:6.1%}  {part['seconds']:8.3f} s  {stage}")
    print("the functions that cost most (own time):")
    for row in found["top"]:
        print(f"  {row['own_s']:8.3f} s  {row['calls']:>9,}  {row['function']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    show(breakdown(args.profile, args.top))


if __name__ == "__main__":
    main()
