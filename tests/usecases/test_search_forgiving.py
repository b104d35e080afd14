"""Search that forgives how text was typed: accents composed or decomposed, channel names with
or without their accents, negated operators, phrases in any of their words' forms, prefixes
inside URLs and identifiers, domains and their subdomains, dates at the ends of the calendar.
Every test runs on SQLite, on PostgreSQL, and on PostgreSQL looking words up at once in its
channel-scoped index (the way a rare word goes)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from tertulia.adapters.search import postgres, statistics
from tertulia.adapters.sql.database import Database, open_database
from tertulia.domain.channels import ChannelKind
from tertulia.domain.errors import Malformed
from tertulia.domain.ids import ChannelId, MessageId, WorkspaceId
from tertulia.domain.messages import Draft
from tertulia.domain.users import User
from tertulia.usecases.core import Tertulia
from tertulia.usecases.search import Found

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


async def _no_statistics(conn: object, database: str) -> statistics.Frequencies:
    return statistics.Frequencies({}, 0.0)


def _rare(frequencies: object, match: object) -> float:
    return 0.0


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("postgres, looked up", marks=pytest.mark.postgres),
    ]
)
def search_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """SQLite; PostgreSQL; PostgreSQL taking every word for a rare one (its scoped index)."""
    if request.param == "postgres, looked up":
        monkeypatch.setattr(postgres, "read_frequencies", _no_statistics)
        monkeypatch.setattr(postgres, "estimated_share", _rare)
    engine = "sqlite" if request.param == "sqlite" else "postgres"
    return str(request.getfixturevalue(f"{engine}_url"))


@pytest.fixture
async def database(search_url: str) -> AsyncIterator[Database]:
    database = open_database(search_url)
    yield database
    await database.close()


@pytest.fixture
async def general(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> ChannelId:
    page = await core.channels.browse(ana.id, ws)
    return next(row.channel.id for row in page.items if row.channel.is_default)


async def say(
    core: Tertulia, who: User, channel: ChannelId, text: str, **draft: object
) -> MessageId:
    posted = await core.posting.post(who.id, channel, Draft(text, **draft))  # type: ignore[arg-type]
    return posted.view.message.id


async def found(core: Tertulia, who: User, ws: WorkspaceId, q: str) -> list[Found]:
    return (await core.search(who.id, ws, q)).items


async def texts(core: Tertulia, who: User, ws: WorkspaceId, q: str) -> set[str]:
    return {f.view.message.text for f in await found(core, who, ws, q)}


async def snippet(core: Tertulia, who: User, ws: WorkspaceId, q: str, text: str) -> str:
    """The snippet of the message saying `text` among what `q` finds."""
    return next(f.snippet for f in await found(core, who, ws, q) if f.view.message.text == text)


async def living_in(core: Tertulia, who: User, zone: str) -> None:
    async with core.posting.uow() as uow:
        await uow.users.update(replace(await uow.users.get(who.id), timezone=zone))
        await uow.commit()


# Unicode --------------------------------------------------------------------------------------

DECOMPOSED = "Reunio\u0301n del lunes"  # as pasted from macOS: o + combining acute accent
COMPOSED = "Reunión del martes"


async def test_accents_typed_decomposed_or_composed_find_each_other(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    """A message pasted with decomposed accents is found by the word typed with or without
    its accent, and a decomposed query finds the composed text; the snippet marks the whole
    word, accent included."""
    await say(core, ana, general, DECOMPOSED)
    await say(core, ana, general, COMPOSED)
    for q in ("reunión", "reunion", "REUNIÓN", "Reunio\u0301n", "reunio\u0301n*", "reuniones"):
        assert await texts(core, ana, ws, q) == {DECOMPOSED, COMPOSED}, q
    assert await texts(core, ana, ws, '"reunio\u0301n del martes"') == {COMPOSED}
    assert await texts(core, ana, ws, '"reunión del lunes"') == {DECOMPOSED}
    marked = await snippet(core, ana, ws, "reunion", DECOMPOSED)
    assert marked == "<mark>Reunio\u0301n</mark> del lunes"


async def test_channel_names_fold_like_words(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    """`in:#facturacion` finds #facturación, whatever the accents and case typed; `-in:`
    leaves it out the same way."""
    billing = (await core.channels.create(ana.id, ws, "facturación", ChannelKind.PUBLIC)).channel
    await say(core, ana, billing.id, "factura de marzo")
    await say(core, ana, general, "factura de abril")
    for name in ("facturacion", "Facturación", "FACTURACIO\u0301N", "#facturacion"):
        assert await texts(core, ana, ws, f"factura in:{name}") == {"factura de marzo"}, name
        assert await texts(core, ana, ws, f"in:#{name.lstrip('#')}") == {"factura de marzo"}
        assert await texts(core, ana, ws, f"factura -in:{name}") == {"factura de abril"}, name


# negated operators -----------------------------------------------------------------------------


async def test_negated_operators_leave_messages_out(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, general: ChannelId
) -> None:
    """Each negated operator leaves out what the operator would keep; one that names nobody
    leaves nothing out; and a channel both asked for and left out leaves nothing."""
    ops = (await core.channels.create(ana.id, ws, "ops", ChannelKind.PUBLIC)).channel.id
    mentioning = await say(core, ana, general, "plan con @bruno")
    linked = await say(core, bruno, general, "plan con enlace https://example.com/plan")
    in_ops = await say(core, ana, ops, "plan en ops")
    upload = await core.files.upload(ana.id, ws, "plan.pdf", _chunks(PDF))
    filed = await say(core, ana, general, "plan con fichero", file_ids=(upload.id,))
    reply = await say(core, bruno, general, "plan en hilo", thread_root_id=linked)
    await core.reactions.react(ana.id, in_ops, "👍", add=True)
    await core.reactions.pin(ana.id, filed, pinned=True)
    every = {mentioning, linked, in_ops, filed, reply}

    async def ids(q: str) -> set[MessageId]:
        return {f.view.message.id for f in await found(core, ana, ws, q)}

    assert await ids("plan") == every
    assert await ids("plan -in:#ops") == every - {in_ops}
    assert await ids("plan -from:@ana") == {linked, reply}
    assert await ids("plan -mentions:@bruno") == every - {mentioning}
    assert await ids("plan -has:file") == every - {filed}
    assert await ids("plan -has:link") == every - {linked}
    assert await ids("plan -has:reaction") == every - {in_ops}
    assert await ids("plan -is:thread") == every - {linked, reply}
    assert await ids("plan -is:pinned") == every - {filed}
    assert await ids("has:file -is:pinned") == set()
    assert await ids("from:@bruno -is:thread -has:link") == set()
    assert await ids("plan -from:@nadie -in:#ninguno -mentions:@nadie") == every
    assert await ids("plan in:#ops -in:#ops") == set()
    assert await ids("plan -in:#ops -in:#general") == set()


# phrases ---------------------------------------------------------------------------------------


async def test_phrases_match_word_forms_in_order(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    """A phrase finds its words in any of their forms, in its order only; an identifier in a
    phrase is still found as written; the snippet marks the phrase's words."""
    await say(core, ana, general, "Las bases de datos se cayeron")
    await say(core, ana, general, "datos de la base")
    await say(core, ana, general, "Code reviews pending")
    await say(core, ana, general, "review the code")
    await say(core, ana, general, "fix PLT-3699 hoy")
    await say(core, ana, general, "fix plt 3699 mañana")
    assert await texts(core, ana, ws, '"base de datos"') == {"Las bases de datos se cayeron"}
    assert await texts(core, ana, ws, '"code review"') == {"Code reviews pending"}
    assert await texts(core, ana, ws, '"CODE  reviewing"') == {"Code reviews pending"}
    assert await texts(core, ana, ws, '"fix PLT-3699"') == {"fix PLT-3699 hoy"}
    assert await texts(core, ana, ws, 'review -"code review"') == {"review the code"}
    marked = await snippet(core, ana, ws, '"base de datos"', "Las bases de datos se cayeron")
    assert marked == "Las <mark>bases</mark> <mark>de</mark> <mark>datos</mark> se cayeron"


