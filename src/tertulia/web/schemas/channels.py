"""Channels: public and private channels, direct messages, their members."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, StrictBool

from tertulia.domain import channels, text
from tertulia.domain.channels import ChannelKind
from tertulia.usecases.ports.channels import ChannelRow
from tertulia.web.schemas.common import In, Out
from tertulia.web.schemas.params import (
    EXAMPLE_CH,
    EXAMPLE_TIME,
    EXAMPLE_USER,
    EXAMPLE_USER_2,
    EXAMPLE_WS,
    IdStr,
)


class ChannelIn(In):
    name: str = Field(
        max_length=text.CHANNEL_NAME_MAX,
        description="Lowercase letters of any script, digits, '-' and '_',"
        f" at most {text.CHANNEL_NAME_MAX}.",
        examples=["diseño-web"],
    )
    kind: Literal["public", "private"] = Field(
        "public",
        description="Public channels can be browsed and joined by every member;"
        " private ones only by invitation.",
        examples=["public"],
    )
    topic: str = Field(
        "",
        max_length=channels.TOPIC_MAX,
        description="What is being talked about now.",
        examples=["Lanzamiento del viernes"],
    )
    purpose: str = Field(
        "",
        max_length=channels.PURPOSE_MAX,
        description="What the channel is for.",
        examples=["Design of the public site."],
    )


class ChannelPatch(In):
    name: str | None = Field(
        None,
        max_length=text.CHANNEL_NAME_MAX,
        description="New name (creator or admins).",
        examples=["web"],
    )
    topic: str | None = Field(
        None,
        max_length=channels.TOPIC_MAX,
        description="New topic (members); empty to clear.",
        examples=["Release on Friday"],
    )
    purpose: str | None = Field(
        None,
        max_length=channels.PURPOSE_MAX,
        description="New purpose (members); empty to clear.",
        examples=["The public site."],
    )
    archived: StrictBool | None = Field(
        None,
        description="Archive (true) or unarchive (false); creator or admins.",
        examples=[True],
    )


class DmIn(In):
    user_ids: list[IdStr] = Field(
        min_length=1,
        max_length=channels.DM_MAX_PEOPLE - 1,
        description="The other people (1 for a 1:1 DM, up to 8 for a group DM);"
        " your own id alone gives a DM with yourself.",
        examples=[[EXAMPLE_USER_2]],
    )


class MemberIn(In):
    user_id: IdStr = Field(description="Who to add; your own id joins a public channel.")


class ChannelOut(Out):
    id: str = Field(description="Channel id.", examples=[EXAMPLE_CH])
    workspace_id: str = Field(description="Its workspace.", examples=[EXAMPLE_WS])
    kind: ChannelKind = Field(
        description="public, private, dm (1:1) or group_dm.", examples=["public"]
    )
    name: str = Field(description="Channel name; empty for direct messages.", examples=["general"])
    topic: str = Field(
        description="What is talked about now.", examples=["Lanzamiento del viernes"]
    )
    purpose: str = Field(
        description="What the channel is for.",
        examples=["Announcements and conversation for the whole team."],
    )
    created_by: str = Field(description="Who created it.", examples=[EXAMPLE_USER])
    created_at: datetime = Field(description="When it was created.", examples=[EXAMPLE_TIME])
    archived_at: datetime | None = Field(
        description="When it was archived; archived channels are read-only.", examples=[None]
    )
    is_default: bool = Field(
        description="The workspace's #general: everyone but guests joins it.", examples=[False]
    )
    is_member: bool = Field(description="Whether you belong to it.", examples=[True])
    member_count: int = Field(description="How many people belong to it.", examples=[12])
    user_ids: list[str] = Field(
        description="The people of a direct message; empty for channels.",
        examples=[[EXAMPLE_USER, EXAMPLE_USER_2]],
    )

    @classmethod
    def of(cls, row: ChannelRow) -> ChannelOut:
        c = row.channel
        return cls(
            id=c.id,
            workspace_id=c.workspace_id,
            kind=c.kind,
            name=c.name,
            topic=c.topic,
            purpose=c.purpose,
            created_by=c.created_by,
            created_at=c.created_at,
            archived_at=c.archived_at,
            is_default=c.is_default,
            is_member=row.is_member,
            member_count=row.member_count,
            user_ids=list(row.dm_user_ids),
        )
