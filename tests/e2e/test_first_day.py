"""A fresh install: migrate, serve, and a team's first day over real HTTP."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import TERTULIA, environment, running_server

pytestmark = pytest.mark.slow
PASSWORD = "violeta-azul-42!"


def test_a_fresh_install_serves_a_team_from_registration_to_joining_a_channel(
    tmp_path: Path,
) -> None:
    """`tertulia migrate` then `tertulia serve`: register → login → workspace → channel →
    invite → a second person accepts → joins the channel; the log is JSON with request ids
    and without the invitation's secret."""
    env = environment(tmp_path)
    migrated = subprocess.run([*TERTULIA, "migrate"], env=env, capture_output=True, text=True)
    assert migrated.returncode == 0, migrated.stderr
    assert (tmp_path / "tertulia.db").exists()
    log = tmp_path / "server.log"
    with running_server(env, log) as base, httpx.Client(base_url=f"{base}/api/v1") as http:
        for name in ("ana", "bob"):
            r = http.post(
                "/auth/register",
                json={"username": name, "email": f"{name}@example.com", "password": PASSWORD},
            )
            assert r.status_code == 201, r.text
        ana = {"Authorization": "Bearer " + _token(http, "ana")}
        bob = {"Authorization": "Bearer " + _token(http, "bob")}
        ws = http.post("/workspaces", json={"name": "Equipo"}, headers=ana).json()
        channel = http.post(
            f"/workspaces/{ws['id']}/channels", json={"name": "diseño"}, headers=ana
        ).json()
        invitation = http.post(f"/workspaces/{ws['id']}/invitations", json={}, headers=ana).json()
        page = http.get(invitation["url"])  # the link opens the web client's invitation page
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        accepted = http.post(f"/invitations/{invitation['token']}/accept", headers=bob)
        assert accepted.status_code == 200, accepted.text
        bob_id = http.get("/users/me", headers=bob).json()["id"]
        joined = http.post(
            f"/channels/{channel['id']}/members",
            json={"user_id": bob_id},
            headers={**bob, "X-Request-ID": "e2e-request-0001"},
        )
        assert joined.status_code == 201, joined.text
        assert joined.headers["x-request-id"] == "e2e-request-0001"
        members = http.get(f"/channels/{channel['id']}/members", headers=ana).json()
        assert [m["user"]["username"] for m in members["items"]] == ["ana", "bob"]
        assert http.get(f"{base}/docs").status_code == 200
        assert http.get(f"{base}/openapi.json").json()["info"]["title"] == "Tertulia"
    assert invitation["token"] not in log.read_text(), "invitation secrets must not be logged"
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    request_lines = [e for e in lines if e.get("msg") == "request"]
    assert any(
        e.get("request_id") == "e2e-request-0001" and e["status"] == 201 for e in request_lines
    )
    assert all("?" not in e["path"] for e in request_lines)
    assert (tmp_path / "jwt-secret").stat().st_mode & 0o777 == 0o600


def test_production_refuses_to_start_without_a_signing_secret(tmp_path: Path) -> None:
    """In production an operator must set TERTULIA_JWT_SECRET: the server says so and exits."""
    env = environment(tmp_path, TERTULIA_ENV="production")
    result = subprocess.run(
        [*TERTULIA, "serve", "--port", "1"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "TERTULIA_JWT_SECRET is required in production" in result.stderr
    assert not (tmp_path / "jwt-secret").exists()


def test_serving_an_unmigrated_database_fails_with_a_clear_message(tmp_path: Path) -> None:
    """Forgetting `tertulia migrate` gives a message saying so, not errors on every request."""
    env = environment(tmp_path)
    result = subprocess.run(
        [
            *TERTULIA,
            "create-user",
            "--username",
            "ana",
            "--email",
            "ana@example.com",
            "--password",
            PASSWORD,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "run `tertulia migrate` first" in result.stderr


def test_the_command_line_creates_users_and_workspaces(tmp_path: Path) -> None:
    """An operator can create the first account and workspace without the API."""
    env = environment(tmp_path)
    subprocess.run([*TERTULIA, "migrate"], env=env, check=True, capture_output=True)
    user = subprocess.run(
        [
            *TERTULIA,
            "create-user",
            "--username",
            "Ana",
            "--email",
            "ana@example.com",
            "--password",
            PASSWORD,
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert user.returncode == 0, user.stderr
    assert "Created user ana" in user.stdout
    weak = subprocess.run(
        [
            *TERTULIA,
            "create-user",
            "--username",
            "bob",
            "--email",
            "bob@example.com",
            "--password",
            "password",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert weak.returncode == 1
    assert "password" in weak.stderr
    ws = subprocess.run(
        [*TERTULIA, "create-workspace", "--name", "Café Técnico", "--owner", "ana"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert ws.returncode == 0, ws.stderr
    assert "/cafe-tecnico" in ws.stdout
    unknown = subprocess.run(
        [*TERTULIA, "create-workspace", "--name", "X", "--owner", "nobody"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert unknown.returncode == 1
    assert "No user named 'nobody'" in unknown.stderr


def _token(http: httpx.Client, username: str) -> str:
    r = http.post("/auth/login", json={"login": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    token: str = r.json()["access_token"]
    return token
