"""Search: messages by words and operators; the quick switcher."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from tertulia.domain.files import FileKind
from tertulia.domain.ids import WorkspaceId
from tertulia.usecases.searchquery import EARLIEST, LATEST, MAX_LENGTH
from tertulia.web.auth import Core, CurrentUser
from tertulia.web.problems import SEARCH_QUERY, problems
from tertulia.web.schemas.common import PageOut, UserOut
from tertulia.web.schemas.files import FileOut
from tertulia.web.schemas.messages import MessageOut
from tertulia.web.schemas.params import Limit, WorkspacePath
from tertulia.web.schemas.search import (
    FileHitOut,
    SearchChannelOut,
    SearchHitOut,
    SearchOut,
    SuggestedChannelOut,
    SuggestionsOut,
)

router = APIRouter(prefix="/api/v1", tags=["search"])

# The limit is the search language's, checked by its parser whatever the length, so that every
# query over it gets the same 400 `search.too_long`; the document states it all the same
_AT_MOST: dict[str, object] = {"maxLength": MAX_LENGTH}

SEARCH_HELP = f"""What to find (at most {MAX_LENGTH} characters). Words match their Spanish and
English inflections, without regard to accents, case or how the text was typed (composed or
decomposed accents). `"a phrase"` finds its words' forms in that order; `-word` or `-"phrase"`
excludes; `migra*` matches by prefix, also inside URLs and identifiers. Operators:
`from:@user`, `in:#channel` (names without regard to accents or case), `mentions:@user`,
`has:link`, `has:file`, `has:reaction`, `is:thread`, `is:pinned`, `before:YYYY-MM-DD`,
`after:YYYY-MM-DD`, `on:YYYY-MM-DD` (days in your time zone, from {EARLIEST} to {LATEST});
`-from:`, `-in:`, `-mentions:`, `-has:` and `-is:` exclude; operators alone work too; an
operator we do not support (`to:`, `during:`…) is a 400 naming it. Identifiers are found as
written: `PLT-3699`, `snake_case`, `10.0.0.1`, `example.com` (and its subdomains),
`informe.pdf`."""


@router.get(
    "/workspaces/{workspace_id}/search",
    summary="Search messages",
    responses=problems(
        *SEARCH_QUERY, "workspace.not_found", "cursor.invalid", "limit.out_of_range"
    ),
)
async def search(
    workspace_id: WorkspacePath,
    user: CurrentUser,
    core: Core,
    q: Annotated[str, Query(description=SEARCH_HELP, json_schema_extra=_AT_MOST)],
    sort: Annotated[
        Literal["relevance", "recent"],
        Query(description="`relevance` (ties: newest first) or `recent` (newest first)."),
    ] = "relevance",
    cursor: Annotated[
        str | None, Query(max_length=512, description="`next_cursor` of the previous page.")
    ] = None,
    limit: Limit = 20,
) -> SearchOut:
    """Messages of the workspace that you may read (your channels and DMs, and public
    channels unless you are a guest), never deleted ones, always as last edited. A query
    that cannot be read gets a 400 saying how to fix it."""
    results = await core.search(user, WorkspaceId(workspace_id), q, sort, cursor, limit)
    return SearchOut(
        items=[
            SearchHitOut(
                message=MessageOut.of(found.view),
                channel=SearchChannelOut(
                    id=found.channel.id, kind=found.channel.kind, name=found.channel.name or ""
                ),
                snippet=found.snippet,
                score=round(found.score, 4),
            )
            for found in results.items
        ],
        total=results.total,
        total_is_exact=results.total_is_exact,
        next_cursor=results.next_cursor,
    )


FILE_SEARCH_HELP = """Words of the file's name: each must start a word of the name, without
regard to accents or case (`infor` finds `Informe_Q3.pdf`, `pdf` finds every name ending in
`.pdf`, `"informe q3"` wants those words together). `-word` leaves names out. Operators:
`from:@user` (who uploaded it), `in:#channel` (where it was shared), `before:YYYY-MM-DD`,
`after:YYYY-MM-DD`, `on:YYYY-MM-DD` (when it was uploaded, days in your time zone);
`-from:` and `-in:` leave files out. Empty: every file you may open."""


@router.get(
    "/workspaces/{workspace_id}/search/files",
    summary="Search files by name and kind",
    responses=problems(
        *SEARCH_QUERY,
        "search.operator_not_for_files",
        "workspace.not_found",
        "cursor.invalid",
        "limit.out_of_range",
    ),
)
async def search_files(
    workspace_id: WorkspacePath,
    user: CurrentUser,
    core: Core,
    q: Annotated[str, Query(description=FILE_SEARCH_HELP, json_schema_extra=_AT_MOST)] = "",
    kind: Annotated[
        list[FileKind] | None,
        Query(max_length=len(FileKind), description="Only files of these kinds (repeatable)."),
    ] = None,
    cursor: Annotated[
        str | None, Query(max_length=512, description="`next_cursor` of the previous page.")
    ] = None,
    limit: Limit = 20,
) -> PageOut[FileHitOut]:
    """Files of the workspace you may open (your own uploads, and files shared in channels
    and DMs you may read), never deleted ones, newest first."""
    kinds = tuple(dict.fromkeys(k.value for k in kind or ()))
    found = await core.search.files(user, WorkspaceId(workspace_id), q, kinds, cursor, limit)
    return PageOut[FileHitOut](
        items=[
            FileHitOut(
                file=FileOut.of(hit.file),
                channel=None
                if hit.channel is None
                else SearchChannelOut(
                    id=hit.channel.id, kind=hit.channel.kind, name=hit.channel.name or ""
                ),
            )
            for hit in found.items
        ],
        next_cursor=found.next_cursor,
    )


@router.get(
    "/workspaces/{workspace_id}/autocomplete",
    summary="Quick switcher: people and channels by prefix",
    responses=problems(
        "workspace.not_found",
        "autocomplete.too_long",
        "autocomplete.control_character",
        "limit.out_of_range",
    ),
)
async def autocomplete(
    workspace_id: WorkspacePath,
    user: CurrentUser,
    core: Core,
    q: Annotated[
        str,
        Query(
            max_length=100,
            description=(
                "What was typed: every word must start a word of the name, without regard to"
                ' accents or case ("mar lo" finds María López, "dise" finds #diseño-web).'
            ),
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=50, description="At most this many of each.")] = 10,
) -> SuggestionsOut:
    """People of the workspace and channels you may open whose names start with what you
    typed; nothing when only punctuation was typed."""
    found = await core.search.suggest(user, WorkspaceId(workspace_id), q, limit)
    return SuggestionsOut(
        users=[UserOut.of(u) for u in found.users],
        channels=[
            SuggestedChannelOut(
                id=c.id,
                kind=c.kind,
                name=c.name or "",
                is_member=is_member,
                archived=c.is_archived,
            )
            for c, is_member in found.channels
        ],
    )
