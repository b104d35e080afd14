"""Accounts over HTTP: registering, logging in, rate limits, token rotation, logging out,
profiles and expired tokens. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from httpx import AsyncClient, Response

from tests.conftest import JWT_SECRET, serve
from tests.web.api import PASSWORD, Account, join, login, ok, problem, signup, workspace

NEW_PASSWORD = "girasol-de-noche-77"
LATEST_RESET = 900  # the login window, in seconds


async def register(client: AsyncClient, username: str, **fields: str) -> Response:
    body = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
    return await client.post("/api/v1/auth/register", json={**body, **fields})


async def attempt(client: AsyncClient, login_: str, password: str) -> Response:
    return await client.post("/api/v1/auth/login", json={"login": login_, "password": password})


async def refresh(client: AsyncClient, token: str) -> Response:
    return await client.post("/api/v1/auth/refresh", json={"refresh_token": token})


async def me(client: AsyncClient, token: str) -> Response:
    return await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})


def rate_limit(response: Response) -> tuple[int, int, int]:
    """The RateLimit-Limit, -Remaining and -Reset headers, as numbers."""
    headers = response.headers
    for name in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"):
        assert name in headers, (response.status_code, dict(headers))
    return (
        int(headers["RateLimit-Limit"]),
        int(headers["RateLimit-Remaining"]),
        int(headers["RateLimit-Reset"]),
    )


def without_request(body: dict[str, Any]) -> dict[str, Any]:
    """A problem body without what differs per request."""
    return {k: v for k, v in body.items() if k not in ("request_id", "instance")}


def access_token(account: Account, *, issued: int, expires: int, secret: str = JWT_SECRET) -> str:
    """An access token minted by hand, as the server would, with chosen times."""
    claims = {
        "iss": "tertulia",
        "aud": "tertulia",
        "sub": account.id,
        "sid": account.session,
        "iat": issued,
        "nbf": issued,
        "exp": expires,
        "jti": "hand-made",
    }
    return jwt.encode(claims, secret, algorithm="HS256")


# registering -----------------------------------------------------------------------------------


async def test_registering_shows_the_email_only_to_its_owner(client: AsyncClient) -> None:
    """A new account is 201 with its email; the email appears on /users/me but never on the
    profile or member list other people see, and no password hash appears anywhere."""
    created = ok(await register(client, "ana", display_name="Ana García 🌻"), 201)
    assert created["username"] == "ana"
    assert created["email"] == "ana@example.com"
    assert created["display_name"] == "Ana García 🌻"
    assert not [k for k in created if "password" in k or "hash" in k]

    ana = await login(client, "ana")
    bob = await signup(client, "bob")
    ws = await workspace(client, ana)
    await join(client, ws["id"], ana, bob)

    mine = ok(await client.get("/api/v1/users/me", headers=ana.headers))
    assert (mine["id"], mine["email"]) == (created["id"], "ana@example.com")
    seen = ok(await client.get(f"/api/v1/users/{ana.id}", headers=bob.headers))
    assert seen["display_name"] == "Ana García 🌻"
    assert "email" not in seen
    members = ok(await client.get(f"/api/v1/workspaces/{ws['id']}/members", headers=bob.headers))
    assert all("email" not in m["user"] for m in members["items"])
    assert "ana@example.com" not in str(members)


@pytest.mark.parametrize(
    ("username", "email", "code"),
    [
        pytest.param("ana", "otra@example.com", "user.username_taken", id="same-username"),
        pytest.param("ANA", "otra@example.com", "user.username_taken", id="username-in-caps"),
        pytest.param("anita", "ana@example.com", "user.email_taken", id="same-email"),
        pytest.param("anita", "ANA@Example.COM", "user.email_taken", id="email-in-caps"),
    ],
)
async def test_a_taken_username_or_email_is_a_409(
    client: AsyncClient, username: str, email: str, code: str
) -> None:
    """Registering a username or email someone has (in any case) is 409 with a code saying
    which; the first account is untouched and still logs in with its password."""
    ok(await register(client, "ana"), 201)
    problem(await register(client, username, email=email, password=NEW_PASSWORD), 409, code)
    ok(await attempt(client, "ana", PASSWORD))
    problem(await attempt(client, "ana", NEW_PASSWORD), 401, "auth.invalid_credentials")


@pytest.mark.parametrize(
    ("password", "code"),
    [
        pytest.param("corto-1!", "password.too_short", id="short"),
        pytest.param("", "password.too_short", id="empty"),
        pytest.param("qwertyuiop", "password.common", id="common"),
        pytest.param("PASSWORD123", "password.common", id="common-in-caps"),
        pytest.param("zoe_m-secreto-1", "password.personal", id="has-username"),
        pytest.param("zoe.martinez", "password.personal", id="email-local-part"),
        pytest.param("zoe.martinez@example.com", "password.personal", id="email"),
    ],
)
async def test_weak_passwords_are_refused_naming_the_password(
    client: AsyncClient, password: str, code: str
) -> None:
    """A short, common or personal password is 422 with an error on `password` saying which
    rule it breaks; no account is made, so a strong password works afterwards."""
    email = "zoe.martinez@example.com"
    body = problem(await register(client, "zoe_m", email=email, password=password), 422, code)
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("password", code)]
    assert body["errors"][0]["message"]
    ok(await register(client, "zoe_m", email=email), 201)


# logging in ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ana", "ANA", " ana ", "ana@example.com", "Ana@Example.COM"])
async def test_people_log_in_by_username_or_email(client: AsyncClient, name: str) -> None:
    """The username or the email address (in any case) with the password logs in: tokens, a
    session and the account come back, and the access token works."""
    created = ok(await register(client, "ana"), 201)
    body = ok(await attempt(client, name, PASSWORD))
    assert body["token_type"] == "Bearer"
    assert body["user"]["id"] == created["id"]
    assert body["expires_in"] > 0
    assert body["refresh_token"]
    assert body["session_id"]
    assert ok(await me(client, body["access_token"]))["username"] == "ana"


async def test_a_wrong_password_and_an_unknown_account_look_the_same(client: AsyncClient) -> None:
    """A wrong password, an unknown username and an unknown email all get the same 401 body,
    so nobody can find out which accounts exist."""
    ok(await register(client, "ana"), 201)
    bodies = [
        without_request(problem(response, 401, "auth.invalid_credentials"))
        for response in [
            await attempt(client, "ana", "no-es-la-clave-99"),
            await attempt(client, "nadie", "no-es-la-clave-99"),
            await attempt(client, "nadie@example.com", "no-es-la-clave-99"),
            await attempt(client, "ana@example.com", ""),
        ]
    ]
    assert all(body == bodies[0] for body in bodies)


@pytest.mark.parametrize("length", [182, 200, 254])
async def test_a_long_unknown_login_is_a_plain_401(client: AsyncClient, length: int) -> None:
    """An unknown login as long as the field allows (its attempts are counted under a key
    that holds it) is the same 401 on SQLite and PostgreSQL, and counted: the eleventh is
    429."""
    login = ("ñandú." * 50)[: length - len("@example.com")] + "@example.com"
    assert len(login) == length
    for _ in range(10):
        problem(await attempt(client, login, "no-es-la-clave-99"), 401, "auth.invalid_credentials")
    problem(await attempt(client, login, "no-es-la-clave-99"), 429, "auth.rate_limited")


async def test_any_user_agent_logs_in_and_its_session_works(client: AsyncClient) -> None:
    """The browser name a session records is whatever the client sent, however long and in
    whatever bytes (10,000 of them, not ASCII): the login and its session work alike on
    SQLite and PostgreSQL, whose column holds 256 characters."""
    await register(client, "ana")
    for agent in ("Ñandú/1.0 (é😀) " * 700).encode()[:10_000], b"\xff\xfe" * 5000:
        answer = await client.post(
            "/api/v1/auth/login",
            json={"login": "ana", "password": PASSWORD},
            headers={"User-Agent": agent},
        )
        tokens = ok(answer)
        ok(await me(client, tokens["access_token"]))
        ok(await refresh(client, tokens["refresh_token"]))


async def test_login_responses_tell_how_many_attempts_remain(client: AsyncClient) -> None:
    """Every login answer, success or failure, carries RateLimit headers counting down the
    address's 100 attempts per 15 minutes."""
    ok(await register(client, "ana"), 201)
    first = await attempt(client, "ana", PASSWORD)
    assert first.status_code == 200
    limit, remaining, reset = rate_limit(first)
    assert (limit, remaining) == (100, 99)
    assert 0 < reset <= LATEST_RESET
    wrong = await attempt(client, "ana", "no-es-la-clave-99")
    assert wrong.status_code == 401
    assert rate_limit(wrong)[:2] == (100, 98)


