"""The first screen as the use case reads it: the caps on what it lists (people first by
username, then one's DM partners beyond the cap), presence from the presence store, and the
event log position read before the rest."""

from __future__ import annotations

import pytest

from tertulia.adapters.broker.memory import MemoryPresence
from tertulia.domain.channels import ChannelKind
from tertulia.domain.errors import NotFound
from tertulia.domain.ids import WorkspaceId, new_id
from tertulia.domain.messages import Draft
from tertulia.domain.users import User
from tertulia.domain.workspaces import Role
from tertulia.usecases import boot
from tertulia.usecases.boot import Boot
from tertulia.usecases.core import Tertulia
from tertulia.usecases.ports.realtime import ONLINE
from tests.usecases.teams import enrol, person


@pytest.fixture
async def ana(core: Tertulia) -> User:
    return await person(core, "ana")


@pytest.fixture
async def ws(core: Tertulia, ana: User) -> WorkspaceId:
    workspace, _ = await core.workspaces.create(ana.id, "Equipo")
    return workspace.id


async def test_people_past_the_cap_are_left_out_but_for_ones_dm_partners(
    core: Tertulia, ana: User, ws: WorkspaceId, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a cap of 3: Ana, Bea and Ciro (the first by username) are listed and the list
    says there are more; Zoe is listed too, after them, because Ana has a DM with her;
    Yago, with no DM, is not."""
    monkeypatch.setattr(boot, "PEOPLE_MAX", 3)
    people = {name: await person(core, name) for name in ("bea", "ciro", "yago", "zoe")}
    for user in people.values():
        await enrol(core, ws, ana, user)
    await core.channels.open_dm(ana.id, ws, [people["zoe"].id])

    screen = await core.boot.load(ana.id)

    assert [row.user.username for row in screen.people] == ["ana", "bea", "ciro", "zoe"]
    assert screen.people_truncated
    assert set(screen.presence) == {row.user.id for row in screen.people}


async def test_channels_and_workspaces_past_their_caps_are_said_to_be_more(
    core: Tertulia, ana: User, ws: WorkspaceId, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With caps of 2: the first two channels and workspaces by name, and flags that say
    there are more (to page through their lists)."""
    monkeypatch.setattr(boot, "CHANNELS_MAX", 2)
    monkeypatch.setattr(boot, "WORKSPACES_MAX", 2)
    for name in ("b", "c"):
        await core.workspaces.create(ana.id, f"Equipo {name}")
    for name in ("alfa", "beta"):
        await core.channels.create(ana.id, ws, name, ChannelKind.PUBLIC)

    screen = await core.boot.load(ana.id)

    assert [w.name for w, _ in screen.workspaces] == ["Equipo", "Equipo b"]
    assert screen.workspaces_truncated
    assert [c.row.channel.name for c in screen.channels] == ["alfa", "beta"]
    assert screen.channels_truncated
    assert not screen.people_truncated


async def test_presence_comes_from_the_presence_store(
    core: Tertulia, ana: User, ws: WorkspaceId
) -> None:
    """Someone with a socket somewhere is online on the first screen; the rest offline."""
    bea = await person(core, "bea")
    await enrol(core, ws, ana, bea, Role.MEMBER)
    presence = MemoryPresence()
    await presence.put(bea.id, ONLINE, 1)

    screen = await Boot(core.boot.uow, presence).load(ana.id)

    assert screen.presence == {ana.id: "offline", bea.id: "online"}


async def test_the_log_position_covers_everything_read(
    core: Tertulia, ana: User, ws: WorkspaceId
) -> None:
    """The position is that of the newest event committed: the last message's, here."""
    general = (await core.channels.browse(ana.id, ws)).items[0].channel
    posted = await core.posting.post(ana.id, general.id, Draft("hola"))

    screen = await core.boot.load(ana.id)

    assert screen.last_event_id == posted.view.message.seq
    assert screen.channels[0].unread.latest_seq == posted.view.message.seq


async def test_a_workspace_one_is_not_in_is_not_found(core: Tertulia, ana: User) -> None:
    """Asking for someone else's workspace (or one that does not exist) is NotFound."""
    bea = await person(core, "bea")
    theirs, _ = await core.workspaces.create(bea.id, "Suyo")
    for workspace in (theirs.id, WorkspaceId(new_id())):
        with pytest.raises(NotFound) as caught:
            await core.boot.load(ana.id, workspace)
        assert caught.value.code == "workspace.not_found"
