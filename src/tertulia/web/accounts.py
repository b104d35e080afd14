"""Accounts: register, log in, refresh, log out; your profile and other people's."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from starlette.responses import Response

from tertulia.domain.errors import Unauthenticated
from tertulia.domain.ids import UserId
from tertulia.domain.users import ProfileChange
from tertulia.usecases.accounts import Grant, Registration
from tertulia.usecases.ports.limits import RateLimit
from tertulia.web.auth import (
    AccessTokens,
    Core,
    CurrentPrincipal,
    CurrentUser,
    Principal,
    client_of,
    principal,
)
from tertulia.web.errors import on_domain_error
from tertulia.web.limits import headers_of
from tertulia.web.problems import AUTH, LIMITED, problems
from tertulia.web.schemas.accounts import (
    LoginIn,
    LogoutIn,
    MeOut,
    ProfileIn,
    RefreshIn,
    RegisterIn,
    TokensOut,
)
from tertulia.web.schemas.common import UserOut
from tertulia.web.schemas.params import UserPath
from tertulia.web.sessions import BrowserSessions, CsrfHeader, RefreshCookie, with_cookies

router = APIRouter(prefix="/api/v1")


def _rate_limit_headers(request: Request, state: RateLimit) -> None:
    """Tell the client where it stands (IETF RateLimit headers), on success and error alike."""
    request.state.rate_limit_headers = headers_of(state)


def _browser(request: Request) -> BrowserSessions:
    sessions: BrowserSessions = request.app.state.browser_sessions
    return sessions


def _tokens(request: Request, grant: Grant, cookies: Response | None = None) -> TokensOut:
    """The answer of a login or refresh; with `cookies`, the refresh token goes into that
    response's cookies instead of the body."""
    tokens: AccessTokens = request.app.state.tokens
    now = datetime.now(UTC)
    access, expires_at = tokens.issue(Principal(grant.user.id, grant.session_id), now)
    csrf = None
    if cookies is not None:
        csrf = _browser(request).keep(cookies, grant.refresh_token, grant.refresh_expires_at)
    return TokensOut(
        access_token=access,
        expires_in=int((expires_at - now).total_seconds()),
        expires_at=expires_at,
        refresh_token=None if cookies is not None else grant.refresh_token,
        refresh_expires_at=grant.refresh_expires_at,
        csrf_token=csrf,
        session_id=grant.session_id,
        user=MeOut.of(grant.user),
    )


@router.post(
    "/auth/register",
    status_code=201,
    tags=["accounts"],
    summary="Create an account",
    responses=problems(
        "username.invalid",
        "username.reserved",
        "email.invalid",
        "password.too_short",
        "password.too_long",
        "password.repetitive",
        "password.personal",
        "password.common",
        "text.bad_character",
        "text.empty",
        "text.invisible",
        "text.too_long",
        "user.username_taken",
        "user.email_taken",
        "user.taken",
        "auth.rate_limited",
    ),
)
async def register(body: RegisterIn, request: Request, core: Core) -> MeOut:
    """Create an account. The password is checked against a policy (at least 10 characters,
    not containing the username, not a common password) and stored as an Argon2id hash.
    Limited per client address."""
    state = await core.accounts.throttle("register", client_of(request).ip)
    _rate_limit_headers(request, state)
    user = await core.accounts.register(
        Registration(body.username, str(body.email), body.password, body.display_name)
    )
    return MeOut.of(user)


@router.post(
    "/auth/login",
    tags=["accounts"],
    summary="Log in",
    responses=with_cookies(
        problems("auth.invalid_credentials", "auth.rate_limited", "auth.origin_denied"), 200
    ),
)
async def login(body: LoginIn, request: Request, response: Response, core: Core) -> TokensOut:
    """Trade a username (or email) and password for an access token (15 minutes) and a
    refresh token. Attempts are limited per client address (the `RateLimit-*` headers say
    what remains) and per account: 10 guesses from one address, 100 from anywhere, in 15
    minutes; a right password clears the first count. A 429 carries `Retry-After`.

    Browsers send `"session": "cookie"`: the refresh token is then set in an HttpOnly
    cookie and left out of the answer (`refresh_token` is null, `csrf_token` says what to
    send as `X-Tertulia-CSRF`); such a login from a page of another origin is refused with
    403 `auth.origin_denied`."""
    client = client_of(request)
    state = await core.accounts.throttle("login", client.ip)
    _rate_limit_headers(request, state)
    if body.session == "cookie":
        _browser(request).check_origin(request)
    grant = await core.accounts.login(body.login, body.password, client)
    return _tokens(request, grant, response if body.session == "cookie" else None)


