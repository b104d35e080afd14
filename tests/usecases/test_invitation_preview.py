"""An invitation link looked at before accepting it: what it leads to while it works, and the
same refusals as accepting once it does not."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tertulia.domain.errors import Conflict, DomainError, NotFound, RateLimited
from tertulia.domain.ids import SessionId, WorkspaceId, new_id
from tertulia.domain.users import ProfileChange, User
from tertulia.domain.workspaces import Role
from tertulia.usecases.core import Tertulia
from tertulia.usecases.workspaces import InvitationDraft
from tests.conftest import Clock
from tests.usecases.teams import enrol, person


@pytest.fixture
async def ana(core: Tertulia) -> User:
    return await person(core, "ana")


@pytest.fixture
async def bruno(core: Tertulia) -> User:
    return await person(core, "bruno")


@pytest.fixture
async def ws(core: Tertulia, ana: User) -> WorkspaceId:
    workspace, _ = await core.workspaces.create(ana.id, "Equipo Núcleo")
    return workspace.id


async def test_a_working_link_shows_the_workspace_the_inviter_and_the_role(
    core: Tertulia, ana: User, ws: WorkspaceId
) -> None:
    """Whoever holds the token sees where it leads, who invites (by their name now) and with
    what role, until when; looking changes nothing (the link is still unused)."""
    await core.accounts.update_profile(
        ana.id, SessionId(new_id()), ProfileChange(display_name="Ana G.")
    )
    invitation, token = await core.workspaces.invite(
        ana.id, ws, InvitationDraft(role=Role.ADMIN, expires_in=timedelta(days=2))
    )

    shown = await core.workspaces.preview(token)

    assert shown.workspace.id == ws
    assert shown.workspace.name == "Equipo Núcleo"
    assert shown.inviter.id == ana.id
    assert shown.inviter.display_name == "Ana G."
    assert shown.invitation.role is Role.ADMIN
    assert shown.invitation.expires_at == invitation.expires_at
    assert (await core.workspaces.preview(token)).invitation.uses == 0


async def test_a_link_that_no_longer_works_is_refused_as_accepting_would_be(
    core: Tertulia, clock: Clock, ana: User, bruno: User, ws: WorkspaceId
) -> None:
    """Unknown, used up, revoked, expired, or made by someone who left: the preview raises
    exactly what accepting raises."""
    carla = await person(core, "carla")
    _, unused = await core.workspaces.invite(ana.id, ws, InvitationDraft())
    _, used = await core.workspaces.invite(ana.id, ws, InvitationDraft(max_uses=1))
    await core.workspaces.accept(bruno.id, used)
    revoked, revoked_token = await core.workspaces.invite(ana.id, ws, InvitationDraft())
    await core.workspaces.revoke(ana.id, ws, revoked.id)
    dario = await person(core, "dario")
    await enrol(core, ws, ana, dario)
    _, orphan = await core.workspaces.invite(dario.id, ws, InvitationDraft())
    await core.workspaces.remove(dario.id, ws, dario.id)
    _, expiring = await core.workspaces.invite(
        ana.id, ws, InvitationDraft(expires_in=timedelta(hours=1))
    )
    clock.advance(hours=1)

    expected = {
        "x" * 32: "invitation.not_found",
        used: "invitation.used_up",
        revoked_token: "invitation.revoked",
        orphan: "invitation.revoked",
        expiring: "invitation.expired",
    }
    for token, code in expected.items():
        with pytest.raises(DomainError) as previewing:
            await core.workspaces.preview(token)
        with pytest.raises(DomainError) as accepting:
            await core.workspaces.accept(carla.id, token)
        assert previewing.value.code == accepting.value.code == code
        assert type(previewing.value) is type(accepting.value)
        assert isinstance(previewing.value, NotFound if code.endswith("not_found") else Conflict)
    assert (await core.workspaces.preview(unused)).workspace.id == ws


async def test_looking_at_invitations_is_limited_per_address(core: Tertulia) -> None:
    """Past its limit from one address, looking at links is refused (RateLimited, with the
    code logins use) while another address goes on."""
    limit = core.accounts.policy.invitation_per_address.count
    for _ in range(limit):
        await core.accounts.throttle("invitation", "203.0.113.9")
    with pytest.raises(RateLimited) as caught:
        await core.accounts.throttle("invitation", "203.0.113.9")
    assert caught.value.code == "auth.rate_limited"
    assert (await core.accounts.throttle("invitation", "203.0.113.10")).allowed
