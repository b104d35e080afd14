"""Accounts: register, log in, refresh, log out; your profile and other people's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request

from tertulia.domain.ids import ID_PATTERN, UserId
from tertulia.domain.users import ProfileChange
from tertulia.usecases.accounts import Client, Grant, Registration
from tertulia.usecases.ports import RateLimit
from tertulia.web.auth import AccessTokens, Core, CurrentPrincipal, CurrentUser, Principal
from tertulia.web.limits import headers_of
from tertulia.web.problems import problems
from tertulia.web.schemas import (
    LoginIn,
    LogoutIn,
    MeOut,
    ProfileIn,
    RefreshIn,
    RegisterIn,
    TokensOut,
    UserOut,
)

router = APIRouter(prefix="/api/v1")
UserPath = Annotated[str, Path(pattern=ID_PATTERN, description="A user id.")]


def client_of(request: Request) -> Client:
    host = request.client.host if request.client else "unknown"
    return Client(ip=host, user_agent=request.headers.get("user-agent", ""))


def _rate_limit_headers(request: Request, state: RateLimit) -> None:
    """Tell the client where it stands (IETF RateLimit headers), on success and error alike."""
    request.state.rate_limit_headers = headers_of(state)


def _tokens(request: Request, grant: Grant) -> TokensOut:
    tokens: AccessTokens = request.app.state.tokens
    now = datetime.now(UTC)
    access, expires_at = tokens.issue(Principal(grant.user.id, grant.session_id), now)
    return TokensOut(
        access_token=access,
        expires_in=int((expires_at - now).total_seconds()),
        expires_at=expires_at,
        refresh_token=grant.refresh_token,
        refresh_expires_at=grant.refresh_expires_at,
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
    responses=problems("auth.invalid_credentials", "auth.rate_limited"),
)
async def login(body: LoginIn, request: Request, core: Core) -> TokensOut:
    """Trade a username (or email) and password for an access token (15 minutes) and a
    refresh token. Attempts are limited per client address (the `RateLimit-*` headers say
    what remains) and per account: 10 guesses from one address, 100 from anywhere, in 15
    minutes; a right password clears the first count. A 429 carries `Retry-After`."""
    client = client_of(request)
    state = await core.accounts.throttle("login", client.ip)
    _rate_limit_headers(request, state)
    return _tokens(request, await core.accounts.login(body.login, body.password, client))


@router.post(
    "/auth/refresh",
    tags=["accounts"],
    summary="Refresh tokens",
    responses=problems(
        "auth.refresh_invalid", "auth.refresh_reused", "auth.session_ended", "auth.rate_limited"
    ),
)
async def refresh(body: RefreshIn, request: Request, core: Core) -> TokensOut:
    """Trade a refresh token for a new access token and a new refresh token. Each refresh
    token works once: presenting a used one again revokes the whole session (it was stolen,
    or replayed), and every device of that session must log in again."""
    state = await core.accounts.throttle("refresh", client_of(request).ip)
    _rate_limit_headers(request, state)
    return _tokens(request, await core.accounts.refresh(body.refresh_token))


@router.post(
    "/auth/logout",
    status_code=204,
    tags=["accounts"],
    summary="Log out",
    responses=problems(),
)
async def logout(caller: CurrentPrincipal, core: Core, body: LogoutIn | None = None) -> None:
    """End this session (or, with `everywhere`, every session of the account): its access
    and refresh tokens stop working at once."""
    everywhere = body.everywhere if body else False
    await core.accounts.logout(caller.user_id, caller.session_id, everywhere)


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
