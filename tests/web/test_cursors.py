"""Cursors that carry numbers: forged ones too large for a database column are refused."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from tertulia.usecases import pages
from tests.web.api import problem, signup, workspace

# and digits that are not ASCII: str.isdigit takes them, int() does not ("²") or does ("٣")
HUGE = ["9" * 300, str(2**63), "-5", "1e9", "²", "١٢"]


@pytest.mark.parametrize("number", HUGE)
async def test_a_forged_inbox_cursor_is_a_422(client: AsyncClient, number: str) -> None:
    """A cursor holding a number no column can hold is refused, not a server error."""
    ana = await signup(client, "ana")
    cursor = pages.encode(number)
    response = await client.get(
        "/api/v1/notifications", params={"before": cursor}, headers=ana.headers
    )
    problem(response, 422, "cursor.invalid")


@pytest.mark.parametrize("number", HUGE)
async def test_a_forged_edits_cursor_is_a_422(client: AsyncClient, number: str) -> None:
    """A message's edit history refuses a forged cursor the same way."""
    ana = await signup(client, "ana")
    ws = await workspace(client, ana)
    listed = await client.get(f"/api/v1/workspaces/{ws['id']}/channels", headers=ana.headers)
    general = next(c for c in listed.json()["items"] if c["is_default"])
    posted = await client.post(
        f"/api/v1/channels/{general['id']}/messages", json={"text": "hola"}, headers=ana.headers
    )
    response = await client.get(
        f"/api/v1/messages/{posted.json()['id']}/edits",
        params={"after": pages.encode(number)},
        headers=ana.headers,
    )
    problem(response, 422, "cursor.invalid")


@pytest.mark.parametrize("number", HUGE)
async def test_a_forged_threads_cursor_is_a_422(client: AsyncClient, number: str) -> None:
    """The followed-threads cursor is checked the same way."""
    ana = await signup(client, "ana")
    ws = await workspace(client, ana)
    cursor = pages.encode("1", number, "01JD0000000000000000000000")
    response = await client.get(
        f"/api/v1/workspaces/{ws['id']}/threads", params={"after": cursor}, headers=ana.headers
    )
    problem(response, 422, "cursor.invalid")
