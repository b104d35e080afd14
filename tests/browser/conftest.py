"""Fixtures for tests in a real Chromium: one `tertulia serve` for the session, teams made on
it through the API, the browser, and pages, one browser context per person, each watched for
Content-Security-Policy violations and uncaught errors, which fail the test that caused them.

    async def test_ana_sees_bruno_write(team, pages):
        ana = await pages.open(team["ana"], "/")
        bruno = await pages.open(team["bruno"], "/")
        ...

Tests are async (Playwright's async API on the session's event loop), so that two people's
pages, and sockets of the test's own, can act at once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests import services
from tests.browser import chromium
from tests.browser.pages import Pages
from tests.browser.team import Team, make_team, start_server
from tests.e2e.server import ServerProcess

# the server ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def server(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[ServerProcess]:
    """`tertulia serve` on a fresh SQLite database, for the whole session (see team.SETTINGS
    for what it runs with); its log is server.log in its data directory."""
    process = start_server(tmp_path_factory.mktemp("browser-server"), sqlite_template)
    try:
        yield process
    finally:
        process.terminate()


@pytest.fixture
def own_server(tmp_path: Path, sqlite_template: Path) -> Iterator[Callable[..., ServerProcess]]:
    """`own_server(TERTULIA_X="…")`: a server of the test's own, on a database of its own,
    with settings of its own, to stop, kill or restart (`ServerProcess`); stopped at the end."""
    started: list[ServerProcess] = []

    def start(**settings: str) -> ServerProcess:
        process = start_server(tmp_path / f"server-{len(started)}", sqlite_template, **settings)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
async def api(server: ServerProcess) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the session's server."""
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
        yield http


@pytest.fixture
def new_team(api: httpx.AsyncClient) -> Callable[..., Awaitable[Team]]:
    """`await new_team("ana", "bruno", "carla", channels=("diseño",))`: a team of its own
    (see team.make_team)."""

    async def made(*names: str, channels: tuple[str, ...] = ()) -> Team:
        return await make_team(api, *names, channels=channels)

    return made


@pytest.fixture
async def team(new_team: Callable[..., Awaitable[Team]]) -> Team:
    """Ana (the workspace's owner) and Bruno, both in #general and #diseño."""
    return await new_team("ana", "bruno", channels=("diseño",))


# the browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless; skips (or fails, if TERTULIA_TEST_REQUIRE names chromium)
    where it is not installed or does not start."""
    path = chromium.executable()
    if path is None:
        services.unavailable("chromium", "no `chromium` on PATH (`make chromium` installs it)")
    async with async_playwright() as playwright:
        try:
            launched = await chromium.launch(playwright, path)
        except Exception as exc:  # Playwright's Error, or the driver failing to start
            services.unavailable("chromium", f"{path} did not start: {exc}")
        yield launched
        await launched.close()


@pytest.fixture
async def pages(browser: Browser, server: ServerProcess) -> AsyncIterator[Pages]:
    """Open pages with `await pages.open(person_or_name, path)`. At the end, the test fails
    if any page had a Content-Security-Policy violation (in any frame), an uncaught error or
    a console error, listing them; a test that causes one on purpose takes it out with
    `pages.faults.take(kind)`."""
    opened = Pages(browser, server.base)
    try:
        yield opened
    finally:
        await opened.finish()


@pytest.fixture
async def page(pages: Pages) -> Page:
    """A page of its own on the session's server, at about:blank."""
    return await pages.open("page")
