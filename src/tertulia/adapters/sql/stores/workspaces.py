"""The stores of workspaces: the workspaces, their members, and the invitations to join them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, literal, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.selectable import Select

from tertulia.adapters.sql import tables as t
from tertulia.adapters.sql.leases import Executor
from tertulia.adapters.sql.stores.rows import USER_COLUMNS, AnyRow, membership_of, user_of
from tertulia.adapters.sql.stores.statements import insert_ignoring_duplicates
from tertulia.domain.errors import Conflict, NotFound
from tertulia.domain.ids import ChannelId, InvitationId, UserId, WorkspaceId
from tertulia.domain.users import User
from tertulia.domain.workspaces import Invitation, Membership, Role, Workspace
from tertulia.usecases.ports.workspaces import MemberRow

_wm = t.workspace_members

_MEMBERSHIP = select(_wm).where(
    _wm.c.workspace_id == bindparam("workspace_id"), _wm.c.user_id == bindparam("user_id")
)


def _workspace(row: AnyRow) -> Workspace:
    return Workspace(
        id=WorkspaceId(row.id),
        name=row.name,
        slug=row.slug,
        description=row.description,
        created_by=UserId(row.created_by),
        created_at=row.created_at,
    )


class SqlWorkspaceStore:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def add(self, workspace: Workspace) -> None:
        try:
            await self.conn.execute(
                insert(t.workspaces).values(
                    id=workspace.id,
                    name=workspace.name,
                    slug=workspace.slug,
                    description=workspace.description,
                    created_by=workspace.created_by,
                    created_at=workspace.created_at,
                    updated_at=workspace.created_at,
                )
            )
        except IntegrityError:
            raise Conflict(
                f"The slug '{workspace.slug}' is taken.", "workspace.slug_taken"
            ) from None

    async def find(self, workspace_id: WorkspaceId) -> Workspace | None:
        row = (
            await self.conn.execute(select(t.workspaces).where(t.workspaces.c.id == workspace_id))
        ).first()
        return _workspace(row) if row else None

    async def get(self, workspace_id: WorkspaceId) -> Workspace:
        workspace = await self.find(workspace_id)
        if workspace is None:
            raise NotFound("No such workspace.", "workspace.not_found")
        return workspace

    async def lock(self, workspace_id: WorkspaceId) -> None:
        """Hold the workspace row until commit (PostgreSQL; SQLite writers are serial anyway)."""
        await self.conn.execute(
            select(t.workspaces.c.id).where(t.workspaces.c.id == workspace_id).with_for_update()
        )

    async def slug_taken(self, slug: str) -> bool:
        found = await self.conn.scalar(select(t.workspaces.c.id).where(t.workspaces.c.slug == slug))
        return found is not None

    async def update(self, workspace: Workspace, at: datetime) -> None:
        await self.conn.execute(
            update(t.workspaces)
            .where(t.workspaces.c.id == workspace.id)
            .values(name=workspace.name, description=workspace.description, updated_at=at)
        )

    async def of_user(
        self, user_id: UserId, after: tuple[str, str] | None, limit: int
    ) -> list[tuple[Workspace, Membership]]:
        m, w = t.workspace_members, t.workspaces
        query = (
            select(w, m.c.workspace_id, m.c.user_id, m.c.role, m.c.joined_at)
            .join(m, m.c.workspace_id == w.c.id)
            .where(m.c.user_id == user_id)
            .order_by(w.c.name, w.c.id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(
                tuple_(w.c.name, w.c.id) > tuple_(literal(after[0]), literal(after[1]))
            )
        return [(_workspace(row), membership_of(row)) for row in await self.conn.execute(query)]


class SqlMemberStore:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def add(self, membership: Membership) -> bool:
        result = await self.conn.execute(
            insert_ignoring_duplicates(self.conn, t.workspace_members).values(
                workspace_id=membership.workspace_id,
                user_id=membership.user_id,
                role=membership.role.value,
                joined_at=membership.joined_at,
            )
        )
        return bool(result.rowcount == 1)

    async def find(self, workspace_id: WorkspaceId, user_id: UserId) -> Membership | None:
        params = {"workspace_id": workspace_id, "user_id": user_id}
        row = (await self.conn.execute(_MEMBERSHIP, params)).first()
        return membership_of(row) if row else None

    async def set_role(self, workspace_id: WorkspaceId, user_id: UserId, role: Role) -> None:
        m = t.workspace_members
        await self.conn.execute(
            update(m)
            .where(m.c.workspace_id == workspace_id, m.c.user_id == user_id)
            .values(role=role.value)
        )

    async def remove(self, workspace_id: WorkspaceId, user_id: UserId) -> None:
        m = t.workspace_members
        await self.conn.execute(
            delete(m).where(m.c.workspace_id == workspace_id, m.c.user_id == user_id)
        )

    async def count(self, workspace_id: WorkspaceId, role: Role) -> int:
        m = t.workspace_members
        value = await self.conn.scalar(
            select(func.count())
            .select_from(m)
            .where(m.c.workspace_id == workspace_id, m.c.role == role.value)
        )
        return int(value or 0)

    async def page(
        self, workspace_id: WorkspaceId, after: str | None, limit: int
    ) -> list[MemberRow]:
        query = _member_rows(workspace_id, limit)
        if after is not None:
            query = query.where(t.users.c.username > after)
        return [
            MemberRow(user_of(row), membership_of(row)) for row in await self.conn.execute(query)
        ]

    async def workspaces_of(self, user_id: UserId) -> list[WorkspaceId]:
        m = t.workspace_members
        ids = await self.conn.scalars(select(m.c.workspace_id).where(m.c.user_id == user_id))
        return [WorkspaceId(i) for i in ids]

    async def matching(
        self, workspace_id: WorkspaceId, patterns: Sequence[str], limit: int
    ) -> list[User]:
        m, u = t.workspace_members, t.users
        query = (
            select(*USER_COLUMNS)
            .join(m, and_(m.c.user_id == u.c.id, m.c.workspace_id == workspace_id))
            .where(*(u.c.search_name.like(p, escape="\\") for p in patterns))
            .order_by(u.c.username)
            .limit(limit)
        )
        return [user_of(row) for row in await self.conn.execute(query)]

    async def with_usernames(
        self, workspace_id: WorkspaceId, usernames: Sequence[str]
    ) -> dict[str, UserId]:
        if not usernames:
            return {}
        m, u = t.workspace_members, t.users
        rows = await self.conn.execute(
            select(u.c.username, u.c.id)
            .join(m, and_(m.c.user_id == u.c.id, m.c.workspace_id == workspace_id))
            .where(u.c.username.in_(list(dict.fromkeys(usernames))))
        )
        return {row.username: UserId(row.id) for row in rows}

    async def seen_by(
        self,
        workspace_id: WorkspaceId,
        viewer: Membership,
        among: Sequence[UserId] | None = None,
    ) -> list[UserId]:
        query = _seen_by(workspace_id, viewer)
        if among is not None:
            query = query.where(query.selected_columns[0].in_(list(among)))
        return [UserId(i) for i in await self.conn.scalars(query)]

    async def shown_to(
        self,
        workspace_id: WorkspaceId,
        viewer: Membership,
        limit: int,
        among: Sequence[UserId] | None = None,
    ) -> list[MemberRow]:
        m = t.workspace_members
        query = _member_rows(workspace_id, limit)
        if not viewer.role.is_full_member:
            query = query.where(m.c.user_id.in_(_seen_by(workspace_id, viewer)))
        if among is not None:
            query = query.where(m.c.user_id.in_(list(among)))
        return [
            MemberRow(user_of(row), membership_of(row)) for row in await self.conn.execute(query)
        ]


def _member_rows(workspace_id: WorkspaceId, limit: int) -> Select[Any]:
    """A workspace's first `limit` people by username, with their memberships."""
    m = t.workspace_members
    return (
        select(*USER_COLUMNS, m.c.workspace_id, m.c.user_id, m.c.role, m.c.joined_at)
        .join(m, m.c.user_id == t.users.c.id)
        .where(m.c.workspace_id == workspace_id)
        .order_by(t.users.c.username)
        .limit(limit)
    )


