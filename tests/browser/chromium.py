"""Debian's Chromium, launched by Playwright: where it is and how it is started (Playwright's
own browser builds cannot be downloaded here, so `playwright install` is never needed)."""

from __future__ import annotations

import shutil

from playwright.async_api import Browser, Playwright

# no sandbox (we run as root, in a container); no GPU; /tmp rather than a small /dev/shm; and
# no traffic of its own: no updates, no sync, no first-run pages
ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def executable() -> str | None:
    """The path of the `chromium` on PATH (Debian's package: `make chromium` installs it)."""
    return shutil.which("chromium")


async def launch(playwright: Playwright, path: str) -> Browser:
    """Headless Chromium at `path`, started with `ARGS`."""
    return await playwright.chromium.launch(executable_path=path, args=list(ARGS), headless=True)