async def test_the_eleventh_attempt_on_one_account_is_a_429(client: AsyncClient) -> None:
    """After ten attempts on one account the eleventh is 429 with Retry-After and the RateLimit
    headers, even with the right password; other accounts log in as usual."""
    ok(await register(client, "ana"), 201)
    ok(await register(client, "bob"), 201)
    for _ in range(10):
        problem(await attempt(client, "ana", "no-es-la-clave-99"), 401, "auth.invalid_credentials")

    blocked = await attempt(client, "ana", PASSWORD)
    problem(blocked, 429, "auth.rate_limited")
    assert 0 < int(blocked.headers["Retry-After"]) <= LATEST_RESET
    assert not [k for k in blocked.json() if "token" in k]
    ok(await attempt(client, "bob", PASSWORD))

    limit, left, reset = rate_limit(blocked)
    assert (limit, left) == (10, 0)
    assert 0 < reset <= LATEST_RESET


async def test_attempts_by_username_and_by_email_count_for_the_same_account(
    client: AsyncClient,
) -> None:
    """Switching between the username and the email does not earn more guesses: ten attempts
    on one account in any mix of the two, and the next is 429."""
    ok(await register(client, "ana"), 201)
    for name in ["ana", "ana@example.com"] * 5:
        problem(await attempt(client, name, "no-es-la-clave-99"), 401, "auth.invalid_credentials")
    problem(await attempt(client, "ana@example.com", PASSWORD), 429, "auth.rate_limited")
    problem(await attempt(client, "ana", PASSWORD), 429, "auth.rate_limited")


