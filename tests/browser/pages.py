"""A test's pages: one browser context per person, every page in them watched for faults,
and the verdict at the end."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page

from tests.browser.faults import Faults, settle, watch_context
from tests.browser.team import Person

# how long a locator waits, or an expectation retries, before failing: a page on loopback
# that takes longer is itself the failure
TIMEOUT_MS = 10_000


class Pages:
    """The test's browser contexts, one per person, and the faults seen in any of them."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.faults = Faults()
        self.contexts: list[BrowserContext] = []

    async def open(
        self, who: Person | str = "visitor", path: str | None = None, **options: Any
    ) -> Page:
        """A page in a new browser context (cookies and storage of its own) whose relative
        URLs are the server's; at `path` if given. `who` names it in failure messages;
        `options` go to Browser.new_context (locale="es-ES", viewport=…, offline=…)."""
        name = who.name if isinstance(who, Person) else who
        context = await self.browser.new_context(base_url=self.base_url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        await watch_context(context, name, self.faults)
        page = await context.new_page()
        await self.faults.ready()
        if path is not None:
            await page.goto(path)
        return page

    async def another_tab(self, page: Page) -> Page:
        """A second page in `page`'s context (same person, same cookies), watched as the
        first; so is any page a page opens itself."""
        second = await page.context.new_page()
        await self.faults.ready()
        return second

    async def settle(self) -> None:
        """Wait until what the pages reported so far has been recorded."""
        await settle([p for c in self.contexts for p in c.pages], self.faults)

    async def finish(self) -> None:
        """Close every context; fail, listing them, if any fault is left."""
        try:
            await self.settle()
        finally:
            for context in self.contexts:
                await context.close()
            self.contexts.clear()
        if self.faults.seen:
            pytest.fail(
                "the browser saw what must not happen:\n" + self.faults.report(), pytrace=False
            )
