"""Which requests count against which rate limits (`usecases/limits.py` holds the limits).

Every change a signed-in person makes counts as a write; some count against a limit of their
own too (posting, editing, reacting, uploading, inviting, creating channels, opening DMs), and
so do searches. The one table below decides; `principal` charges it once it knows who calls,
and the RateLimit headers go on the response (see `logs.RequestContext`).
"""

from __future__ import annotations

from starlette.requests import Request

from tertulia.domain.ids import ChannelId, UserId, is_id
from tertulia.usecases.core import Tertulia
from tertulia.usecases.limits import Action
from tertulia.usecases.ports.limits import RateLimit

A = Action
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LIMITED: dict[tuple[str, str], tuple[Action, ...]] = {
    ("POST", "/api/v1/channels/{channel_id}/messages"): (A.WRITE, A.POST, A.POST_IN_CHANNEL),
    ("PATCH", "/api/v1/messages/{message_id}"): (A.WRITE, A.EDIT),
    ("PUT", "/api/v1/messages/{message_id}/reactions/{emoji}"): (A.WRITE, A.REACT),
    ("DELETE", "/api/v1/messages/{message_id}/reactions/{emoji}"): (A.WRITE, A.REACT),
    ("POST", "/api/v1/workspaces/{workspace_id}/files"): (A.WRITE, A.UPLOAD),
    ("POST", "/api/v1/workspaces/{workspace_id}/uploads"): (A.WRITE, A.UPLOAD),
    # the parts of a resumable upload: the upload was counted when it was created
    ("PATCH", "/api/v1/uploads/{upload_id}"): (),
    ("POST", "/api/v1/workspaces/{workspace_id}/invitations"): (A.WRITE, A.INVITE),
    ("POST", "/api/v1/workspaces/{workspace_id}/channels"): (A.WRITE, A.CREATE_CHANNEL),
    ("POST", "/api/v1/workspaces/{workspace_id}/dms"): (A.WRITE, A.OPEN_DM),
    ("GET", "/api/v1/workspaces/{workspace_id}/search"): (A.SEARCH,),
    ("GET", "/api/v1/workspaces/{workspace_id}/search/files"): (A.SEARCH,),
    ("GET", "/api/v1/workspaces/{workspace_id}/autocomplete"): (A.AUTOCOMPLETE,),
}


def actions_of(method: str, path: str) -> tuple[Action, ...]:
    """What a request to this operation (its path template) counts against."""
    return LIMITED.get((method, path), (A.WRITE,) if method in WRITES else ())


async def charge(request: Request, core: Tertulia, user: UserId) -> None:
    """Count the request against the caller's limits: raise RateLimited past one, else leave
    the RateLimit headers for the response."""
    route = request.scope.get("route")
    path = getattr(route, "path_format", None)
    if path is None:
        return
    actions = actions_of(request.method, path)
    if not actions:
        return
    channel = request.path_params.get("channel_id")
    state = await core.limits.charge(
        user, actions, ChannelId(channel) if channel and is_id(channel) else None
    )
    if state is not None:
        request.state.rate_limit_headers = headers_of(state)


def headers_of(state: RateLimit) -> list[tuple[bytes, bytes]]:
    """The IETF RateLimit headers of a limit's state."""
    return [
        (b"ratelimit-limit", str(state.limit).encode()),
        (b"ratelimit-remaining", str(state.remaining).encode()),
        (b"ratelimit-reset", str(state.reset_after).encode()),
    ]
