"""Search relevance on the labelled corpus of bench/relevance (245 messages, 50 queries), on
both engines: a change to the analyzer or the ranking that makes the first page worse fails
here. The floors sit just under what was measured (precision@10 0.887, recall@10 0.554)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tertulia.adapters.sql.database import Database, open_database

sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))
import relevance

IDENTIFIERS = [
    "PLT-3699",
    "PLT-4012",
    "informe_q3.pdf",
    "status.empresa.es",
    "10.0.3.17",
    "refreshToken",
    "user_sessions",
    "presupuesto-2027.xlsx",
    "follow-up",
]


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = open_database(database_url)
    yield database
    await database.close()


async def test_the_first_page_is_precise_and_finds_identifiers_exactly(
    database: Database,
) -> None:
    figures = await relevance.score(await relevance.load(database))
    assert figures["queries"] == 50
    assert figures["precision_at_10"] >= 0.85
    assert figures["recall_at_10"] >= 0.5
    by_query = {row["q"]: row for row in figures["per_query"]}
    for q in IDENTIFIERS:
        assert (by_query[q]["precision"], by_query[q]["recall"]) == (1.0, 1.0), q
