"""Every problem the API answers: the catalogue of codes (their status and meaning), what each
operation declares it can answer, and the OpenAPI responses made from both.

An operation declares the codes of its own rules (`problems("channel.not_found", …)`); the ones
every operation of a kind can answer are added from what the route is (`document`): a token it
needs (401), a body it reads (400, 413, 415), parameters it checks (422), a rate limit it counts
against (429). `/openapi.json` then lists, for each operation, every status and, for each, every
code, in the description and as the `code` property's enum, so a client (or a fuzzer) can check
each answer against it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, Field

PROBLEM = "application/problem+json"

# code → (its usual status, what it means)
CATALOGUE: Mapping[str, tuple[int, str]] = {
    # requests as such
    "request.malformed_json": (400, "The body is not valid (UTF-8) JSON."),
    "request.too_large": (413, "The body is over the size limit."),
    "request.unreadable": (400, "Not an HTTP/1.1 request the server can read."),
    "request.content_type": (415, "The body is not sent as `application/json`."),
    "http.not_found": (404, "Nothing here: an unknown path, or /metrics for whom it is not."),
    "validation.invalid": (422, "A parameter or field is not valid; `errors` names each."),
    "limit.out_of_range": (422, "`limit` is outside the range allowed."),
    "cursor.invalid": (422, "The cursor is not one this list gave."),
    "cursor.conflict": (422, "At most one of `before`, `after` and `around` may be given."),
    "rate_limited": (429, "Too many of these lately; `retry_after` says how long to wait."),
    # accounts
    "auth.missing_token": (401, "No `Authorization: Bearer` token was sent."),
    "auth.token_invalid": (401, "The access token is not valid."),
    "auth.token_expired": (401, "The access token has expired: refresh it."),
    "auth.session_ended": (401, "The session was logged out or expired: log in again."),
    "auth.invalid_credentials": (401, "Wrong login or password."),
    "auth.refresh_invalid": (401, "The refresh token is not valid or has expired."),
    "auth.refresh_reused": (401, "The refresh token was used before: the session is revoked."),
    "auth.refresh_missing": (401, "No refresh token: none in the body, no session cookie."),
    "auth.csrf_failed": (403, "The session cookie came without its `X-Tertulia-CSRF` header."),
    "auth.origin_denied": (403, "A browser session's request from a page of another origin."),
    "auth.rate_limited": (429, "Too many attempts from this address or at this account."),
    "auth.current_password_required": (422, "Changing the password needs the current one."),
    "auth.current_password_wrong": (403, "The current password is wrong."),
    "username.invalid": (422, "Not a valid username."),
    "username.reserved": (422, "That username is reserved."),
    "email.invalid": (422, "Not a valid email address."),
    "password.too_short": (422, "The password is too short."),
    "password.too_long": (422, "The password is too long."),
    "password.repetitive": (422, "The password has too few different characters."),
    "password.personal": (422, "The password holds the username or email."),
    "password.common": (422, "The password is among the most common ones."),
    "timezone.unknown": (422, "Not an IANA time zone name."),
    "text.empty": (422, "A field that needs text is empty."),
    "text.too_long": (422, "A text field is over its length limit."),
    "text.bad_character": (422, "A text field holds a control or unassigned character."),
    "text.invisible": (422, "A text field holds only invisible characters."),
    "user.not_found": (404, "No such user, or not one you may see."),
    "user.username_taken": (409, "That username is taken."),
    "user.email_taken": (409, "That email address is taken."),
    "user.taken": (409, "That username or email address is taken."),
    # workspaces
    "workspace.not_found": (404, "No such workspace, or not one of yours."),
    "workspace.slug_taken": (409, "That workspace address is taken."),
    "workspace.slug_invalid": (422, "Not a valid workspace address."),
    "workspace.admin_only": (403, "Only the workspace's admins and owners may do this."),
    "workspace.owner_only": (403, "Only the workspace's owners may do this."),
    "workspace.guest_forbidden": (403, "Guests may not do this."),
    "workspace.last_owner": (409, "The last owner cannot leave or step down."),
    "member.not_found": (404, "No such member of this workspace."),
    "invitation.not_found": (404, "No such invitation."),
    "invitation.expired": (409, "The invitation has expired."),
    "invitation.revoked": (409, "The invitation was revoked."),
    "invitation.used_up": (409, "The invitation has been used as often as it allowed."),
    "invitation.retry": (409, "The invitation changed meanwhile; try again."),
    "invitation.expiry": (422, "The expiry is outside the range allowed."),
    "invitation.max_uses": (422, "`max_uses` is outside the range allowed."),
    "invitation.owner_role": (422, "Nobody can be invited as an owner."),
    "invitation.guest_without_channels": (422, "A guest invitation needs channels."),
    # channels
    "channel.not_found": (404, "No such channel, or not one you may see."),
    "channel.not_member": (403, "Only the channel's members may do this."),
    "channel.manager_only": (403, "Only the channel's creator or a workspace admin may."),
    "channel.not_yours": (403, "Not a channel or DM you may act in."),
    "channel.archived": (409, "The channel is archived."),
    "channel.default": (409, "The workspace's default channel cannot be left or archived."),
    "channel.is_direct": (409, "Direct messages have no name, topic or members to change."),
    "channel.name_taken": (409, "A channel of this workspace has that name."),
    "channel.dm_exists": (409, "That conversation exists already."),
    "channel.name_empty": (422, "A channel needs a name."),
    "channel.name_too_long": (422, "A channel name is over its length limit."),
    "channel.name_invalid": (422, "Not a valid channel name."),
    "channel.kind": (422, "Not a kind of channel that can be created here."),
    "channel.member_not_found": (404, "That person is not a member of the channel."),
    "dm.too_many": (422, "A group conversation has too many people."),
    # messages
    "message.not_found": (404, "No such message, or not one you may read."),
    "message.not_author": (403, "Only the message's author may do this."),
    "message.deleted": (409, "The message was deleted."),
    "message.stale_version": (409, "The message changed since: `current` holds it now."),
    "message.client_msg_id_reused": (409, "That client_msg_id was used for another message."),
    "message.duplicate_client_msg_id": (409, "That client_msg_id is being posted already."),
    "message.empty": (422, "A message needs text or files."),
    "message.too_long": (422, "The message is over its length limit."),
    "message.bad_character": (422, "The message holds a control or unassigned character."),
    "message.client_msg_id": (422, "Not a valid client_msg_id."),
    "message.nested_thread": (422, "A reply cannot start a thread of its own."),
    "message.too_many_files": (422, "A message carries too many files."),
    "message.duplicate_file": (422, "A file is given twice."),
    "thread.not_found": (404, "No such thread."),
    "reaction.unknown_emoji": (422, "Not an emoji this server knows."),
    "reaction.too_many": (409, "The message has as many kinds of reaction as it may."),
    # search
    "search.empty": (400, "The query is empty."),
    "search.no_words": (400, "The query has nothing to search for."),
    "search.only_exclusions": (400, "The query only excludes; say what to find too."),
    "search.too_long": (400, "The query is over its length limit."),
    "search.too_many_terms": (400, "The query has too many terms."),
    "search.control_character": (400, "The query holds a control character."),
    "search.operator_value": (400, "An operator's value cannot be read (`detail` says which)."),
    "search.operator_repeated": (400, "An operator that takes one value is given twice."),
    "search.operator_unsupported": (
        400,
        "An operator this server does not know (`detail` says what to write instead).",
    ),
    "search.operator_not_for_files": (400, "That operator does not apply to files."),
    "search.date": (400, "A date of the query cannot be read or is outside the range allowed."),
    "search.date_range": (400, "The dates of the query leave no day to search."),
    "autocomplete.too_long": (422, "What was typed is too long to look up."),
    "autocomplete.control_character": (422, "What was typed holds a control character."),
    # files and uploads
    "file.not_found": (404, "No such file, or not one you may open."),
    "file.not_uploader": (403, "Only the file's uploader (or an admin) may do this."),
    "file.already_shared": (422, "The file is shared in another message already."),
    "file.empty": (422, "The file is empty."),
    "file.infected": (422, "The virus scanner found something in the file."),
    "file.type_denied": (415, "A type of file this server refuses."),
    "file.type_not_allowed": (415, "A type of file this server does not accept."),
    "file.image_unsupported": (415, "An image format whose metadata this server cannot remove."),
    "file.unreadable": (409, "The file broke before its metadata could be removed."),
    "file.too_large": (413, "The file is over the size limit."),
    "file.too_large_to_scan": (413, "The file is over what the virus scanner can check."),
    "file.quota_user": (409, "Your files in this workspace would be over your quota."),
    "file.quota_workspace": (409, "The workspace's files would be over its quota."),
    "file.scanner_unavailable": (503, "The virus scanner is down; try again later."),
    "file.processing": (409, "The image is still being processed."),
    "file.retry": (409, "The file changed meanwhile; try again."),
    "file.no_thumbnail": (404, "The file has no thumbnail of that size."),
    "file.link_invalid": (404, "The signed link is not valid or has expired."),
    "file.range": (416, "The range asked for lies outside the file."),
    "upload.not_found": (404, "No such upload."),
    "upload.expired": (404, "The upload expired: nothing came to it for too long."),
    "upload.complete": (409, "The upload is complete already."),
    "upload.offset_mismatch": (409, "Upload-Offset is not where the upload stands."),
    "upload.too_many_parts": (409, "The upload has as many parts as it may."),
    "upload.retry": (409, "The upload changed meanwhile; try again."),
    "upload.length": (400, "Upload-Length is missing, or the part is longer than what is left."),
    "upload.header": (400, "A tus header is not a number of bytes."),
    "upload.metadata": (400, "Upload-Metadata cannot be read."),
    "upload.offset": (400, "Upload-Offset is missing."),
    "upload.incomplete": (400, "The body was cut off."),
    "upload.malformed": (400, "The body is not valid multipart/form-data."),
    "upload.not_multipart": (400, "The body is not multipart/form-data."),
    "upload.no_file": (422, "The body has no part named `file`."),
    "upload.fields_too_large": (422, "The form's other fields are too large."),
    "upload.bad_content_type": (415, "A part must be sent as application/offset+octet-stream."),
    "upload.tus_version": (412, "A tus version this server does not speak."),
    # operations
    "not_ready": (503, "A dependency is down; the detail names it."),
}

_STATUS_MEANING = {
    400: "The request cannot be read.",
    401: "Who is calling is not known.",
    403: "Allowed to see it, not to do this.",
    404: "Does not exist, or you may not know it does.",
    409: "Clashes with the current state.",
    412: "A precondition of the protocol is not met.",
    413: "Over a size limit.",
    415: "A type the server does not accept.",
    416: "The range lies outside the file.",
    422: "A field or parameter is not valid.",
    429: "Too many requests; wait `Retry-After` seconds.",
    503: "A service the request needs is down; retry after `Retry-After` seconds.",
}


def _integer_header(description: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "integer", "minimum": 0}}


RETRY_AFTER = {"Retry-After": _integer_header("Seconds to wait before trying again.")}
RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": _integer_header("Requests the closest limit allows per window."),
    "RateLimit-Remaining": _integer_header("Requests left in its window."),
    "RateLimit-Reset": _integer_header("Seconds until its window ends."),
}

AUTH = ("auth.missing_token", "auth.token_invalid", "auth.token_expired", "auth.session_ended")
BODY = ("request.malformed_json", "request.too_large", "request.content_type")
PARAMS = ("validation.invalid",)
LIMITED = ("rate_limited",)

# what a query can be refused for (messages and files alike)
SEARCH_QUERY = (
    "search.empty",
    "search.no_words",
    "search.only_exclusions",
    "search.too_long",
    "search.too_many_terms",
    "search.control_character",
    "search.operator_value",
    "search.operator_repeated",
    "search.operator_unsupported",
    "search.date",
    "search.date_range",
)
# what storing an uploaded file can be refused for (in one request, or the last part of many)
STORED_FILE = (
    "file.empty",
    "file.infected",
    "file.type_denied",
    "file.type_not_allowed",
    "file.image_unsupported",
    "file.too_large",
    "file.too_large_to_scan",
    "file.quota_user",
    "file.quota_workspace",
    "file.scanner_unavailable",
)

Declared = str | tuple[int, str]  # a code at its usual status, or at another one
# an operation's `openapi_extra` key: headers that every answer of it carries, errors included
EVERY_ANSWER_HEADERS = "x-every-answer-headers"


class FieldProblem(BaseModel):
    field: str = Field(description="The field, dotted (`channel_ids[2]`).", examples=["name"])
    code: str = Field(description="Stable code of the reason.", examples=["channel.name_invalid"])
    message: str = Field(
        description="What is wrong, for humans.",
        examples=[
            "A channel name may contain letters, digits, '-' and '_', not a space;"
            " use '-' between words."
        ],
    )


class Problem(BaseModel):
    """An error (RFC 9457). `code` is stable and meant for programs; `detail` for people."""

    type: str = Field(
        description="A URI naming the kind of problem.",
        examples=["urn:tertulia:problem:channel.not_found"],
    )
    title: str = Field(description="The HTTP status phrase.", examples=["Not Found"])
    status: int = Field(description="The HTTP status.", examples=[404])
    code: str = Field(description="Stable dotted error code.", examples=["channel.not_found"])
    detail: str = Field(description="What went wrong, for people.", examples=["No such channel."])
    instance: str | None = Field(
        None,
        description="The path that failed.",
        examples=["/api/v1/channels/01JD5ZB0CHANNE10000000000A"],
    )
    request_id: str | None = Field(
        None, description="Quote it when reporting a problem.", examples=["a1b2c3d4e5f6a7b8"]
    )
    errors: list[FieldProblem] | None = Field(
        None,
        description="Per-field reasons, for validation errors.",
        examples=[[{"field": "name", "code": "text.empty", "message": "name may not be empty."}]],
    )
    retry_after: int | None = Field(
        None,
        description="Seconds to wait before trying again (with 429, as `Retry-After` says).",
        examples=[12],
    )


def status_of(code: Declared) -> tuple[int, str]:
    if isinstance(code, tuple):
        return code
    if code not in CATALOGUE:
        raise KeyError(f"problem code {code!r} is not in the catalogue")
    return CATALOGUE[code][0], code


def problems(*codes: Declared) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI `responses` of an operation's own problems (`document` completes them)."""
    by_status: dict[int, list[str]] = {}
    for declared in codes:
        status, code = status_of(declared)
        by_status.setdefault(status, []).append(code)
    return {
        status: {
            "description": _STATUS_MEANING.get(status, HTTPStatus(status).phrase),
            "content": {PROBLEM: {}},
            "x-problem-codes": found,
        }
        for status, found in by_status.items()
    }


