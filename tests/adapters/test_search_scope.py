"""PostgreSQL's channel-scoped lookup: the tsquery we build for it, read by PostgreSQL itself
against the index's own function (migration 0008)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tertulia.adapters.search.postgres import WALK_FREQUENCY
from tertulia.adapters.search.statistics import Frequencies, estimated_share
from tertulia.adapters.search.tsquery import scoped_tsquery, tsvector
from tertulia.adapters.sql.database import open_database
from tertulia.usecases.searchmatch import AnyOf, Lexeme, Match, Sequence
from tertulia.usecases.searchtext import analyze

CHANNEL, OTHER = "01M8K866A5QC7XEZP3PKPKN66X", "01M8K866A5PJDT55NFY0CRR4SW"


async def _matches(url: str, document: str, query: str) -> bool:
    database = open_database(url)
    try:
        async with database.reader.connect() as conn:
            found = await conn.scalar(
                text(
                    "SELECT tertulia_search_scope(:channel, CAST(:doc AS tsvector))"
                    " @@ CAST(:query AS tsquery)"
                ),
                {"channel": CHANNEL, "doc": document, "query": query},
            )
    finally:
        await database.close()
    return bool(found)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "lexeme",
    ["o'brien", "c:\\temp", "a:b:c", "naïve", "x'); DROP TABLE search_docs; --"],
)
async def test_any_lexeme_is_quoted_and_found_in_its_channel_only(
    postgres_url: str, lexeme: str
) -> None:
    """Quotes, backslashes and colons in a lexeme reach PostgreSQL as part of it, never as
    syntax; the lookup finds it in the document's channel, not in another one."""
    document = tsvector(analyze("nada"))  # the analyzer's own lexemes, and ours beside them
    document += " '" + ("p:" + lexeme).replace("\\", "\\\\").replace("'", "''") + "'"
    word = Match((AnyOf((Lexeme("plain", lexeme),)),))
    assert await _matches(postgres_url, document, scoped_tsquery(word, [CHANNEL]))
    assert not await _matches(postgres_url, document, scoped_tsquery(word, [OTHER]))


@pytest.mark.postgres
async def test_prefixes_and_phrases_are_looked_up_word_by_word(postgres_url: str) -> None:
    """A phrase is looked up as the words of any of its runs (one language's stems), and its
    identifiers; the order is checked on the document itself."""
    document = tsvector(analyze("el despliegue de mañana en api.example.com"))
    prefix = Match((AnyOf((Lexeme("plain", "despl", prefix=True),)),))
    phrase = Match((Sequence((("es", ("desplieg", "de", "manan")), ("en", ("nope",)))),))
    english = Match((Sequence((("es", ("nope",)), ("en", ("despliegu", "manana")))),))
    domain = Match((Sequence((("es", ("exampl",)),), ("example_com",)),))
    absent = Match((Sequence((("es", ("desplieg", "ayer")),)),))
    unlisted = Match((Sequence((("es", ("desplieg",)),), ("elsewhere_com",)),))
    assert await _matches(postgres_url, document, scoped_tsquery(prefix, [OTHER, CHANNEL]))
    assert await _matches(postgres_url, document, scoped_tsquery(phrase, [OTHER, CHANNEL]))
    assert await _matches(postgres_url, document, scoped_tsquery(english, [CHANNEL]))
    assert await _matches(postgres_url, document, scoped_tsquery(domain, [CHANNEL]))
    assert not await _matches(postgres_url, document, scoped_tsquery(absent, [CHANNEL]))
    assert not await _matches(postgres_url, document, scoped_tsquery(unlisted, [CHANNEL]))
    assert not await _matches(postgres_url, document, scoped_tsquery(phrase, [OTHER]))


def test_the_statistics_tell_common_words_from_rare_ones() -> None:
    """ANALYZE's most common lexemes decide whether a search walks the newest documents
    first (a common word) or looks its words up at once (rare ones, and words together)."""
    stats = Frequencies({"s:build": 0.13, "e:build": 0.12, "p:hola": 0.05, "s:clav": 0.02}, 0.004)
    build = AnyOf((Lexeme("es", "build"), Lexeme("en", "build"), Lexeme("ids", "build")))
    rare = AnyOf((Lexeme("es", "moveimprov"),))
    assert estimated_share(stats, Match((build,))) == 0.13
    assert estimated_share(stats, Match((rare,))) == 0.002  # rarer than the least listed
    assert estimated_share(stats, Match((build, rare))) == pytest.approx(0.13 * 0.002)
    assert estimated_share(stats, Match((AnyOf((Lexeme("es", "c", prefix=True),)),))) == 0.02
    phrase = Sequence((("es", ("build", "moveimprov")), ("en", ("build",))))
    assert estimated_share(stats, Match((phrase,))) == 0.12  # its likelier run
    identified = Sequence((("es", ("build",)),), ("plt_3699",))
    assert estimated_share(stats, Match((identified,))) == pytest.approx(0.13 * 0.002)
    assert estimated_share(None, Match((build,))) is None  # no statistics yet: walk first
    assert (estimated_share(stats, Match((build,))) or 0) >= WALK_FREQUENCY
    assert (estimated_share(stats, Match((rare,))) or 0) < WALK_FREQUENCY
