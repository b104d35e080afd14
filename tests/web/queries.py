"""Counting the statements a request sends to the database, as Zulip's
`assert_database_query_count` does: a test pins how many a hot path costs, and fails with the
list of them when a change adds one (an N+1 cannot slip in unnoticed)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import Engine, event

from tertulia.adapters.sql import leases

# how many times a cost is measured: the fewest statements of these runs is the cost
RUNS = 3
_TRANSACTION = re.compile(
    r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|START\s+TRANSACTION|END)\b", re.IGNORECASE
)


@dataclass
class Statements:
    """What reached the database meanwhile, in order. `counted` holds the statements proper;
    `log` also shows where transactions began and ended, for the failure message."""

    counted: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.counted)

    def sent(self, sql: str) -> None:
        if _TRANSACTION.match(sql):
            return  # told by the transaction's own event (see `counting_statements`)
        self.counted.append(sql)
        self.log.append(f"{len(self.counted):>3}. {_one_line(sql)}")

    def transaction(self, what: str) -> None:
        self.log.append(f"     -- {what}")

    def __str__(self) -> str:
        return "\n".join(self.log) or "     (none)"


def _one_line(sql: str, most: int = 400) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= most else f"{flat[: most - 1]}…"


def _executors() -> list[type]:
    """Every class of `leases` that runs hot-path statements (`Raw`) through the driver
    itself, past SQLAlchemy (and so past its events)."""
    found = [
        cls
        for cls in vars(leases).values()
        if isinstance(cls, type)
        and cls.__module__ == leases.__name__
        and "raw" in vars(cls)
        and not getattr(cls, "_is_protocol", False)
    ]
    assert found, "no executor in tertulia.adapters.sql.leases runs Raw statements any more"
    return found


@contextmanager
def counting_statements() -> Iterator[Statements]:
    """The statements that reach the database meanwhile, on either backend, whoever sends
    them: every statement SQLAlchemy sends (its `before_cursor_execute` event, on every
    engine: SQLite's inline engines and the async ones alike), and the hot path's `Raw`
    statements, which the executors hand to sqlite3 or asyncpg directly.

    What counts is each time a statement is sent: one run for many rows (an executemany, on
    asyncpg a single pipelined round trip) counts once. Transaction control (BEGIN, COMMIT,
    ROLLBACK, SAVEPOINT…) is not counted: SQLite's BEGIN goes through SQLAlchemy while
    asyncpg's, and both COMMITs, do not, so counting it would count differently per backend;
    a transaction costs its statements, which are counted. Where transactions began and
    ended is still shown in the list (SQLAlchemy's begin, commit and rollback events).

    Statements of background work (a job poll, a sweep, a rate-limit count taken ahead) are
    counted too if they run meanwhile: measure with `fewest_statements`."""
    statements = Statements()

    def cursor_execute(
        _conn: Any, _cursor: Any, sql: str, _params: Any, _context: Any, _many: bool
    ) -> None:
        statements.sent(sql)

    listeners: list[tuple[str, Callable[..., None]]] = [
        ("before_cursor_execute", cursor_execute),
        ("begin", lambda _conn: statements.transaction("BEGIN")),
        ("commit", lambda _conn: statements.transaction("COMMIT")),
        ("rollback", lambda _conn: statements.transaction("ROLLBACK")),
    ]
    with pytest.MonkeyPatch.context() as patch:
        for cls in _executors():

            async def raw(
                self: Any, statement: leases.Raw, parameters: Any, _original: Any = cls.raw
            ) -> Any:
                statements.sent(statement.sql)
                return await _original(self, statement, parameters)

            patch.setattr(cls, "raw", raw)
        for name, listener in listeners:
            event.listen(Engine, name, listener)
        try:
            yield statements
        finally:
            for name, listener in listeners:
                event.remove(Engine, name, listener)


async def fewest_statements(
    request: Callable[[], Awaitable[object]], runs: int = RUNS
) -> Statements:
    """The statements of the run of `request` (called `runs` times) that sent the fewest:
    background work (a job poll, a sweep, a rate limit topped up) may send statements of its
    own meanwhile, and only ever adds to a run's count."""
    fewest: Statements | None = None
    for _ in range(runs):
        with counting_statements() as statements:
            await request()
        if fewest is None or len(statements) < len(fewest):
            fewest = statements
    assert fewest is not None
    return fewest


def assert_statements(what: str, statements: Statements, expected: int) -> None:
    """Fail, listing the statements, unless there were exactly `expected`."""
    if len(statements) != expected:
        pytest.fail(
            f"{what} sent {len(statements)} statements to the database, expected {expected}:\n"
            f"{statements}\n(if the change is meant, pin the new count; if not, look for a "
            "query per item)",
            pytrace=False,
        )


def assert_same_statements(what: str, costs: Mapping[str, Statements]) -> None:
    """Fail, listing each one's statements, unless every case sent as many."""
    if len({len(s) for s in costs.values()}) > 1:
        listed = "\n".join(f"{case}: {len(s)} statements\n{s}" for case, s in costs.items())
        pytest.fail(
            f"{what} sends more statements for more items (a query per item?):\n{listed}",
            pytrace=False,
        )
