"""The team most use-case tests work with: Ana owns a workspace where Bruno and Carla are
members (and so in its default channel, #general); Olga has an account but is not in it. The
places they talk in: #general, and a public and a private channel Bruno created and is alone
in. A module that needs other people or places defines its own fixtures of these names."""

from __future__ import annotations

import pytest

from tertulia.domain.channels import ChannelKind
from tertulia.domain.ids import ChannelId, WorkspaceId
from tertulia.domain.users import User
from tertulia.usecases.core import Tertulia
from tests.usecases.teams import enrol, person


@pytest.fixture
async def ana(core: Tertulia) -> User:
    """The workspace's owner (an admin), who created #general."""
    return await person(core, "ana")


@pytest.fixture
async def ws(core: Tertulia, ana: User) -> WorkspaceId:
    workspace, _ = await core.workspaces.create(ana.id, "Equipo Núcleo")
    return workspace.id


@pytest.fixture
async def bruno(core: Tertulia, ws: WorkspaceId, ana: User) -> User:
    """A member of Ana's workspace."""
    user = await person(core, "bruno")
    await enrol(core, ws, ana, user)
    return user


@pytest.fixture
async def carla(core: Tertulia, ws: WorkspaceId, ana: User) -> User:
    """Another member of Ana's workspace."""
    user = await person(core, "carla")
    await enrol(core, ws, ana, user)
    return user


@pytest.fixture
async def olga(core: Tertulia) -> User:
    """Someone with an account but not in Ana's workspace."""
    return await person(core, "olga")


@pytest.fixture
async def general(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> ChannelId:
    """#general, with Ana, Bruno and Carla in it."""
    page = await core.channels.browse(ana.id, ws)
    return next(row.channel.id for row in page.items if row.channel.is_default)


@pytest.fixture
async def plaza(core: Tertulia, ws: WorkspaceId, bruno: User) -> ChannelId:
    """A public channel Bruno created and is alone in."""
    row = await core.channels.create(bruno.id, ws, "plaza", ChannelKind.PUBLIC)
    return row.channel.id


@pytest.fixture
async def secreto(core: Tertulia, ws: WorkspaceId, bruno: User) -> ChannelId:
    """A private channel Bruno created and is alone in."""
    row = await core.channels.create(bruno.id, ws, "secreto", ChannelKind.PRIVATE)
    return row.channel.id
