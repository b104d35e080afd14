"""What `tertulia serve` answers before the app can: an address too long for the HTTP parser,
and a request that is not HTTP at all, both as problem+json, over a real socket."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.server import TERTULIA, environment, running_server

pytestmark = pytest.mark.slow
PASSWORD = "violeta-azul-42!"


def test_a_search_query_of_any_length_gets_the_same_answer(tmp_path: Path) -> None:
    """A query of 501 characters and one of 70,000 (an address past the 64 KiB the HTTP
    parser reads) are the same 400 `search.too_long` with the same message; a query that
    fits is searched."""
    env = environment(tmp_path)
    subprocess.run([*TERTULIA, "migrate"], env=env, check=True, capture_output=True)
    with (
        running_server(env, tmp_path / "server.log") as base,
        httpx.Client(base_url=f"{base}/api/v1", timeout=30) as http,
    ):
        body = {"username": "ana", "email": "ana@example.com", "password": PASSWORD}
        assert http.post("/auth/register", json=body).status_code == 201
        login = http.post("/auth/login", json={"login": "ana", "password": PASSWORD})
        ana = {"Authorization": f"Bearer {login.json()['access_token']}"}
        ws = http.post("/workspaces", json={"name": "Equipo"}, headers=ana).json()["id"]
        answers = []
        for length in (501, 70_000, 200_000):
            # as a raw request: HTTP clients refuse to send addresses this long
            path = f"/api/v1/workspaces/{ws}/search?q={'a' * length}"
            status, head, body = raw(base, f"GET {path} HTTP/1.1\r\n", ana)
            assert b"content-type: application/problem+json" in head.lower(), body
            problem = httpx.Response(status, content=body).json()
            answers.append((status, problem["code"], problem["detail"]))
        assert answers[0][:2] == (400, "search.too_long")
        assert answers[1] == answers[0]
        assert answers[2] == answers[0]
        found = http.get(f"/workspaces/{ws}/search", params={"q": "hola"}, headers=ana)
        assert found.status_code == 200, found.text


def test_a_request_that_is_not_http_gets_a_problem(tmp_path: Path) -> None:
    """Bytes that are not an HTTP request get a 400 problem+json, and the server goes on."""
    env = environment(tmp_path)
    subprocess.run([*TERTULIA, "migrate"], env=env, check=True, capture_output=True)
    with running_server(env, tmp_path / "server.log") as base:
        status, head, body = raw(base, "HELLO THERE\r\n", {})
        assert status == 400, head
        assert b"content-type: application/problem+json" in head.lower()
        assert httpx.Response(400, content=body).json()["code"] == "request.unreadable"
        assert httpx.get(f"{base}/healthz").status_code == 200


def raw(base: str, first_line: str, headers: dict[str, str]) -> tuple[int, bytes, bytes]:
    """Send a request as bytes on a socket of its own; the status, head and body answered."""
    address = urlsplit(base)
    lines = [first_line, f"Host: {address.netloc}\r\n", "Connection: close\r\n"]
    lines += [f"{name}: {value}\r\n" for name, value in headers.items()]
    with socket.create_connection((address.hostname, address.port), timeout=30) as conn:
        conn.sendall("".join([*lines, "\r\n"]).encode())
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), head, body
