"""Search, the shared behaviour suite: every test runs on SQLite (FTS5) and on PostgreSQL
(tsvector + GIN), through the use case, so both engines must find exactly the same messages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from tertulia.adapters.search import fts5, postgres, statistics, tsquery, walk
from tertulia.adapters.sql import migrate
from tertulia.adapters.sql.database import Database, open_database
from tertulia.domain.channels import ChannelChange, ChannelKind
from tertulia.domain.errors import Invalid, Malformed, NotFound
from tertulia.domain.ids import ChannelId, MessageId, WorkspaceId
from tertulia.domain.messages import Draft
from tertulia.domain.users import User
from tertulia.domain.workspaces import Role
from tertulia.usecases import channels as channel_cases
from tertulia.usecases.core import Tertulia
from tertulia.usecases.search import Reindex, Reindexing, Results
from tests.conftest import Clock
from tests.usecases.teams import enrol, person


async def _no_channel_listed(conn: object, database: str) -> statistics.Frequencies:
    """Statistics that list no lexeme and no channel: every channel counts as a small one."""
    return statistics.Frequencies({}, 0.0)


# How a search walks the index depends on how common its words are and how many channels the
# person may read: on a corpus of a few messages every search ends in the newest window. Each
# way is run here on the whole suite, with windows of a few documents
_WAYS: dict[str, dict[tuple[object, str], object]] = {
    "as shipped": {},
    # past the newest window: PostgreSQL's scoped index (SQLite: the growing windows)
    "older, looked up": {
        (fts5, "WINDOWS"): (2, 4), (postgres, "POSTGRES_WINDOWS"): (2,),
        (postgres, "SCOPED_WINDOWS"): (2,), (postgres, "SCOPED_DENSE"): 10**9,
    },
    # PostgreSQL: words the statistics call rare, looked up at once without a walk
    "rare by statistics": {
        (postgres, "read_frequencies"): _no_channel_listed,
        (postgres, "estimated_share"): lambda frequencies, match: 0.0,
    },
    # PostgreSQL: words the statistics call common, walked through a window they size
    "common by statistics": {
        (postgres, "read_frequencies"): _no_channel_listed,
        (postgres, "estimated_share"): lambda frequencies, match: 1.0,
        (postgres, "SCOPED_WINDOWS"): (1, 3), (postgres, "SCOPED_WIDEST"): 2,
        (postgres, "SCOPED_DENSE"): 1,
    },
    # PostgreSQL: a word found in the newest window, walked on through each channel for one
    # more window, then looked up
    "older, walked": {(postgres, "SCOPED_WINDOWS"): (2, 3), (postgres, "SCOPED_DENSE"): 1},
    # more channels than are intersected inside the index: permission checked in SQL only
    # (PostgreSQL: the next window ANDed with the index, then the rest)
    "many channels": {
        (fts5, "WINDOWS"): (2, 4), (postgres, "POSTGRES_WINDOWS"): (2, 4),
        (postgres, "POSTGRES_SPARSE"): 1, (postgres, "SCOPED_CHANNELS"): 0,
        (walk, "SCOPE_LIMIT"): 0,
    },
}  # fmt: skip
_POSTGRES_ONLY = ("rare by statistics", "common by statistics", "older, walked")
_PAIRS = [
    *((way, "sqlite") for way in _WAYS if way not in _POSTGRES_ONLY),
    *((way, "postgres") for way in _WAYS),
]


@pytest.fixture(
    params=[
        pytest.param(
            pair,
            id=f"{pair[0]}-{pair[1]}",
            marks=[pytest.mark.postgres] * (pair[1] == "postgres"),
        )
        for pair in _PAIRS
    ]
)
def search_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The database's URL, its engine searching in one of its ways."""
    way, engine = request.param
    for (module, name), value in _WAYS[way].items():
        monkeypatch.setattr(module, name, value)
    return str(request.getfixturevalue(f"{engine}_url"))


