"""Access tokens: short-lived HS256 JWTs naming a user and the session they belong to."""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

import jwt
from fastapi import Depends, Request

from tertulia.domain.errors import Unauthenticated
from tertulia.domain.ids import SessionId, UserId, is_id
from tertulia.usecases.accounts import Client
from tertulia.usecases.core import Tertulia
from tertulia.web import limits

ALGORITHM = "HS256"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a user, through one session."""

    user_id: UserId
    session_id: SessionId


class AccessTokens:
    """Mints and checks access tokens. Only HS256 with our secret is accepted: `alg=none`,
    other algorithms, bad signatures, wrong issuer or audience, expired and not-yet-valid
    tokens are all refused with the same 401."""

    def __init__(
        self, secret: str, issuer: str, ttl: timedelta, leeway: int = 5, remember: int = 10_000
    ) -> None:
        if len(secret.encode()) < 32:
            raise ValueError("the JWT signing secret needs at least 32 bytes")
        self._secret = secret
        self.issuer = issuer
        self.ttl = ttl
        self._leeway = leeway
        # tokens already verified, until they expire: a client sends the same one many times
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._remember = remember

    def issue(self, principal: Principal, now: datetime | None = None) -> tuple[str, datetime]:
        issued = now or datetime.now(UTC)
        expires = issued + self.ttl
        claims = {
            "iss": self.issuer,
            "aud": self.issuer,
            "sub": principal.user_id,
            "sid": principal.session_id,
            "iat": int(issued.timestamp()),
            "nbf": int(issued.timestamp()),
            "exp": int(expires.timestamp()),
            "jti": secrets.token_urlsafe(12),
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM), expires

    def verify(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None:
            principal, expires = known
            if time.time() < expires + self._leeway:
                return principal
            del self._verified[token]
        principal, expires = self._decode(token)
        self._verified[token] = (principal, expires)
        while len(self._verified) > self._remember:
            self._verified.popitem(last=False)
        return principal

    def _decode(self, token: str) -> tuple[Principal, float]:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self.issuer,
                issuer=self.issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "nbf", "sub", "sid", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("The access token has expired.", "auth.token_expired") from None
        except jwt.PyJWTError:
            raise Unauthenticated("The access token is not valid.", "auth.token_invalid") from None
        user_id, session_id = claims.get("sub"), claims.get("sid")
        if not (isinstance(user_id, str) and is_id(user_id)):
            raise Unauthenticated("The access token is not valid.", "auth.token_invalid")
        if not (isinstance(session_id, str) and is_id(session_id)):
            raise Unauthenticated("The access token is not valid.", "auth.token_invalid")
        return Principal(UserId(user_id), SessionId(session_id)), float(claims["exp"])


BEARER_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": "An access token from `POST /api/v1/auth/login` or `/auth/refresh`.",
}


async def core(request: Request) -> Tertulia:
    """The use cases (async: FastAPI runs plain functions on a thread pool)."""
    app_core: Tertulia = request.app.state.core
    return app_core


Core = Annotated[Tertulia, Depends(core)]


async def principal(request: Request) -> Principal:
    """The caller, from `Authorization: Bearer …`; 401 if absent, invalid or revoked; 429
    past one of their rate limits for this operation (see `limits`).

    It reads the header itself rather than through FastAPI's HTTPBearer: every request pays
    for each dependency, and /docs learns of the scheme from `requires_auth` instead."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(
            "Send an access token: 'Authorization: Bearer <token>'.", "auth.missing_token"
        )
    tokens: AccessTokens = request.app.state.tokens
    caller = tokens.verify(token.strip())
    app_core: Tertulia = request.app.state.core
    await app_core.accounts.check_session(caller.user_id, caller.session_id)
    request.state.user_id = caller.user_id
    await limits.charge(request, app_core, caller.user_id)
    return caller


async def current_user(request: Request) -> UserId:
    return (await principal(request)).user_id


CurrentPrincipal = Annotated[Principal, Depends(principal)]
CurrentUser = Annotated[UserId, Depends(current_user)]
AUTHENTICATING = frozenset({principal, current_user})


def client_of(request: Request) -> Client:
    """Who is calling, as far as rate limits and session records care: their address and
    their user agent."""
    host = request.client.host if request.client else "unknown"
    return Client(ip=host, user_agent=request.headers.get("user-agent", ""))