async def test_the_per_address_limit_covers_every_account(
    database_url: str, tmp_path: Path
) -> None:
    """One address gets a fixed number of login attempts across all accounts (here 3): the
    fourth is 429 with Retry-After, even for a fresh account with the right password."""
    async with serve(database_url, tmp_path, login_attempts_per_address=3) as http:
        for name in ("ana", "bob", "carla"):
            ok(await register(http, name), 201)
        first = await attempt(http, "ana", PASSWORD)
        assert first.status_code == 200
        assert rate_limit(first)[:2] == (3, 2)
        second = await attempt(http, "bob", "no-es-la-clave-99")
        assert second.status_code == 401
        assert rate_limit(second)[:2] == (3, 1)
        third = await attempt(http, "nadie", "no-es-la-clave-99")
        assert third.status_code == 401
        assert rate_limit(third)[:2] == (3, 0)

        blocked = await attempt(http, "carla", PASSWORD)
        problem(blocked, 429, "auth.rate_limited")
        assert 0 < int(blocked.headers["Retry-After"]) <= LATEST_RESET


async def test_registrations_per_address_are_limited(database_url: str, tmp_path: Path) -> None:
    """Past the hourly registrations of one address (here 2) registering is 429 with
    Retry-After, and that account is not created."""
    async with serve(database_url, tmp_path, registrations_per_address_per_hour=2) as http:
        first = await register(http, "ana")
        ok(first, 201)
        assert rate_limit(first)[:2] == (2, 1)
        ok(await register(http, "bob"), 201)
        blocked = await register(http, "carla")
        problem(blocked, 429, "auth.rate_limited")
        assert 0 < int(blocked.headers["Retry-After"]) <= 3600
        problem(await attempt(http, "carla", PASSWORD), 401, "auth.invalid_credentials")


# sessions --------------------------------------------------------------------------------------


async def test_refreshing_rotates_both_tokens(client: AsyncClient) -> None:
    """A refresh gives a new access token and a new refresh token for the same session; both
    work, and the old access token keeps working until it expires."""
    ana = await signup(client, "ana")
    body = ok(await refresh(client, ana.refresh))
    assert body["session_id"] == ana.session
    assert body["refresh_token"] != ana.refresh
    assert body["access_token"] != ana.token
    assert ok(await me(client, body["access_token"]))["id"] == ana.id
    ok(await me(client, ana.token))
    again = ok(await refresh(client, body["refresh_token"]))
    assert again["refresh_token"] not in (ana.refresh, body["refresh_token"])