def response(status: int, codes: Iterable[str], schema_ref: str) -> dict[str, Any]:
    """One status's response: each code it can carry, described, and as the `code` enum."""
    ordered = list(dict.fromkeys(codes))
    lines = "\n".join(
        f"- `{code}`: {CATALOGUE[code][1] if code in CATALOGUE else ''}" for code in ordered
    )
    return {
        "description": f"{_STATUS_MEANING.get(status, HTTPStatus(status).phrase)}\n\n{lines}",
        "content": {
            PROBLEM: {
                "schema": {
                    "allOf": [
                        {"$ref": schema_ref},
                        {"type": "object", "properties": {"code": {"enum": ordered}}},
                    ]
                }
            }
        },
        "x-problem-codes": ordered,
        **({"headers": {**RETRY_AFTER, **RATE_LIMIT_HEADERS}} if status == 429 else {}),
        **({"headers": {**RETRY_AFTER}} if status == 503 else {}),
    }


def problem_schemas() -> dict[str, Any]:
    """The JSON schemas of `Problem` and what it holds, for the document's components."""
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    found = schema.pop("$defs", {})
    found["Problem"] = schema
    return dict(found)


def document(spec: dict[str, Any], operations: Iterable[Operation]) -> None:
    """Complete each operation's error responses in the OpenAPI document (see the module's
    doc), and drop FastAPI's own validation error shapes, which the API never sends."""
    components = spec.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    components.update(problem_schemas())
    for op in operations:
        entry = spec["paths"][op.path][op.method.lower()]
        everywhere: dict[str, Any] = entry.pop(EVERY_ANSWER_HEADERS, {})
        responses: dict[str, Any] = entry.setdefault("responses", {})
        codes: dict[int, list[str]] = {}
        headers: dict[int, dict[str, Any]] = {}  # an error's own, as the route declared them
        for key, declared in responses.items():
            if str(key)[0] in "45":
                codes.setdefault(int(key), []).extend(declared.get("x-problem-codes", []))
                headers[int(key)] = declared.get("headers", {})
        if op.authenticated:
            codes.setdefault(401, []).extend(AUTH)
        if op.json_body:
            for code in BODY:
                codes.setdefault(CATALOGUE[code][0], []).append(code)
        if op.validated:
            codes.setdefault(422, []).extend(PARAMS)
        if op.limited:
            codes.setdefault(429, []).extend(LIMITED)
        if 429 in codes:  # where the caller stands goes on every answer
            for key, answer in responses.items():
                if str(key).startswith("2"):
                    answer.setdefault("headers", {}).update(RATE_LIMIT_HEADERS)
        for key in list(responses):
            if str(key)[0] in "45":
                del responses[key]
        for status, found_codes in sorted(codes.items()):
            responses[str(status)] = response(status, found_codes, "#/components/schemas/Problem")
            responses[str(status)].setdefault("headers", {}).update(headers.get(status, {}))
        for answer in responses.values():
            answer.setdefault("headers", {}).update(everywhere)
            if not answer["headers"]:
                del answer["headers"]


@dataclass(frozen=True, slots=True)
class Operation:
    """What `document` needs to know of an operation."""

    method: str
    path: str  # its template
    authenticated: bool  # needs a token
    json_body: bool  # reads a JSON body
    validated: bool  # has parameters or a body to check
    limited: bool  # counts against a rate limit
