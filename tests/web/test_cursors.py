"""Cursors that carry numbers: forged ones too large for a database column are refused."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from tertulia.usecases import pages
from tests.web.api import problem, signup, workspace

HUGE = ["9" * 300, str(2**63), "-5", "1e9"]


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
async def test_a_forged_threads_cursor_is_a_422(client: AsyncClient, number: str) -> None:
    """The followed-threads cursor is checked the same way."""
    ana = await signup(client, "ana")
    ws = await workspace(client, ana)
    cursor = pages.encode("1", number, "01JD0000000000000000000000")
    response = await client.get(
        f"/api/v1/workspaces/{ws['id']}/threads", params={"after": cursor}, headers=ana.headers
    )
    problem(response, 422, "cursor.invalid")