def _seen_by(workspace_id: WorkspaceId, viewer: Membership) -> Select[tuple[str]]:
    """The ids of the people of a workspace this member can see (see `MemberStore.seen_by`)."""
    m, mine, theirs = (
        t.workspace_members,
        t.channel_members.alias("mine"),
        t.channel_members.alias("theirs"),
    )
    if viewer.role.is_full_member:
        return select(m.c.user_id).where(m.c.workspace_id == workspace_id)
    return (
        select(theirs.c.user_id)
        .distinct()
        .join(mine, mine.c.channel_id == theirs.c.channel_id)
        .where(mine.c.user_id == viewer.user_id, mine.c.workspace_id == workspace_id)
    )


def _invitation(row: AnyRow) -> Invitation:
    return Invitation(
        id=InvitationId(row.id),
        workspace_id=WorkspaceId(row.workspace_id),
        role=Role(row.role),
        channel_ids=tuple(ChannelId(c) for c in row.channel_ids.split()),
        created_by=UserId(row.created_by),
        created_at=row.created_at,
        expires_at=row.expires_at,
        max_uses=row.max_uses,
        uses=row.uses,
        revoked=row.revoked_at is not None,
    )


class SqlInvitationStore:
    def __init__(self, conn: Executor) -> None:
        self.conn = conn

    async def add(self, invitation: Invitation, token_hash: str) -> None:
        await self.conn.execute(
            insert(t.invitations).values(
                id=invitation.id,
                workspace_id=invitation.workspace_id,
                token_hash=token_hash,
                role=invitation.role.value,
                channel_ids=" ".join(invitation.channel_ids),
                created_by=invitation.created_by,
                created_at=invitation.created_at,
                expires_at=invitation.expires_at,
                max_uses=invitation.max_uses,
                uses=invitation.uses,
            )
        )

    async def find_by_token(self, token_hash: str) -> Invitation | None:
        row = (
            await self.conn.execute(
                select(t.invitations).where(t.invitations.c.token_hash == token_hash)
            )
        ).first()
        return _invitation(row) if row else None

    async def find(self, invitation_id: InvitationId) -> Invitation | None:
        row = (
            await self.conn.execute(
                select(t.invitations).where(t.invitations.c.id == invitation_id)
            )
        ).first()
        return _invitation(row) if row else None

    async def live(
        self, workspace_id: WorkspaceId, created_by: UserId | None, now: datetime
    ) -> list[Invitation]:
        i = t.invitations
        query = (
            select(i)
            .where(
                i.c.workspace_id == workspace_id,
                i.c.revoked_at.is_(None),
                i.c.expires_at > now,
                i.c.uses < i.c.max_uses,
            )
            .order_by(i.c.id)
        )
        if created_by is not None:
            query = query.where(i.c.created_by == created_by)
        return [_invitation(row) for row in await self.conn.execute(query)]

    async def revoke(self, invitation_id: InvitationId, at: datetime) -> None:
        i = t.invitations
        await self.conn.execute(
            update(i).where(i.c.id == invitation_id, i.c.revoked_at.is_(None)).values(revoked_at=at)
        )

    async def revoke_by(self, workspace_id: WorkspaceId, created_by: UserId, at: datetime) -> None:
        i = t.invitations
        await self.conn.execute(
            update(i)
            .where(
                i.c.workspace_id == workspace_id,
                i.c.created_by == created_by,
                i.c.revoked_at.is_(None),
            )
            .values(revoked_at=at)
        )

    async def count_use(self, invitation: Invitation) -> bool:
        i = t.invitations
        result = await self.conn.execute(
            update(i)
            .where(i.c.id == invitation.id, i.c.uses < i.c.max_uses)
            .values(uses=i.c.uses + 1)
        )
        return bool(result.rowcount == 1)