async def test_replaying_a_used_refresh_token_revokes_the_session(client: AsyncClient) -> None:
    """Presenting a refresh token a second time (it was stolen, or replayed) is 401
    auth.refresh_reused and ends the session: the newer refresh token fails too, and the
    session's access tokens are refused at once, though they were just in use (and cached)."""
    ana = await signup(client, "ana")
    other = await login(client, "ana")
    rotated = ok(await refresh(client, ana.refresh))
    ok(await me(client, rotated["access_token"]))
    ok(await me(client, ana.token))

    problem(await refresh(client, ana.refresh), 401, "auth.refresh_reused")

    problem(await refresh(client, rotated["refresh_token"]), 401)
    for token in (rotated["access_token"], ana.token):
        response = await me(client, token)
        problem(response, 401, "auth.session_ended")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    ok(await me(client, other.token))
    ok(await refresh(client, other.refresh))


async def test_an_unknown_refresh_token_is_a_401(client: AsyncClient) -> None:
    """A refresh token the server never issued is 401 auth.refresh_invalid."""
    await signup(client, "ana")
    problem(await refresh(client, "no-such-token"), 401, "auth.refresh_invalid")


async def test_logging_out_ends_this_session_only(client: AsyncClient) -> None:
    """After logging out the session's access token is refused and its refresh token fails;
    the same person's other session goes on working."""
    ana = await signup(client, "ana")
    other = await login(client, "ana")
    ok(await me(client, ana.token))
    response = await client.post("/api/v1/auth/logout", headers=ana.headers)
    assert response.status_code == 204, response.text

    problem(await me(client, ana.token), 401, "auth.session_ended")
    problem(await refresh(client, ana.refresh), 401)
    ok(await me(client, other.token))
    ok(await refresh(client, other.refresh))


async def test_logging_out_everywhere_ends_every_session(client: AsyncClient) -> None:
    """Logging out with `everywhere` ends both of the person's sessions: neither access token
    nor refresh token works; someone else's session is untouched."""
    ana = await signup(client, "ana")
    phone = await login(client, "ana")
    bob = await signup(client, "bob")
    for account in (ana, phone):
        ok(await me(client, account.token))
    response = await client.post(
        "/api/v1/auth/logout", json={"everywhere": True}, headers=ana.headers
    )
    assert response.status_code == 204, response.text

    for account in (ana, phone):
        problem(await me(client, account.token), 401, "auth.session_ended")
        problem(await refresh(client, account.refresh), 401)
    ok(await me(client, bob.token))
    ok(await attempt(client, "ana", PASSWORD))


async def test_requests_without_a_token_are_a_401(client: AsyncClient) -> None:
    """Without `Authorization: Bearer …`, or with garbage in it, private endpoints are 401."""
    await signup(client, "ana")
    problem(await client.get("/api/v1/users/me"), 401, "auth.missing_token")
    problem(await me(client, "not-a-jwt"), 401, "auth.token_invalid")


# profiles --------------------------------------------------------------------------------------


async def test_people_change_their_display_name_title_and_timezone(client: AsyncClient) -> None:
    """PATCH /users/me changes the display name, title and time zone; the profile and
    coworkers see the new values, and nothing else changes."""
    ana = await signup(client, "ana")
    bob = await signup(client, "bob")
    ws = await workspace(client, ana)
    await join(client, ws["id"], ana, bob)
    before = ok(await me(client, ana.token))
    changed = ok(
        await client.patch(
            "/api/v1/users/me",
            json={"display_name": "Ana G. 🌻", "title": "Backend", "timezone": "Europe/Madrid"},
            headers=ana.headers,
        )
    )
    assert (changed["display_name"], changed["title"], changed["timezone"]) == (
        "Ana G. 🌻",
        "Backend",
        "Europe/Madrid",
    )
    assert (changed["username"], changed["email"]) == (before["username"], before["email"])
    assert ok(await me(client, ana.token)) == changed
    seen = ok(await client.get(f"/api/v1/users/{ana.id}", headers=bob.headers))
    assert seen["display_name"] == "Ana G. 🌻"