@router.post(
    "/auth/refresh",
    tags=["accounts"],
    summary="Refresh tokens",
    response_model=TokensOut,
    responses=with_cookies(
        problems(
            "auth.refresh_invalid",
            "auth.refresh_reused",
            "auth.refresh_missing",
            "auth.session_ended",
            "auth.csrf_failed",
            "auth.origin_denied",
            "auth.rate_limited",
        ),
        200,
        401,
    ),
)
async def refresh(
    request: Request,
    response: Response,
    core: Core,
    refresh_cookie: RefreshCookie = None,
    csrf: CsrfHeader = None,
    body: RefreshIn | None = None,
) -> TokensOut | Response:
    """Trade a refresh token for a new access token and a new refresh token. Each refresh
    token works once: presenting a used one again revokes the whole session (it was stolen,
    or replayed), and every device of that session must log in again.

    The token comes in the body, or, from a browser whose login chose `"session":
    "cookie"`, in the `tertulia_refresh` cookie with the `X-Tertulia-CSRF` header (403
    `auth.csrf_failed` without the right one, `auth.origin_denied` from a page of another
    origin). Through the cookie the new token goes into the cookie again; when the session
    has ended (401), the answer expires the cookies."""
    state = await core.accounts.throttle("refresh", client_of(request).ip)
    _rate_limit_headers(request, state)
    sessions = _browser(request)
    given = body.refresh_token if body else None
    if given is None:
        if refresh_cookie is None:
            raise Unauthenticated(
                "Send the refresh token: in the body, or as the cookie a browser login set.",
                "auth.refresh_missing",
            )
        sessions.check_origin(request)
        sessions.check_csrf(csrf, refresh_cookie)
        try:
            grant = await core.accounts.refresh(refresh_cookie)
        except Unauthenticated as ended:
            refused = await on_domain_error(request, ended)
            sessions.clear(refused)
            return refused
        return _tokens(request, grant, response)
    to_cookie = body is not None and body.session == "cookie"
    if to_cookie:
        sessions.check_origin(request)
    return _tokens(request, await core.accounts.refresh(given), response if to_cookie else None)


@router.post(
    "/auth/logout",
    status_code=204,
    tags=["accounts"],
    summary="Log out",
    responses=with_cookies(
        problems(*AUTH, "auth.csrf_failed", "auth.origin_denied", *LIMITED, "auth.rate_limited"),
        204,
    ),
    openapi_extra={"security": [{"bearer": []}, {}]},
)
async def logout(
    request: Request,
    response: Response,
    core: Core,
    refresh_cookie: RefreshCookie = None,
    csrf: CsrfHeader = None,
    body: LogoutIn | None = None,
) -> None:
    """End this session (or, with `everywhere`, every session of the account): its access
    and refresh tokens stop working at once.

    Send the access token, or, from a browser with the cookie session, the
    `X-Tertulia-CSRF` header: the refresh cookie then names the session, even once the
    access token has expired (403 `auth.csrf_failed` for a wrong header, or for the cookie
    alone). The answer expires the session's cookies."""
    everywhere = body.everywhere if body else False
    sessions = _browser(request)
    bearer = "authorization" in request.headers
    # the cookie counts when its header comes, or when nothing else names a session
    cookie = refresh_cookie if csrf is not None or not bearer else None
    if cookie is not None:
        _rate_limit_headers(request, await core.accounts.throttle("refresh", client_of(request).ip))
        sessions.check_origin(request)
        sessions.check_csrf(csrf, cookie)
        await core.accounts.logout_by_refresh(cookie, everywhere)
    if bearer or cookie is None:
        try:
            caller = await principal(request)
        except Unauthenticated:
            if cookie is None:
                raise
        else:
            await core.accounts.logout(caller.user_id, caller.session_id, everywhere)
    sessions.clear(response)


@router.get("/users/me", tags=["accounts"], summary="Your profile", responses=problems())
async def me(user: CurrentUser, core: Core) -> MeOut:
    """Your account, email included."""
    return MeOut.of(await core.accounts.me(user))


@router.patch(
    "/users/me",
    tags=["accounts"],
    summary="Edit your profile",
    responses=problems(
        "text.bad_character",
        "text.empty",
        "text.invisible",
        "text.too_long",
        "email.invalid",
        "timezone.unknown",
        "password.too_short",
        "password.too_long",
        "password.repetitive",
        "password.personal",
        "password.common",
        "auth.current_password_required",
        "auth.current_password_wrong",
        "user.email_taken",
    ),
)
async def edit_me(body: ProfileIn, request: Request, caller: CurrentPrincipal, core: Core) -> MeOut:
    """Change display name, title, time zone; changing email or password needs
    `current_password`, and a new password ends every other session."""
    user = await core.accounts.update_profile(
        caller.user_id,
        caller.session_id,
        ProfileChange(
            display_name=body.display_name,
            title=body.title,
            timezone=body.timezone,
            email=str(body.email) if body.email is not None else None,
        ),
        new_password=body.password,
        current_password=body.current_password,
        client=client_of(request),
    )
    return MeOut.of(user)


@router.get(
    "/users/{user_id}",
    tags=["accounts"],
    summary="Someone's profile",
    responses=problems("user.not_found"),
)
async def user(user_id: UserPath, viewer: CurrentUser, core: Core) -> UserOut:
    """A person you share a workspace with (for guests: a channel). Anyone else is 404."""
    return UserOut.of(await core.accounts.user(viewer, UserId(user_id)))