async def test_stop_words_next_to_a_phrase_are_not_required(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    """Stop words typed beside a phrase, or at its ends, do not have to be in the message;
    stop words alone are still searched."""
    await say(core, ana, general, "Informe anual listo")
    await say(core, ana, general, "Code reviews pending")
    await say(core, ana, general, "de la mañana")
    await say(core, ana, general, "voy a casa")
    await say(core, ana, general, "the a team")
    assert await texts(core, ana, ws, 'el "informe anual"') == {"Informe anual listo"}
    assert await texts(core, ana, ws, '"el informe anual"') == {"Informe anual listo"}
    assert await texts(core, ana, ws, '"the code review"') == {"Code reviews pending"}
    assert await texts(core, ana, ws, 'the "code review" of') == {"Code reviews pending"}
    assert await texts(core, ana, ws, '"de la"') == {"de la mañana"}
    # a phrase of both languages' stop words is not a search for any one of them
    assert await texts(core, ana, ws, '"the a"') == {"the a team"}


# inside URLs and identifiers --------------------------------------------------------------------

DASHBOARD = "Panel en https://grafana.example.com/d/abc-123?orgId=1"


async def test_a_prefix_finds_words_inside_urls_and_identifiers_and_marks_them(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    """`grafana*` finds the URL holding grafana and marks that word in it, not the whole
    URL; so do the words inside file names and code names."""
    await say(core, ana, general, DASHBOARD)
    await say(core, ana, general, "Call getUserName() first")
    await say(core, ana, general, "Mirad informe_final.pdf")
    await say(core, ana, general, "graf de barras")
    expected: list[tuple[str, str, str]] = [
        ("grafana*", DASHBOARD, "https://<mark>grafana</mark>.example.com"),
        ("orgid*", DASHBOARD, "?<mark>orgId</mark>=1"),
        ("exam*", DASHBOARD, "grafana.<mark>example</mark>.com"),
        ("user*", "Call getUserName() first", "get<mark>User</mark>Name()"),
        ("fin*", "Mirad informe_final.pdf", "informe_<mark>final</mark>.pdf"),
    ]
    for q, text, mark in expected:
        assert text in await texts(core, ana, ws, q), q
        assert mark in await snippet(core, ana, ws, q, text), q
    assert await texts(core, ana, ws, "graf*") == {DASHBOARD, "graf de barras"}
    assert await texts(core, ana, ws, "grafana") == {DASHBOARD}  # a word inside, typed whole


async def test_a_domain_finds_its_subdomains(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId
) -> None:
    """`example.com` finds its subdomains in URLs, addresses and host names, and marks the
    domain in them; not another domain that starts the same, nor the words apart."""
    wanted = {
        "Docs at https://docs.example.com/x",
        "Escribe a ana@mail.example.com",
        "El host api.eu.example.com responde",
    }
    for text in (*wanted, "Ver https://example.community/z", "example com apart"):
        await say(core, ana, general, text)
    assert await texts(core, ana, ws, "example.com") == wanted
    assert await texts(core, ana, ws, "eu.example.com") == {"El host api.eu.example.com responde"}
    marked = await snippet(core, ana, ws, "example.com", "Docs at https://docs.example.com/x")
    assert marked == "Docs at https://docs.<mark>example.com</mark>/x"


# dates -----------------------------------------------------------------------------------------

EDGES = ["after:9999-12-31", "on:9999-12-31", "before:0001-01-01", "on:0001-01-01"]


@pytest.mark.parametrize("search", ["messages", "files"])
@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12"])  # 14 h east, 12 h west
async def test_dates_at_the_ends_of_the_calendar(
    core: Tertulia, ws: WorkspaceId, ana: User, general: ChannelId, zone: str, search: str
) -> None:
    """Past the first or last day a search takes, a 400 `search.date` names the range; the
    days at its ends work in any time zone, in message and file search alike."""
    await living_in(core, ana, zone)
    upload = await core.files.upload(ana.id, ws, "hola.pdf", _chunks(PDF))
    await say(core, ana, general, "hola", file_ids=(upload.id,))

    async def ask(q: str) -> set[str]:
        if search == "messages":
            return await texts(core, ana, ws, q)
        return await _file_names(core, ana, ws, q)

    for q in EDGES:
        with pytest.raises(Malformed) as refused:
            await ask(f"hola {q}")
        assert refused.value.code == "search.date", q
        assert "0001-01-02" in refused.value.detail, q
        assert "9999-12-30" in refused.value.detail, q
    found = {"hola"} if search == "messages" else {"hola.pdf"}
    assert await ask("hola on:9999-12-30") == set()
    assert await ask("hola before:0001-01-02") == set()
    assert await ask("hola after:0001-01-02") == found
    assert await ask("hola before:9999-12-30") == found


async def _file_names(core: Tertulia, who: User, ws: WorkspaceId, q: str) -> set[str]:
    page = await core.search.files(who.id, ws, q, (), None, 50)
    return {hit.file.name for hit in page.items}


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data
