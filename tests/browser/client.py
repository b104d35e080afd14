"""What browser tests do with the web client as a person would: log in through the form, post
through the API to set a scene, keep screenshots for the note on the work."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Page, expect

from tests.browser.pages import Pages
from tests.browser.team import API, Person, ok

# where to keep screenshots of each screen for a note on the work (TERTULIA_SCREENS=/tmp/screens);
# not part of any verdict
SCREENS = os.environ.get("TERTULIA_SCREENS")
SIDEBAR = "Channels and direct messages"


async def signed_in(pages: Pages, person: Person, path: str = "/", **options: Any) -> Page:
    """A page of `person`'s own (English unless `options` say otherwise), logged in through
    the form, showing the app."""
    options.setdefault("locale", "en-US")
    return await log_in(await pages.open(person, **options), person, path)


async def log_in(page: Page, person: Person, path: str = "/") -> Page:
    """Log `person` in through the form on `page` (opened at `path`), showing the app."""
    await page.goto(path)
    await page.get_by_label("Email or username").fill(person.username)
    await page.get_by_label("Password").fill(person.password)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("navigation", name=SIDEBAR)).to_be_visible()
    return page


async def screenshot(page: Page, name: str) -> None:
    """Keep a picture of the screen in TERTULIA_SCREENS, if set (not part of the verdict)."""
    if SCREENS:
        await page.screenshot(path=str(Path(SCREENS) / f"{name}.png"))


async def say(api: httpx.AsyncClient, person: Person, channel: str, text: str, **extra: Any) -> Any:
    """`person` posts `text` in `channel` through the API; the message."""
    body = {"text": text, "client_msg_id": uuid.uuid4().hex, **extra}
    return ok(
        await api.post(f"{API}/channels/{channel}/messages", json=body, headers=person.headers),
        201,
    )


async def refused(pages: Pages, status: int) -> None:
    """Take out the console error Chromium logs for a request the server refused on purpose
    (`status`), leaving any other fault to fail the test."""
    await pages.settle()
    taken = pages.faults.take("console")
    mine = [f for f in taken if f"status of {status}" in f.text]
    assert mine, f"no request was refused with {status}"
    pages.faults.seen.extend(f for f in taken if f not in mine)