@pytest.fixture
async def database(search_url: str) -> AsyncIterator[Database]:
    """The suite's database: SQLite, then PostgreSQL; each searched in each of its ways."""
    database = open_database(search_url)
    yield database
    await database.close()


@pytest.fixture
async def general(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> ChannelId:
    """#general, with Ana, Bruno and Carla in it."""
    page = await core.channels.browse(ana.id, ws)
    return next(row.channel.id for row in page.items if row.channel.is_default)


@pytest.fixture
async def secreto(core: Tertulia, ws: WorkspaceId, bruno: User) -> ChannelId:
    """A private channel only Bruno is in."""
    return (await core.channels.create(bruno.id, ws, "secreto", ChannelKind.PRIVATE)).channel.id


@pytest.fixture
async def plaza(core: Tertulia, ws: WorkspaceId, bruno: User) -> ChannelId:
    """A public channel only Bruno is in."""
    return (await core.channels.create(bruno.id, ws, "plaza", ChannelKind.PUBLIC)).channel.id


async def say(
    core: Tertulia, who: User, channel: ChannelId, text: str, **draft: object
) -> MessageId:
    posted = await core.posting.post(who.id, channel, Draft(text, **draft))  # type: ignore[arg-type]
    return posted.view.message.id


async def find(core: Tertulia, who: User, ws: WorkspaceId, q: str, **options: object) -> Results:
    return await core.search(who.id, ws, q, **options)  # type: ignore[arg-type]


async def texts(core: Tertulia, who: User, ws: WorkspaceId, q: str, **options: object) -> set[str]:
    return {f.view.message.text for f in (await find(core, who, ws, q, **options)).items}


# words --------------------------------------------------------------------------------------


async def test_words_match_their_spanish_and_english_inflections(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    await say(core, ana, general, "Revisad el mensaje de ayer")
    await say(core, ana, general, "I run the tests every morning")
    await say(core, ana, general, "Desplegamos la versión nueva")
    await say(core, ana, general, "Nada que ver con esto")
    assert await texts(core, ana, ws, "mensajes") == {"Revisad el mensaje de ayer"}
    assert await texts(core, ana, ws, "running") == {"I run the tests every morning"}
    assert await texts(core, ana, ws, "test") == {"I run the tests every morning"}
    assert await texts(core, ana, ws, "desplegamos versiones") == {"Desplegamos la versión nueva"}


async def test_accents_and_case_do_not_matter(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    await say(core, ana, general, "La Canción del VERANO")
    await say(core, ana, general, "Un año de campaña")
    for q in ("cancion", "CANCIÓN", "canción verano", "cancíon"):
        assert await texts(core, ana, ws, q) == {"La Canción del VERANO"}, q
    assert await texts(core, ana, ws, "campana") == {"Un año de campaña"}
    assert await texts(core, ana, ws, "ano") == {"Un año de campaña"}


async def test_every_word_must_match_and_stop_words_do_not_get_in_the_way(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    await say(core, ana, general, "el informe trimestral")
    await say(core, ana, general, "un informe")
    await say(core, ana, general, "trimestral")
    assert await texts(core, ana, ws, "informe trimestral") == {"el informe trimestral"}
    assert await texts(core, ana, ws, "el informe") == {"el informe trimestral", "un informe"}


async def test_a_stop_word_of_one_language_is_not_the_stem_of_the_other(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    """Spanish stemming turns "notes" into "not"; English "not" must not answer "notes"."""
    await say(core, ana, general, "release notes for friday")
    await say(core, ana, general, "this is not ready")
    await say(core, ana, general, "hay que comer algo")
    await say(core, ana, general, "como siempre")
    assert await texts(core, ana, ws, "notes") == {"release notes for friday"}
    assert await texts(core, ana, ws, "note") == {"release notes for friday"}
    assert await texts(core, ana, ws, "comer") == {"hay que comer algo"}
    assert await texts(core, ana, ws, "como") == {"como siempre"}


async def test_phrases_match_words_in_order(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    await say(core, ana, general, "Las release notes del viernes")
    await say(core, ana, general, "notes about the release")
    assert await texts(core, ana, ws, '"release notes"') == {"Las release notes del viernes"}
    assert await texts(core, ana, ws, '"RELEASE  Notes"') == {"Las release notes del viernes"}
    assert await texts(core, ana, ws, "release notes") == {
        "Las release notes del viernes",
        "notes about the release",
    }


async def test_excluded_words_and_phrases_leave_messages_out(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    await say(core, ana, general, "deploy to staging")
    await say(core, ana, general, "deploy to production")
    await say(core, ana, general, "deploy the hot fix")
    assert await texts(core, ana, ws, "deploy -staging") == {
        "deploy to production",
        "deploy the hot fix",
    }
    assert await texts(core, ana, ws, 'deploy -"hot fix" -production') == {"deploy to staging"}


async def test_a_trailing_star_matches_by_prefix(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    await say(core, ana, general, "la migración de datos")
    await say(core, ana, general, "migrate the database")
    await say(core, ana, general, "una imagen")
    assert await texts(core, ana, ws, "migra*") == {
        "la migración de datos",
        "migrate the database",
    }


# identifiers ----------------------------------------------------------------------------------

IDENTIFIERS = [
    "El fallo es PLT-3699, no PLT-3700",
    "See snake_case_name in the module",
    "Call getUserName() first",
    "Ping 10.0.0.1 now",
    "Docs at https://www.example.com/guide/start",
    "Mirad informe_final.pdf",
    "write to soporte@empresa.es",
    "an e-mail about ratio:2",
]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("PLT-3699", 0),
        ("plt-3699", 0),
        ("snake_case_name", 1),
        ("getUserName", 2),
        ("getusername", 2),
        ("10.0.0.1", 3),
        ("example.com", 4),
        ("https://www.example.com/guide/start", 4),
        ("informe_final.pdf", 5),
        ("empresa.es", 6),
        ("soporte@empresa.es", 6),
        ("e-mail", 7),
        ("ratio:2", 7),
    ],
)
async def test_identifiers_are_found_as_written(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId, q: str, expected: int
) -> None:
    for written in [*IDENTIFIERS, "PLT and 3699 apart; 10 0 1; snake case; example com"]:
        await say(core, ana, general, written)
    assert await texts(core, ana, ws, q) == {IDENTIFIERS[expected]}, q


async def test_the_pieces_of_an_identifier_are_words_too(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    await say(core, ana, general, "El fallo es PLT-3699")
    await say(core, ana, general, "Call getUserName() first")
    assert await texts(core, ana, ws, "plt") == {"El fallo es PLT-3699"}
    assert await texts(core, ana, ws, "user") == {"Call getUserName() first"}
    assert await texts(core, ana, ws, "PLT-36*") == {"El fallo es PLT-3699"}


# operators -------------------------------------------------------------------------------------


async def test_from_in_and_mentions_narrow_by_people_and_channels(
    core: Tertulia,
    ws: WorkspaceId,
    ana: User,
    bruno: User,
    general: ChannelId,
    plaza: ChannelId,
) -> None:
    await say(core, ana, general, "informe de ana")
    await say(core, bruno, general, "informe de bruno para @ana")
    await say(core, bruno, plaza, "informe en la plaza")
    assert await texts(core, ana, ws, "informe from:@bruno") == {
        "informe de bruno para @ana",
        "informe en la plaza",
    }
    assert await texts(core, ana, ws, "informe in:#plaza") == {"informe en la plaza"}
    assert await texts(core, ana, ws, "from:bruno in:general") == {"informe de bruno para @ana"}
    assert await texts(core, ana, ws, "mentions:@ana") == {"informe de bruno para @ana"}
    assert await texts(core, ana, ws, "informe from:@nadie") == set()
    assert await texts(core, ana, ws, "informe in:#nowhere") == set()


async def test_has_and_is_narrow_by_what_happened_to_a_message(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, general: ChannelId
) -> None:
    await say(core, ana, general, "plan con enlace https://example.com/plan")
    reacted = await say(core, ana, general, "plan con reacción")
    pinned = await say(core, ana, general, "plan fijado")
    root = await say(core, ana, general, "plan con hilo")
    await say(core, bruno, general, "respuesta al plan", thread_root_id=root)
    await say(core, ana, general, "plan sin nada")
    await core.reactions.react(bruno.id, reacted, "👍", add=True)
    await core.reactions.pin(ana.id, pinned, pinned=True)
    assert await texts(core, ana, ws, "plan has:link") == {
        "plan con enlace https://example.com/plan"
    }
    assert await texts(core, ana, ws, "plan has:reaction") == {"plan con reacción"}
    assert await texts(core, ana, ws, "is:pinned") == {"plan fijado"}
    assert await texts(core, ana, ws, "plan is:thread") == {"plan con hilo", "respuesta al plan"}
    assert await texts(core, ana, ws, "has:file") == set()  # no message carries a file yet


async def test_dates_are_days_in_the_searchers_time_zone(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId, clock: Clock
) -> None:
    start = clock()
    days = []
    for n in range(3):
        await say(core, ana, general, f"parte {n}")
        days.append((clock() + timedelta()).date())
        clock.advance(days=1)
    first, second, third = (d.isoformat() for d in days)
    assert await texts(core, ana, ws, f"parte on:{second}") == {"parte 1"}
    assert await texts(core, ana, ws, f"after:{first}") == {"parte 1", "parte 2"}
    assert await texts(core, ana, ws, f"parte before:{second}") == {"parte 0"}
    assert await texts(core, ana, ws, f"parte after:{first} before:{third}") == {"parte 1"}
    # 23:30 UTC is already the next day in Madrid: on: follows the searcher's calendar
    late = datetime.combine(start.date(), datetime.min.time(), UTC) + timedelta(days=5, hours=23)
    clock.advance(seconds=(late + timedelta(minutes=30) - clock()).total_seconds())
    await say(core, ana, general, "tarde")
    utc_day, madrid_day = late.date(), (late + timedelta(days=1)).date()
    assert await texts(core, ana, ws, f"tarde on:{utc_day}") == {"tarde"}
    async with core.posting.uow() as uow:
        await uow.users.update(replace(await uow.users.get(ana.id), timezone="Europe/Madrid"))
        await uow.commit()
    assert await texts(core, ana, ws, f"tarde on:{utc_day}") == set()
    assert await texts(core, ana, ws, f"tarde on:{madrid_day}") == {"tarde"}


# who may see what ---------------------------------------------------------------------------


async def test_a_private_channel_never_reaches_a_non_member(
    core: Tertulia,
    ws: WorkspaceId,
    ana: User,
    bruno: User,
    general: ChannelId,
    secreto: ChannelId,
) -> None:
    await say(core, bruno, secreto, "la clave secreta es azul")
    await say(core, bruno, general, "la clave pública")
    for q in ("clave", "secreta", "in:#secreto", "from:@bruno", '"clave secreta"'):
        results = await find(core, ana, ws, q)
        assert all("secreta" not in f.view.message.text for f in results.items), q
        assert all("secreta" not in f.snippet for f in results.items), q
    assert (await find(core, ana, ws, "secreta")).total == 0
    assert (await find(core, ana, ws, "clave")).total == 1
    assert await texts(core, bruno, ws, "clave") == {
        "la clave secreta es azul",
        "la clave pública",
    }


async def test_a_channel_whose_id_ends_like_a_readable_one_stays_hidden(
    core: Tertulia,
    ws: WorkspaceId,
    ana: User,
    bruno: User,
    general: ChannelId,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PostgreSQL's scoped index knows a channel by the end of its id: a private channel
    whose id ends like #general's still never reaches Ana, whichever way the search goes."""
    twin = "0" * (26 - tsquery.SCOPE_KEY_LENGTH) + general[-tsquery.SCOPE_KEY_LENGTH :]
    monkeypatch.setattr(channel_cases, "new_id", lambda: twin)
    hidden = (await core.channels.create(bruno.id, ws, "gemelo", ChannelKind.PRIVATE)).channel
    assert hidden.id == twin != general
    await say(core, bruno, hidden.id, "la contraseña gemela")
    await say(core, ana, general, "la contraseña pública")
    for q in ("contraseña", "gemela", '"contraseña gemela"', "contra*"):
        assert "la contraseña gemela" not in await texts(core, ana, ws, q), q
    assert (await find(core, ana, ws, "gemela")).total == 0
    assert await texts(core, bruno, ws, "gemela") == {"la contraseña gemela"}


async def test_public_channels_reach_members_but_not_guests(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, plaza: ChannelId, general: ChannelId
) -> None:
    await say(core, bruno, plaza, "anuncio en la plaza")
    await say(core, bruno, general, "anuncio general")
    invitada = await person(core, "invitada")
    await enrol(core, ws, ana, invitada, Role.GUEST, [general])
    assert await texts(core, ana, ws, "anuncio") == {"anuncio en la plaza", "anuncio general"}
    assert await texts(core, invitada, ws, "anuncio") == {"anuncio general"}
    assert await texts(core, invitada, ws, "anuncio in:#plaza") == set()


async def test_direct_messages_reach_only_their_people(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> None:
    dm, _ = await core.channels.open_dm(ana.id, ws, [bruno.id])
    await say(core, ana, dm.channel.id, "entre nosotros: presupuesto")
    assert await texts(core, bruno, ws, "presupuesto") == {"entre nosotros: presupuesto"}
    assert await texts(core, carla, ws, "presupuesto") == set()


async def test_leaving_a_channel_or_workspace_takes_its_messages_out_of_search(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User, general: ChannelId
) -> None:
    room = (await core.channels.create(ana.id, ws, "sala", ChannelKind.PRIVATE)).channel.id
    await core.channels.add_member(ana.id, room, carla.id)
    await say(core, ana, room, "acta de la sala")
    assert await texts(core, carla, ws, "acta") == {"acta de la sala"}
    await core.channels.remove_member(ana.id, room, carla.id)
    assert await texts(core, carla, ws, "acta") == set()
    await core.workspaces.remove(ana.id, ws, bruno.id)
    with pytest.raises(NotFound):
        await find(core, bruno, ws, "acta")


async def test_another_workspace_is_never_searched(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    olga = await person(core, "olga")
    other, _ = await core.workspaces.create(olga.id, "Otra Empresa")
    page = await core.channels.browse(olga.id, other.id)
    await say(core, olga, page.items[0].channel.id, "presupuesto de otra empresa")
    await say(core, ana, general, "presupuesto propio")
    assert await texts(core, ana, ws, "presupuesto") == {"presupuesto propio"}
    with pytest.raises(NotFound):
        await find(core, ana, other.id, "presupuesto")


# the index follows every change ---------------------------------------------------------------


async def test_a_deleted_message_is_never_found(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    gone = await say(core, ana, general, "borrador confidencial")
    await say(core, ana, general, "borrador público")
    await core.posting.delete(ana.id, gone)
    results = await find(core, ana, ws, "borrador")
    assert [f.view.message.text for f in results.items] == ["borrador público"]
    assert results.total == 1
    assert await texts(core, ana, ws, "confidencial") == set()


async def test_messages_indexed_before_the_channel_scoped_index_are_found_through_it(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    """Migration 0008 (PostgreSQL's channel-scoped index) is built from what is indexed
    already: an installation upgrading needs no reindex."""
    await migrate.downgrade(database, "0007")
    try:
        for n in range(6):
            await say(core, ana, general, f"despliegue número {n}")
    finally:
        await migrate.upgrade(database)
    assert len(await texts(core, ana, ws, "despliegue")) == 6
    assert len(await texts(core, ana, ws, "despl*")) == 6


async def test_an_edited_message_is_found_by_its_current_text_only(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    message = await say(core, ana, general, "reunión el lunes")
    await core.posting.edit(ana.id, message, "reunión el martes", 1)
    assert await texts(core, ana, ws, "martes") == {"reunión el martes"}
    assert await texts(core, ana, ws, "lunes") == set()
    assert await texts(core, ana, ws, '"el lunes"') == set()


# results ---------------------------------------------------------------------------------------


async def test_results_rank_by_relevance_then_recency(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    await say(core, ana, general, "kubernetes")
    await say(core, ana, general, "kubernetes kubernetes: todo sobre kubernetes")
    await say(core, ana, general, "una nota larga que menciona kubernetes una vez entre muchas")
    await say(core, ana, general, "kubernetes")
    results = await find(core, ana, ws, "kubernetes")
    order = [f.view.message.text for f in results.items]
    assert order[0] == "kubernetes kubernetes: todo sobre kubernetes"
    assert order[-1] == "una nota larga que menciona kubernetes una vez entre muchas"
    assert [f.score for f in results.items] == sorted(
        (f.score for f in results.items), reverse=True
    )
    recent = await find(core, ana, ws, "kubernetes", sort="recent")
    assert [f.view.message.seq for f in recent.items] == sorted(
        (f.view.message.seq for f in recent.items), reverse=True
    )
    assert all(f.score == 0 for f in recent.items)


async def test_pages_follow_each_other_without_gaps_or_repeats(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    for n in range(23):
        await say(core, ana, general, f"registro número {n}" + " extra" * (n % 4))
    seen: list[str] = []
    cursor = None
    for sort in ("relevance", "recent"):
        seen, cursor = [], None
        while True:
            page = await find(core, ana, ws, "registro", sort=sort, cursor=cursor, limit=5)
            assert page.total == 23
            assert page.total_is_exact
            seen.extend(f.view.message.id for f in page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
        assert len(seen) == len(set(seen)) == 23, sort
    with pytest.raises(Invalid) as refused:
        await find(
            core,
            ana,
            ws,
            "otra cosa",
            cursor=(await find(core, ana, ws, "registro", limit=5)).next_cursor,
        )
    assert refused.value.code == "cursor.invalid"
    with pytest.raises(Invalid):
        await find(core, ana, ws, "registro", cursor="bm9wZQ")


async def test_snippets_mark_the_matches_in_safe_html(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    words = " ".join(f"palabra{n}" for n in range(60))
    await say(core, ana, general, f"{words} <script>alert(1)</script> las Canciones & más {words}")
    [found] = (await find(core, ana, ws, "canción")).items
    assert "<mark>Canciones</mark>" in found.snippet
    assert "<script>" not in found.snippet
    assert "&lt;script&gt;" in found.snippet
    assert "&amp;" in found.snippet
    assert found.snippet.startswith("…")
    assert found.snippet.endswith("…")
    assert len(found.snippet) < 400


async def test_a_query_that_cannot_be_read_is_refused_with_a_fix(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    for q in ("", "   ", "-solo", "before:ayer", "has:gif", "on:2026-02-30", "x" * 501):
        with pytest.raises(Malformed) as refused:
            await find(core, ana, ws, q)
        assert refused.value.errors[0].field == "q"
    # text that would break a MATCH or a tsquery is just text
    await say(core, ana, general, 'e-mail "AND" OR NOT (x) ^ NEAR *')
    for q in ("e-mail", "AND", '"AND', "OR NOT", "NEAR(", "(x)", "a:b:c", "x^y", "l'x", "a\\b"):
        assert isinstance(await find(core, ana, ws, q), Results), q
    for q in ("*", "^", "'", "\\", "(", '"'):  # nothing to find: refused, not an engine error
        with pytest.raises(Malformed):
            await find(core, ana, ws, q)


# rebuilding the index -------------------------------------------------------------------------


async def _forget_everything(database: Database) -> None:
    """What an installation upgraded from before search looks like: messages, no index."""
    async with database.writer.begin() as conn:
        await conn.execute(text("DELETE FROM search_docs"))


async def test_reindex_rebuilds_the_index_and_resumes_where_it_stopped(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    for n in range(7):
        await say(core, ana, general, f"acta número {n}")
    gone = await say(core, ana, general, "acta borrada")
    await core.posting.delete(ana.id, gone)
    await _forget_everything(database)
    assert await texts(core, ana, ws, "acta") == set()

    small = Reindex(core.reindex.uow, batch=3)
    assert await small.start() == Reindexing(total=8, done=0)
    assert await small.step() == 3
    # interrupted here; a new run picks up after the first batch
    again = Reindex(core.reindex.uow, batch=3)
    assert await again.start() == Reindexing(total=8, done=3)
    assert (await find(core, ana, ws, "acta")).total == 3  # searchable while it runs
    while await again.step():
        pass
    assert await texts(core, ana, ws, "acta") == {f"acta número {n}" for n in range(7)}
    assert await texts(core, ana, ws, "borrada") == set()
    # finished: the next run starts from the beginning, and changes nothing
    assert await again.start() == Reindexing(total=8, done=0)
    while await again.step():
        pass
    assert (await find(core, ana, ws, "acta")).total == 7


async def test_reindex_with_restart_starts_over(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    for n in range(4):
        await say(core, ana, general, f"nota {n}")
    await _forget_everything(database)
    reindex = Reindex(core.reindex.uow, batch=2)
    await reindex.start()
    await reindex.step()
    assert await reindex.start(restart=True) == Reindexing(total=4, done=0)
    steps = 0
    while await reindex.step():
        steps += 1
    assert steps == 2
    assert (await find(core, ana, ws, "nota")).total == 4


# the quick switcher ----------------------------------------------------------------------------


async def test_the_quick_switcher_finds_people_and_channels_by_prefix_without_accents(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, general: ChannelId
) -> None:
    maria = await person(core, "mlopez")
    async with core.posting.uow() as uow:
        await uow.users.update(replace(await uow.users.get(maria.id), display_name="María López"))
        await uow.commit()
    await enrol(core, ws, ana, maria)
    await core.channels.create(ana.id, ws, "diseño-web", ChannelKind.PUBLIC)
    await core.channels.create(ana.id, ws, "dinero", ChannelKind.PRIVATE)
    outsider = await person(core, "mariano")  # not in the workspace

    def names(found: object) -> tuple[list[str], list[str]]:
        return (
            [u.username for u in found.users],  # type: ignore[attr-defined]
            [c.name or "" for c, _ in found.channels],  # type: ignore[attr-defined]
        )

    assert names(await core.search.suggest(ana.id, ws, "mar")) == (["mlopez"], [])
    assert names(await core.search.suggest(ana.id, ws, "LÓP")) == (["mlopez"], [])
    assert names(await core.search.suggest(ana.id, ws, "maria lo")) == (["mlopez"], [])
    assert names(await core.search.suggest(ana.id, ws, "maria x")) == ([], [])
    assert names(await core.search.suggest(ana.id, ws, "dise")) == ([], ["diseño-web"])
    assert names(await core.search.suggest(ana.id, ws, "web")) == ([], ["diseño-web"])
    assert names(await core.search.suggest(ana.id, ws, "di")) == ([], ["dinero", "diseño-web"])
    # Bruno sees the public channel, not Ana's private one
    assert names(await core.search.suggest(bruno.id, ws, "di")) == ([], ["diseño-web"])
    assert names(await core.search.suggest(ana.id, ws, "%")) == ([], [])
    assert outsider.username not in names(await core.search.suggest(ana.id, ws, "mari"))[0]
    with pytest.raises(NotFound):
        await core.search.suggest(outsider.id, ws, "mar")
    with pytest.raises(Invalid):
        await core.search.suggest(ana.id, ws, "x" * 101)


async def test_the_quick_switcher_follows_renames(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    row = await core.channels.create(ana.id, ws, "ventas", ChannelKind.PUBLIC)
    await core.channels.change(ana.id, row.channel.id, ChannelChange(name="márketing"))
    found = await core.search.suggest(ana.id, ws, "marke")
    assert [c.name for c, _ in found.channels] == ["márketing"]
    assert (await core.search.suggest(ana.id, ws, "ventas")).channels == []
