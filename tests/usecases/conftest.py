"""The team most use-case tests work with: Ana owns a workspace where Bruno and Carla are
members (and so in its default channel, #general). A module that needs other people defines
its own fixtures of these names."""

from __future__ import annotations

import pytest

from tertulia.domain.ids import WorkspaceId
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