async def test_changing_the_password_needs_the_current_one(client: AsyncClient) -> None:
    """A new password without `current_password` is 422 naming it, with a wrong one 403; in
    both cases the old password still works and the new one does not."""
    ana = await signup(client, "ana")
    missing = await client.patch(
        "/api/v1/users/me", json={"password": NEW_PASSWORD}, headers=ana.headers
    )
    body = problem(missing, 422, "auth.current_password_required")
    assert [e["field"] for e in body["errors"]] == ["current_password"]
    wrong = await client.patch(
        "/api/v1/users/me",
        json={"password": NEW_PASSWORD, "current_password": "no-es-la-clave-99"},
        headers=ana.headers,
    )
    problem(wrong, 403, "auth.current_password_wrong")
    problem(await attempt(client, "ana", NEW_PASSWORD), 401, "auth.invalid_credentials")
    ok(await attempt(client, "ana", PASSWORD))


async def test_a_new_password_ends_the_other_sessions(client: AsyncClient) -> None:
    """Changing the password keeps this session and ends every other one (access and refresh
    tokens); afterwards only the new password logs in."""
    ana = await signup(client, "ana")
    laptop = await login(client, "ana")
    ok(await me(client, laptop.token))
    changed = await client.patch(
        "/api/v1/users/me",
        json={"password": NEW_PASSWORD, "current_password": PASSWORD},
        headers=ana.headers,
    )
    ok(changed)

    ok(await me(client, ana.token))
    ok(await refresh(client, ana.refresh))
    problem(await me(client, laptop.token), 401, "auth.session_ended")
    problem(await refresh(client, laptop.refresh), 401)
    problem(await attempt(client, "ana", PASSWORD), 401, "auth.invalid_credentials")
    ok(await attempt(client, "ana", NEW_PASSWORD))


async def test_a_weak_new_password_is_refused(client: AsyncClient) -> None:
    """A new password that breaks the policy is 422 on `password`; the old one still works and
    no session ends."""
    ana = await signup(client, "ana")
    laptop = await login(client, "ana")
    response = await client.patch(
        "/api/v1/users/me",
        json={"password": "qwertyuiop", "current_password": PASSWORD},
        headers=ana.headers,
    )
    body = problem(response, 422, "password.common")
    assert [e["field"] for e in body["errors"]] == ["password"]
    ok(await me(client, laptop.token))
    ok(await attempt(client, "ana", PASSWORD))


async def test_a_strangers_profile_is_a_404(client: AsyncClient) -> None:
    """Someone who shares no workspace with you is 404, exactly like an id that names nobody;
    once you share a workspace, their profile shows."""
    ana = await signup(client, "ana")
    carla = await signup(client, "carla")
    stranger = await client.get(f"/api/v1/users/{carla.id}", headers=ana.headers)
    nobody = await client.get("/api/v1/users/01JD5Z8Q5E9V4K3M2N1P0R7S6T", headers=ana.headers)
    assert without_request(problem(stranger, 404, "user.not_found")) == without_request(
        problem(nobody, 404, "user.not_found")
    )
    ws = await workspace(client, ana)
    await join(client, ws["id"], ana, carla)
    assert ok(await client.get(f"/api/v1/users/{carla.id}", headers=ana.headers))["id"] == carla.id


# access tokens ---------------------------------------------------------------------------------


async def test_an_expired_access_token_is_a_401(client: AsyncClient) -> None:
    """An access token past its expiry is refused with 401 auth.token_expired, while the same
    token with a future expiry works (so the expiry is the only reason)."""
    ana = await signup(client, "ana")
    now = int(time.time())
    fresh = access_token(ana, issued=now - 10, expires=now + 600)
    ok(await me(client, fresh))
    expired = access_token(ana, issued=now - 3600, expires=now - 60)
    response = await me(client, expired)
    problem(response, 401, "auth.token_expired")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_a_token_signed_with_another_key_is_a_401(client: AsyncClient) -> None:
    """An access token with a valid shape but signed with another secret, or with no signature
    (`alg: none`), is 401 auth.token_invalid."""
    ana = await signup(client, "ana")
    now = int(time.time())
    forged = access_token(
        ana, issued=now, expires=now + 600, secret="another-secret-long-enough-for-hs256-000000"
    )
    problem(await me(client, forged), 401, "auth.token_invalid")
    claims = jwt.decode(
        access_token(ana, issued=now, expires=now + 600),
        options={"verify_signature": False},
    )
    unsigned = jwt.encode(claims, None, algorithm="none")
    problem(await me(client, unsigned), 401, "auth.token_invalid")
