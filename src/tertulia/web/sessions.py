"""Browser sessions: the refresh token kept in an HttpOnly cookie that scripts cannot read, and
what guards its use from other sites.

A browser client logs in with `"session": "cookie"`. The refresh token then travels only as
the cookie `tertulia_refresh` (`HttpOnly; SameSite=Strict; Path=/api/v1/auth`, `Secure` when
the public URL is https), never in a body a script could read. Beside it the server sets
`tertulia_csrf`, readable by the page (`SameSite=Strict; Path=/`), and whoever refreshes or
logs out through the cookie must send its value as the `X-Tertulia-CSRF` header.

Why both, and an Origin check: SameSite=Strict keeps browsers from sending the cookie with a
request another *site* starts, but a sibling subdomain is the same site. A custom header
cannot be sent across origins without a CORS preflight, which we never grant for it; and the
expected value is an HMAC of the refresh token itself (a signed double-submit), so a cookie
planted by a sibling subdomain ("cookie tossing") cannot be paired with a header of the
attacker's choosing. A request whose `Origin` is not ours is refused before anything else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Cookie, Header, Request
from starlette.responses import Response

from tertulia.domain.errors import Forbidden

REFRESH_COOKIE = "tertulia_refresh"
CSRF_COOKIE = "tertulia_csrf"
CSRF_HEADER = "X-Tertulia-CSRF"
REFRESH_PATH = "/api/v1/auth"

RefreshCookie = Annotated[
    str | None,
    Cookie(
        alias=REFRESH_COOKIE,
        max_length=128,
        description="The refresh token of a browser session (set by a login with"
        ' `"session": "cookie"`, sent by the browser, never readable by scripts).',
    ),
]
CsrfHeader = Annotated[
    str | None,
    Header(
        alias=CSRF_HEADER,
        max_length=128,
        description="With the refresh cookie: the value of the `tertulia_csrf` cookie.",
    ),
]

SET_COOKIE = {
    "Set-Cookie": {
        "description": "With the cookie session: `tertulia_refresh` (HttpOnly, SameSite=Strict,"
        " Path=/api/v1/auth, Secure over https) and `tertulia_csrf` (readable, Path=/);"
        " both expired again at logout or when the session they hold has ended.",
        "schema": {"type": "string"},
    }
}


def with_cookies(
    responses: dict[int | str, dict[str, Any]], *statuses: int
) -> dict[int | str, Any]:
    """The responses, with `Set-Cookie` documented on these statuses."""
    for status in statuses:
        answer = responses.setdefault(status, {})
        answer["headers"] = {**answer.get("headers", {}), **SET_COOKIE}
    return responses


@dataclass(frozen=True, slots=True)
class BrowserSessions:
    """Sets, clears and checks the cookies of browser sessions."""

    key: bytes  # for the CSRF values: derived from the signing secret, never the secret itself
    secure: bool  # the public URL is https
    origin: str  # the public URL's origin

    @classmethod
    def of(cls, secret: str, public_url: str) -> BrowserSessions:
        parts = urlsplit(public_url)
        key = hmac.new(secret.encode(), b"tertulia browser session csrf", hashlib.sha256).digest()
        return cls(key, parts.scheme == "https", f"{parts.scheme}://{parts.netloc}")

    def csrf_of(self, refresh_token: str) -> str:
        """The CSRF value that goes with a refresh token."""
        mac = hmac.new(self.key, refresh_token.encode(), hashlib.sha256).digest()[:24]
        return base64.urlsafe_b64encode(mac).decode()

    def keep(self, response: Response, refresh_token: str, expires_at: datetime) -> str:
        """Put the session in the response's cookies; returns its CSRF value."""
        csrf = self.csrf_of(refresh_token)
        for name, value, path, http_only in (
            (REFRESH_COOKIE, refresh_token, REFRESH_PATH, True),
            (CSRF_COOKIE, csrf, "/", False),
        ):
            response.set_cookie(
                name,
                value,
                expires=expires_at,
                path=path,
                secure=self.secure,
                httponly=http_only,
                samesite="strict",
            )
        return csrf

    def clear(self, response: Response) -> None:
        """Expire both cookies in the browser."""
        for name, path, http_only in (
            (REFRESH_COOKIE, REFRESH_PATH, True),
            (CSRF_COOKIE, "/", False),
        ):
            response.delete_cookie(
                name, path=path, secure=self.secure, httponly=http_only, samesite="strict"
            )

    def check_origin(self, request: Request) -> None:
        """Refuse (403 `auth.origin_denied`) a request a page of another origin sent: its
        `Origin` must be our public URL's or the one the request was addressed to (the
        `Host` it carries). Without `Origin` (not a browser) there is nothing to check."""
        origin = request.headers.get("origin")
        if origin is None:
            return
        scheme, _, host = origin.partition("://")
        addressed = scheme in ("http", "https") and host == request.headers.get("host")
        if origin != self.origin and not addressed:
            raise Forbidden("This request comes from a page of another site.", "auth.origin_denied")

    def check_csrf(self, sent: str | None, refresh_token: str) -> None:
        """Refuse (403 `auth.csrf_failed`) the use of a refresh cookie without the CSRF
        header that goes with it."""
        if sent is None or not hmac.compare_digest(
            sent.encode(), self.csrf_of(refresh_token).encode()
        ):
            raise Forbidden(
                f"Send the value of the {CSRF_COOKIE} cookie as the {CSRF_HEADER} header.",
                "auth.csrf_failed",
            )
