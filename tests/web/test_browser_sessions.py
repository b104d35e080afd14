"""Browser sessions, over HTTP on both databases: the refresh token lives in an HttpOnly cookie
that scripts cannot read, used only with its CSRF header and from our own pages; it rotates
and betrays a replay as the body's token does, and logging out expires it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient, Response

from tertulia.bootstrap import create_app
from tertulia.web.sessions import BrowserSessions
from tests.conftest import JWT_SECRET, settings_for
from tests.twins import FastHasher
from tests.web.api import PASSWORD, ok, problem, signup

REFRESH = "/api/v1/auth/refresh"


async def browser_login(client: AsyncClient, username: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = ok(
        await client.post(
            "/api/v1/auth/login",
            json={"login": username, "password": PASSWORD, "session": "cookie"},
            **extra,
        )
    )
    return body


def set_cookies(response: Response) -> dict[str, str]:
    """Each cookie the response sets, by name: its whole Set-Cookie line."""
    return {line.split("=", 1)[0]: line for line in response.headers.get_list("set-cookie")}


def csrf(client: AsyncClient) -> dict[str, str]:
    return {"X-Tertulia-CSRF": client.cookies["tertulia_csrf"]}


def only_cookie(client: AsyncClient, refresh_token: str, csrf_value: str) -> dict[str, str]:
    """Headers that present this refresh cookie (and its CSRF value) and nothing else."""
    client.cookies.clear()
    return {"Cookie": f"tertulia_refresh={refresh_token}", "X-Tertulia-CSRF": csrf_value}


async def test_a_browser_login_keeps_the_refresh_token_out_of_reach_of_scripts(
    client: AsyncClient,
) -> None:
    """`"session": "cookie"` puts the refresh token in an HttpOnly, SameSite=Strict cookie for
    /api/v1/auth only and leaves it out of the body; the CSRF value is in the body and in a
    readable cookie for the whole site. Over http the cookies are not Secure."""
    await signup(client, "ana")
    client.cookies.clear()
    response = await client.post(
        "/api/v1/auth/login",
        json={"login": "ana", "password": PASSWORD, "session": "cookie"},
    )
    body = ok(response)
    assert body["refresh_token"] is None
    assert body["csrf_token"]
    cookies = set_cookies(response)
    refresh, readable = cookies["tertulia_refresh"], cookies["tertulia_csrf"]
    for attribute in ("HttpOnly", "SameSite=strict", "Path=/api/v1/auth", "expires="):
        assert attribute.lower() in refresh.lower(), refresh
    assert "secure" not in refresh.lower()
    assert readable.startswith(f"tertulia_csrf={body['csrf_token']};")
    assert "httponly" not in readable.lower()
    assert "path=/;" in readable.lower()
    assert "samesite=strict" in readable.lower()
    token = client.cookies["tertulia_refresh"]
    assert token
    assert token not in response.text
    me = await client.get(
        "/api/v1/users/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert ok(me)["username"] == "ana"


async def test_the_cookie_refreshes_with_its_csrf_header_and_rotates(client: AsyncClient) -> None:
    """With nothing in the body, the cookie and its header trade for new tokens: a new access
    token, a new refresh cookie and CSRF value, and again the token is not in the body."""
    await signup(client, "ana")
    first = await browser_login(client, "ana")
    old_token, old_csrf = client.cookies["tertulia_refresh"], first["csrf_token"]

    response = await client.post(REFRESH, json={"session": "cookie"}, headers=csrf(client))
    body = ok(response)
    assert body["refresh_token"] is None
    assert body["session_id"] == first["session_id"]
    assert client.cookies["tertulia_refresh"] != old_token
    assert body["csrf_token"] == client.cookies["tertulia_csrf"] != old_csrf
    assert client.cookies["tertulia_refresh"] not in response.text
    # no body at all works as well
    ok(await client.post(REFRESH, headers=csrf(client)))
    me = await client.get(
        "/api/v1/users/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert ok(me)["username"] == "ana"


async def test_the_cookie_without_its_csrf_header_is_refused_and_left_as_it_was(
    client: AsyncClient,
) -> None:
    """No header, an empty one, another session's value, the value of the cookie before it
    rotated, or the refresh token itself: 403 auth.csrf_failed, nothing rotated or revoked;
    the right header then works."""
    await signup(client, "ana")
    await signup(client, "bob")
    bob = await browser_login(client, "bob")
    first = await browser_login(client, "ana")
    ok(await client.post(REFRESH, headers=csrf(client)))
    token = client.cookies["tertulia_refresh"]
    for header in (
        {},
        {"X-Tertulia-CSRF": ""},
        {"X-Tertulia-CSRF": bob["csrf_token"]},
        {"X-Tertulia-CSRF": first["csrf_token"]},
        {"X-Tertulia-CSRF": token},
        {"X-Tertulia-CSRF": client.cookies["tertulia_csrf"] + "x"},
    ):
        refused = await client.post(REFRESH, json={}, headers=header)
        problem(refused, 403, "auth.csrf_failed")
        assert "set-cookie" not in refused.headers
    assert client.cookies["tertulia_refresh"] == token
    ok(await client.post(REFRESH, json={}, headers=csrf(client)))


async def test_requests_from_another_sites_pages_are_refused(client: AsyncClient) -> None:
    """A cookie login or refresh whose Origin is not ours is 403 auth.origin_denied (the
    cookie untouched); our own origin, or no Origin (not a browser), passes."""
    await signup(client, "ana")
    client.cookies.clear()
    for origin in ("https://evil.example", "null", "http://testserver.evil.example"):
        refused = await client.post(
            "/api/v1/auth/login",
            json={"login": "ana", "password": PASSWORD, "session": "cookie"},
            headers={"Origin": origin},
        )
        problem(refused, 403, "auth.origin_denied")
        assert "set-cookie" not in refused.headers
    await browser_login(client, "ana", headers={"Origin": "http://testserver"})
    token = client.cookies["tertulia_refresh"]
    problem(
        await client.post(REFRESH, headers={**csrf(client), "Origin": "https://evil.example"}),
        403,
        "auth.origin_denied",
    )
    assert client.cookies["tertulia_refresh"] == token
    ok(await client.post(REFRESH, headers={**csrf(client), "Origin": "http://testserver"}))


async def test_without_a_token_in_the_body_or_a_cookie_refresh_says_what_is_missing(
    client: AsyncClient,
) -> None:
    """No refresh token at all is 401 auth.refresh_missing, with or without a body."""
    client.cookies.clear()
    problem(await client.post(REFRESH), 401, "auth.refresh_missing")
    problem(await client.post(REFRESH, json={}), 401, "auth.refresh_missing")
    problem(
        await client.post(REFRESH, json={"session": "cookie"}, headers={"X-Tertulia-CSRF": "x"}),
        401,
        "auth.refresh_missing",
    )


async def test_a_replayed_cookie_revokes_the_session_and_expires_the_cookies(
    client: AsyncClient,
) -> None:
    """A refresh cookie used twice (copied, then replayed) is 401 auth.refresh_reused: the
    session ends for both holders, and the answer expires the cookies."""
    await signup(client, "ana")
    first = await browser_login(client, "ana")
    stolen = client.cookies["tertulia_refresh"]
    ok(await client.post(REFRESH, headers=csrf(client)))
    rotated, rotated_csrf = client.cookies["tertulia_refresh"], client.cookies["tertulia_csrf"]

    replay = await client.post(REFRESH, headers=only_cookie(client, stolen, first["csrf_token"]))
    problem(replay, 401, "auth.refresh_reused")
    cleared = set_cookies(replay)
    for name in ("tertulia_refresh", "tertulia_csrf"):
        assert "max-age=0" in cleared[name].lower(), cleared[name]
    problem(
        await client.post(REFRESH, headers=only_cookie(client, rotated, rotated_csrf)),
        401,
        "auth.session_ended",
    )
    access = {"Authorization": f"Bearer {first['access_token']}"}
    problem(await client.get("/api/v1/users/me", headers=access), 401, "auth.session_ended")


async def test_an_unknown_cookie_is_expired_in_the_browser(client: AsyncClient) -> None:
    """A cookie the server never issued (with its well-formed header) is 401
    auth.refresh_invalid, and the answer expires it."""
    client.cookies.clear()
    made_up = "made-up-token"
    refused = await client.post(
        REFRESH, headers={"Cookie": f"tertulia_refresh={made_up}", **csrf_for(made_up)}
    )
    problem(refused, 401, "auth.refresh_invalid")
    assert "tertulia_refresh" in set_cookies(refused)


def csrf_for(token: str) -> dict[str, str]:
    """The CSRF value the server pairs with a token (so that the test reaches past it)."""
    sessions = BrowserSessions.of(JWT_SECRET, "http://testserver")
    return {"X-Tertulia-CSRF": sessions.csrf_of(token)}


async def test_logging_out_ends_the_session_and_expires_its_cookies(client: AsyncClient) -> None:
    """Logout with the access token answers 204 and expires both cookies; the session's
    refresh cookie no longer works."""
    await signup(client, "ana")
    body = await browser_login(client, "ana")
    token, csrf_value = client.cookies["tertulia_refresh"], client.cookies["tertulia_csrf"]
    access = {"Authorization": f"Bearer {body['access_token']}"}

    out = await client.post("/api/v1/auth/logout", headers={**access, **csrf(client)})
    assert out.status_code == 204, out.text
    cleared = set_cookies(out)
    assert "max-age=0" in cleared["tertulia_refresh"].lower()
    assert "path=/api/v1/auth" in cleared["tertulia_refresh"].lower()
    assert "max-age=0" in cleared["tertulia_csrf"].lower()
    assert "tertulia_refresh" not in client.cookies
    assert "tertulia_csrf" not in client.cookies
    problem(
        await client.post(REFRESH, headers=only_cookie(client, token, csrf_value)),
        401,
        "auth.session_ended",
    )


async def test_the_cookie_alone_logs_out_once_the_access_token_has_expired(
    client: AsyncClient,
) -> None:
    """A browser whose access token has expired (or was never kept) logs out with the cookie
    and its header: the session ends (its access token is refused) and the cookies expire.
    Without the header it is 403 and the session goes on; with nothing at all, 401."""
    await signup(client, "ana")
    body = await browser_login(client, "ana")
    access = {"Authorization": f"Bearer {body['access_token']}"}
    problem(await client.post("/api/v1/auth/logout", json={}), 403, "auth.csrf_failed")
    ok(await client.get("/api/v1/users/me", headers=access))

    expired = {"Authorization": "Bearer not-a-token-any-more"}
    out = await client.post("/api/v1/auth/logout", json={}, headers={**expired, **csrf(client)})
    assert out.status_code == 204, out.text
    assert "max-age=0" in set_cookies(out)["tertulia_refresh"].lower()
    problem(await client.get("/api/v1/users/me", headers=access), 401, "auth.session_ended")
    problem(await client.post("/api/v1/auth/logout"), 401, "auth.missing_token")


async def test_a_program_keeps_its_token_in_the_body_and_can_move_it_to_a_cookie(
    client: AsyncClient,
) -> None:
    """Without `session` nothing changes for programs: the token is in the body and no cookie
    is set. A refresh of such a token with `"session": "cookie"` moves it into cookies."""
    ana = await signup(client, "ana")
    client.cookies.clear()
    plain = await client.post(REFRESH, json={"refresh_token": ana.refresh})
    assert ok(plain)["refresh_token"]
    assert plain.json()["csrf_token"] is None
    assert "set-cookie" not in plain.headers
    moved = await client.post(
        REFRESH, json={"refresh_token": plain.json()["refresh_token"], "session": "cookie"}
    )
    assert ok(moved)["refresh_token"] is None
    assert moved.json()["csrf_token"] == client.cookies["tertulia_csrf"]
    ok(await client.post(REFRESH, headers=csrf(client)))


async def test_over_https_the_cookies_are_secure(sqlite_url: str, tmp_path: Path) -> None:
    """With an https public URL both cookies carry Secure (and the browser sends them only
    over https)."""
    settings = settings_for(sqlite_url, tmp_path).model_copy(
        update={"public_url": "https://chat.example.com"}
    )
    app = create_app(settings, hasher=FastHasher())
    async with (
        LifespanManager(app) as manager,
        AsyncClient(transport=ASGITransport(manager.app), base_url="https://testserver") as http,
    ):
        await signup(http, "ana")
        response = await http.post(
            "/api/v1/auth/login",
            json={"login": "ana", "password": PASSWORD, "session": "cookie"},
        )
        ok(response)
        for line in set_cookies(response).values():
            assert "; secure" in line.lower(), line


async def test_a_bearer_logout_is_not_stopped_by_a_cookie_it_does_not_speak_for(
    client: AsyncClient,
) -> None:
    """A program logging out with its access token, while the jar it shares holds another
    session's cookie (and no CSRF header is sent), ends its own session; the cookie's
    session is left alone, though the answer expires the cookies."""
    program = await signup(client, "ana")
    await browser_login(client, "ana")
    token, csrf_value = client.cookies["tertulia_refresh"], client.cookies["tertulia_csrf"]
    out = await client.post("/api/v1/auth/logout", headers=program.headers)
    assert out.status_code == 204, out.text
    problem(await client.get("/api/v1/users/me", headers=program.headers), 401)
    ok(await client.post(REFRESH, headers=only_cookie(client, token, csrf_value)))
