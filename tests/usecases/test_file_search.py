"""File search through the use case, on SQLite and on PostgreSQL: files by name and kind among
those the searcher may open (their own uploads, files shared where they may read), newest first,
never a deleted one."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from PIL import Image

from tertulia.adapters.sql.database import Database, open_database
from tertulia.adapters.sql.stores import files as sql_files
from tertulia.domain.attachments import StoredFile
from tertulia.domain.channels import ChannelKind
from tertulia.domain.errors import Invalid, Malformed, NotFound
from tertulia.domain.ids import ChannelId, WorkspaceId
from tertulia.domain.messages import Draft
from tertulia.domain.users import User
from tertulia.domain.workspaces import Role
from tertulia.usecases.core import Tertulia
from tests.conftest import Clock
from tests.usecases.teams import enrol, person

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(params=["by run", "newest first"])
async def database(
    database_url: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Database]:
    """SQLite, then PostgreSQL; each with the two ways a search goes: from the files whose
    names have the rarest words asked for (how a search for few files goes), and newest first
    through every file (how a search for common words goes)."""
    if request.param == "newest first":
        monkeypatch.setattr(sql_files, "RARE", 0)  # no words are rare
    else:  # files looked up one, then four, at a time: pages cross batches
        monkeypatch.setattr(sql_files, "FIRST_BATCH", 1)
        monkeypatch.setattr(sql_files, "LAST_BATCH", 4)
    database = open_database(database_url)
    yield database
    await database.close()


@pytest.fixture
async def general(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> ChannelId:
    page = await core.channels.browse(ana.id, ws)
    return next(row.channel.id for row in page.items if row.channel.is_default)


async def chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()


_count = iter(range(10**6))


async def share(
    core: Tertulia,
    who: User,
    ws: WorkspaceId,
    name: str,
    channel: ChannelId | None = None,
    data: bytes = PDF,
) -> StoredFile:
    """`name` uploaded by `who` (distinct bytes each time) and, given a channel, shared there."""
    file = await core.files.upload(who.id, ws, name, chunks(data + b"%" * next(_count)))
    if channel is not None:
        await core.posting.post(who.id, channel, Draft("", file_ids=(file.id,)))
    return file


async def names(
    core: Tertulia, who: User, ws: WorkspaceId, q: str = "", kinds: tuple[str, ...] = ()
) -> list[str]:
    page = await core.search.files(who.id, ws, q, kinds, None, 50)
    return [hit.file.name for hit in page.items]


async def test_every_word_starts_a_word_of_the_name_without_regard_to_accents_or_case(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    await share(core, ana, ws, "Informe_Anual-2026.pdf", general)
    await share(core, ana, ws, "canción del verano.pdf", general)
    await share(core, ana, ws, "presupuesto.PDF", general)
    assert await names(core, ana, ws, "informe") == ["Informe_Anual-2026.pdf"]
    assert await names(core, ana, ws, "INFOR anu") == ["Informe_Anual-2026.pdf"]
    assert await names(core, ana, ws, "cancion") == ["canción del verano.pdf"]
    assert await names(core, ana, ws, "CANCIÓN verano") == ["canción del verano.pdf"]
    assert await names(core, ana, ws, "2026") == ["Informe_Anual-2026.pdf"]
    assert await names(core, ana, ws, "forme") == []  # inside a word is not a start
    assert await names(core, ana, ws, "informe verano") == []  # every word must match
    assert set(await names(core, ana, ws, "pdf")) == {
        "Informe_Anual-2026.pdf",
        "canción del verano.pdf",
        "presupuesto.PDF",
    }


async def test_names_are_found_as_written_and_phrases_keep_their_order(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    await share(core, ana, ws, "informe.pdf", general)
    await share(core, ana, ws, "pdf informe.txt", general)
    assert await names(core, ana, ws, "informe.pdf") == ["informe.pdf"]
    assert await names(core, ana, ws, '"pdf informe"') == ["pdf informe.txt"]
    assert await names(core, ana, ws, "informe -txt") == ["informe.pdf"]
    assert await names(core, ana, ws, 'informe -"informe.pdf"') == ["pdf informe.txt"]


async def test_kinds_narrow_and_an_empty_query_lists_everything_newest_first(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId, clock: Clock
) -> None:
    await share(core, ana, ws, "plano.pdf", general)
    clock.advance(seconds=1)
    await share(core, ana, ws, "foto.png", general, data=png())
    clock.advance(seconds=1)
    await share(core, ana, ws, "notas.txt", general, data=b"hola\n")
    assert await names(core, ana, ws) == ["notas.txt", "foto.png", "plano.pdf"]
    assert await names(core, ana, ws, kinds=("image",)) == ["foto.png"]
    assert await names(core, ana, ws, kinds=("pdf", "text")) == ["notas.txt", "plano.pdf"]
    assert await names(core, ana, ws, "foto", kinds=("pdf",)) == []


async def test_a_file_reaches_only_who_may_read_where_it_was_shared(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User, general: ChannelId
) -> None:
    secret = (await core.channels.create(bruno.id, ws, "secreto", ChannelKind.PRIVATE)).channel
    plaza = (await core.channels.create(bruno.id, ws, "plaza", ChannelKind.PUBLIC)).channel
    dm, _ = await core.channels.open_dm(ana.id, ws, [bruno.id])
    await share(core, bruno, ws, "clave secreta.pdf", secret.id)
    await share(core, bruno, ws, "clave plaza.pdf", plaza.id)
    await share(core, ana, ws, "clave dm.pdf", dm.channel.id)
    await share(core, bruno, ws, "clave borrador.pdf")  # uploaded, not shared yet
    await share(core, ana, ws, "clave general.pdf", general)
    assert set(await names(core, bruno, ws, "clave")) == {
        "clave secreta.pdf",
        "clave plaza.pdf",
        "clave dm.pdf",
        "clave borrador.pdf",
        "clave general.pdf",
    }
    assert set(await names(core, ana, ws, "clave")) == {
        "clave plaza.pdf",
        "clave dm.pdf",
        "clave general.pdf",
    }
    assert set(await names(core, carla, ws, "clave")) == {"clave plaza.pdf", "clave general.pdf"}
    for q in ("in:#secreto", "from:@bruno clave", "secreta", "borrador"):
        assert "clave secreta.pdf" not in await names(core, carla, ws, q), q
        assert "clave borrador.pdf" not in await names(core, carla, ws, q), q
    invitada = await person(core, "invitada")
    await enrol(core, ws, ana, invitada, Role.GUEST, [general])
    assert await names(core, invitada, ws, "clave") == ["clave general.pdf"]


async def test_a_file_leaves_search_when_deleted_or_when_its_reader_leaves(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User, general: ChannelId
) -> None:
    room = (await core.channels.create(ana.id, ws, "sala", ChannelKind.PRIVATE)).channel.id
    await core.channels.add_member(ana.id, room, carla.id)
    await share(core, ana, ws, "acta.pdf", room)
    gone = await share(core, ana, ws, "viejo.pdf", general)
    assert await names(core, carla, ws, "acta") == ["acta.pdf"]
    await core.channels.remove_member(ana.id, room, carla.id)
    assert await names(core, carla, ws, "acta") == []
    await core.files.delete(ana.id, gone.id)
    assert await names(core, bruno, ws, "viejo") == []
    assert await names(core, ana, ws, "viejo") == []
    await core.workspaces.remove(ana.id, ws, bruno.id)
    with pytest.raises(NotFound):
        await names(core, bruno, ws, "acta")


async def test_another_workspace_is_never_searched(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    olga = await person(core, "olga")
    other, _ = await core.workspaces.create(olga.id, "Otra Empresa")
    page = await core.channels.browse(olga.id, other.id)
    await share(core, olga, other.id, "ajeno.pdf", page.items[0].channel.id)
    await share(core, ana, ws, "propio.pdf", general)
    assert await names(core, ana, ws, "pdf") == ["propio.pdf"]
    with pytest.raises(NotFound):
        await names(core, ana, other.id, "pdf")


async def test_from_in_and_dates_narrow(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, general: ChannelId, clock: Clock
) -> None:
    plaza = (await core.channels.create(bruno.id, ws, "plaza", ChannelKind.PUBLIC)).channel.id
    first_day = clock().date()
    await share(core, ana, ws, "uno.pdf", general)
    clock.advance(days=1)
    await share(core, bruno, ws, "dos.pdf", plaza)
    assert await names(core, ana, ws, "from:@bruno") == ["dos.pdf"]
    assert await names(core, ana, ws, "pdf in:#general") == ["uno.pdf"]
    assert await names(core, ana, ws, f"on:{first_day}") == ["uno.pdf"]
    assert await names(core, ana, ws, f"after:{first_day}") == ["dos.pdf"]
    assert await names(core, ana, ws, f"before:{first_day + timedelta(1)}") == ["uno.pdf"]
    assert await names(core, ana, ws, "from:@nadie") == []
    assert await names(core, ana, ws, "in:#ninguno") == []


async def test_channel_names_fold_and_negated_operators_leave_files_out(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, general: ChannelId
) -> None:
    """`in:#facturacion` is #facturación; `-in:` leaves out what was shared there (a file
    shared nowhere stays), `-from:` what someone uploaded; operators about messages are
    refused, negated or not."""
    billing = (await core.channels.create(ana.id, ws, "facturación", ChannelKind.PUBLIC)).channel
    await share(core, ana, ws, "uno.pdf", billing.id)
    await share(core, bruno, ws, "dos.pdf", general)
    await share(core, ana, ws, "tres.pdf")  # not shared anywhere
    for name in ("facturacion", "#Facturación", "FACTURACIO\u0301N"):
        assert await names(core, ana, ws, f"pdf in:{name}") == ["uno.pdf"], name
        assert set(await names(core, ana, ws, f"pdf -in:{name}")) == {"dos.pdf", "tres.pdf"}
    assert set(await names(core, ana, ws, "pdf -from:@bruno")) == {"uno.pdf", "tres.pdf"}
    assert await names(core, ana, ws, "pdf -from:@bruno -in:#general -in:#facturacion") == [
        "tres.pdf"
    ]
    assert set(await names(core, ana, ws, "pdf -from:@nadie")) == {"uno.pdf", "dos.pdf", "tres.pdf"}
    for q in ("pdf -has:link", "pdf -is:pinned", "pdf -mentions:@ana"):
        with pytest.raises(Malformed) as refused:
            await names(core, ana, ws, q)
        assert refused.value.code == "search.operator_not_for_files", q
        assert q.split()[1].partition(":")[0] in refused.value.detail


async def test_hits_say_where_the_file_was_shared(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    await share(core, ana, ws, "compartido.pdf", general)
    await share(core, ana, ws, "propio.pdf")
    page = await core.search.files(ana.id, ws, "pdf", (), None, 10)
    where = {hit.file.name: hit.channel for hit in page.items}
    assert where["propio.pdf"] is None
    shared_in = where["compartido.pdf"]
    assert shared_in is not None
    assert (shared_in.id, shared_in.name) == (general, "general")


async def test_pages_follow_each_other_without_gaps_or_repeats(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    for n in range(7):  # same clock: the id breaks ties
        await share(core, ana, ws, f"parte {n}.pdf", general)
    seen: list[str] = []
    cursor = None
    while True:
        page = await core.search.files(ana.id, ws, "parte", (), cursor, 3)
        seen += [hit.file.name for hit in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == [f"parte {n}.pdf" for n in range(7)]
    assert len(seen) == 7


async def test_a_search_that_cannot_be_read_is_refused_with_a_fix(
    core: Tertulia, ws: WorkspaceId, ana: User
) -> None:
    for q, code in (
        ("has:link", "search.operator_not_for_files"),
        ("is:thread informe", "search.operator_not_for_files"),
        ("mentions:@ana", "search.operator_not_for_files"),
        ("before:2026-13-01", "search.date"),
        ("after:9999-12-31", "search.date"),
        ("to:@ana", "search.operator_unsupported"),
        ("x" * 501, "search.too_long"),
        ("x" * 20_000, "search.too_long"),
        ("in\x00forme", "search.control_character"),
        ("-solo", "search.only_exclusions"),
    ):
        with pytest.raises(Malformed) as refused:
            await core.search.files(ana.id, ws, q, (), None, 10)
        assert refused.value.code == code, q
    for cursor in ("%%%", "bm90LWEtY3Vyc29y", "MjAyNi0wMS0wMVQwMDowMDowMB94"):  # last: no zone
        with pytest.raises(Invalid) as bad_cursor:
            await core.search.files(ana.id, ws, "", (), cursor, 10)
        assert bad_cursor.value.code == "cursor.invalid", cursor
    with pytest.raises(Invalid):
        await core.search.files(ana.id, ws, "", (), None, 0)
