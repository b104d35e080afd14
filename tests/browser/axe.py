"""Accessibility scans with axe-core, vendored for the tests under vendor/ (never served):
its version, licence and the SHA-256 of each file are in vendor/manifest.json, which a test
checks. To update: `npm pack axe-core@VERSION`, copy package/axe.min.js and the licences into
vendor/axe-core/, and write the new version and hashes into the manifest.

axe is evaluated into each frame over DevTools (`frame.evaluate`), which a page's
Content-Security-Policy does not govern: a `<script>` tag added to the page would be refused by
`script-src 'self'`, and turning the policy off (`bypass_csp`) would scan a page other than the
one people get. axe's own code, once in, needs no `eval`."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from playwright.async_api import Error, Page

VENDOR = Path(__file__).parent / "vendor"
MANIFEST = VENDOR / "manifest.json"
SCRIPT = "axe-core/axe.min.js"
# what fails a scan: axe's two worst impacts (the others are "moderate" and "minor")
FAILING = ("serious", "critical")


def manifest() -> dict[str, Any]:
    entry: dict[str, Any] = json.loads(MANIFEST.read_text())["axe-core"]
    return entry


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@cache
def source() -> str:
    """axe.min.js, once its SHA-256 is checked against the manifest's."""
    path = VENDOR / SCRIPT
    expected = manifest()["files"][SCRIPT]
    if sha256(path) != expected:
        raise RuntimeError(f"{path} is not the file vendor/manifest.json lists ({expected})")
    return path.read_text()


async def inject(page: Page) -> None:
    """axe into every frame of `page` that has not got it yet (a frame needs it to be scanned
    from its parent)."""
    for frame in page.frames:
        try:
            if not await frame.evaluate("() => typeof window.axe === 'object'"):
                await frame.evaluate(source())
        except Error:
            continue  # a frame detached while we went through them: nothing left to scan


async def scan(page: Page, disable: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """axe's violations on the page as it is now, every frame included, of every impact;
    the rules in `disable` (axe's rule ids) are not run."""
    await inject(page)
    options = {
        "resultTypes": ["violations"],
        "rules": {rule: {"enabled": False} for rule in disable},
    }
    violations: list[dict[str, Any]] = await page.evaluate(
        "async (options) => (await window.axe.run(document, options)).violations", options
    )
    return violations


def describe(violations: list[dict[str, Any]], nodes_each: int = 5) -> str:
    """One paragraph per violation: rule, impact, what it asks, and where (a few elements)."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {v['helpUrl']}")
        for node in v["nodes"][:nodes_each]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {' > '.join(map(str, node['target']))}: {summary}")
        if len(v["nodes"]) > nodes_each:
            lines.append(f"    … and {len(v['nodes']) - nodes_each} more")
    return "\n".join(lines)


async def assert_accessible(
    page: Page, context_name: str, disable: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Fail, listing them, if axe finds any serious or critical violation on the page as it
    is now (`context_name` says which screen, in the message); the milder ones are returned,
    for a test that wants them."""
    violations = await scan(page, disable)
    bad = [v for v in violations if v.get("impact") in FAILING]
    if bad:
        raise AssertionError(
            f"axe-core {manifest()['version']} found {len(bad)} serious or critical"
            f" accessibility violation(s) on {context_name} ({page.url}):\n" + describe(bad)
        )
    return violations
