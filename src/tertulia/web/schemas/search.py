"""Search: messages and files found, and the people and channels suggested while typing."""

from __future__ import annotations

from pydantic import Field

from tertulia.domain.channels import ChannelKind
from tertulia.web.schemas.common import Out, UserOut
from tertulia.web.schemas.files import FileOut
from tertulia.web.schemas.messages import MessageOut
from tertulia.web.schemas.params import EXAMPLE_CH


class SearchChannelOut(Out):
    id: str = Field(description="Channel id.", examples=[EXAMPLE_CH])
    kind: ChannelKind = Field(description="public, private, dm or group_dm.", examples=["public"])
    name: str = Field(description="Channel name; empty for direct messages.", examples=["general"])


class FileHitOut(Out):
    file: FileOut = Field(description="The file.")
    channel: SearchChannelOut | None = Field(
        description="Where it was shared; null for your own upload not shared yet.",
        examples=[{"id": EXAMPLE_CH, "kind": "public", "name": "general"}],
    )


class SearchHitOut(Out):
    message: MessageOut = Field(description="The message as it is now (edits included).")
    channel: SearchChannelOut = Field(description="Where it was said.")
    snippet: str = Field(
        description=(
            "Safe HTML: the message's text around the first match, every matching word in"
            " `<mark>`, everything else escaped; `…` where text was left out."
        ),
        examples=["…la <mark>canción</mark> nueva está en <mark>PLT-3699</mark>…"],
    )
    score: float = Field(
        description="Relevance (higher is better); 0 when sorted by recency.", examples=[4.2]
    )


class SearchOut(Out):
    items: list[SearchHitOut] = Field(description="Best first (or newest first: sort=recent).")
    total: int = Field(description="How many messages match.", examples=[37])
    total_is_exact: bool = Field(
        description=(
            "False when `total` is an estimate: a search ranks the newest 1,000 matches and"
            " estimates the rest from how far back in time they reach."
        ),
        examples=[True],
    )
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last one.", examples=[None]
    )


class SuggestedChannelOut(Out):
    id: str = Field(description="Channel id.", examples=[EXAMPLE_CH])
    kind: ChannelKind = Field(description="public or private.", examples=["public"])
    name: str = Field(description="Channel name.", examples=["diseño-web"])
    is_member: bool = Field(description="Whether you belong to it.", examples=[True])
    archived: bool = Field(description="Archived channels come last.", examples=[False])


class SuggestionsOut(Out):
    users: list[UserOut] = Field(description="People of the workspace, by username.")
    channels: list[SuggestedChannelOut] = Field(
        description="Channels you may open (yours; public ones unless you are a guest)."
    )
