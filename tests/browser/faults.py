"""What went wrong in a test's pages: Content-Security-Policy violations, uncaught errors and
console errors, from every frame of every page of every context the test opened.

Three nets, because each misses something the others catch: a script that every document runs
before its own (in every frame, iframes too, whatever their origin) listens for
`securitypolicyviolation`; Playwright reports uncaught errors and console errors of the page
and its frames (Chromium logs each violation there too, a worker's as well); and Chromium's own
issue list (DevTools' Issues panel, over CDP) names each violation even where no script of ours
ran, as in a sandboxed frame that may run none. A worker runs no script of ours until we put
one in, just after it starts, that tells its violations on its console."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any, Literal

from playwright.async_api import BrowserContext, ConsoleMessage, Error, Frame, Page, Worker

Kind = Literal["csp", "error", "console"]
BINDING = "__tertuliaFault"

# runs in every document (every frame) before the page's own scripts; a violation is fired at
# the element that caused it and bubbles, or at the document: listening on the window in the
# capture phase hears both, before any handler of the page can stop it
RECORDER = f"""(() => {{
  const report = window.{BINDING};
  if (typeof report !== "function") return;
  window.addEventListener("securitypolicyviolation", (e) => {{
    report({{
      directive: e.effectiveDirective || e.violatedDirective,
      blocked: e.blockedURI,
      source: e.sourceFile,
      line: e.lineNumber,
      sample: e.sample,
      disposition: e.disposition,
    }});
  }}, true);
}})();"""


# a worker runs none of the document's scripts, so its violations are told on its console
WORKER_MARK = "[tertulia: Content-Security-Policy violation in a worker] "
WORKER_RECORDER = f"""() => {{
  self.addEventListener("securitypolicyviolation", (e) => console.error(
    {WORKER_MARK!r} + (e.effectiveDirective || e.violatedDirective) + " blocked "
    + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber));
}}"""


@dataclass(frozen=True)
class Fault:
    """One thing that went wrong: what kind, in whose page and which frame, and what."""

    kind: Kind
    who: str
    url: str
    text: str

    def __str__(self) -> str:
        return f"[{self.who}] {self.url}: {self.text}"


@dataclass
class Faults:
    """Everything recorded so far, in the order it happened."""

    seen: list[Fault] = field(default_factory=list)
    pending: list[asyncio.Future[None]] = field(default_factory=list)  # pages being watched

    async def ready(self) -> None:
        """Wait until every page opened so far is fully watched."""
        while self.pending:
            await self.pending.pop()

    def add(self, kind: Kind, who: str, url: str, text: str) -> None:
        self.seen.append(Fault(kind, who, url, text))

    def take(self, kind: Kind | None = None, containing: str = "") -> list[Fault]:
        """Remove and return the faults (of that kind, whose text holds `containing`): those
        a test caused on purpose, such as the console error Chromium logs for a request the
        server refused (`take("console", "status of 401")`)."""
        taken = [f for f in self.seen if (kind is None or f.kind == kind) and containing in f.text]
        self.seen = [f for f in self.seen if f not in taken]
        return taken

    def report(self) -> str:
        """Every fault, grouped by kind; empty if there were none."""
        titles = {
            "csp": "Content-Security-Policy violations",
            "error": "uncaught errors",
            "console": "console errors",
        }
        parts = []
        for kind, title in titles.items():
            found = [f for f in self.seen if f.kind == kind]
            if found:
                parts.append(f"{title}:\n" + "\n".join(f"  {f}" for f in found))
        return "\n".join(parts)


def _violation(details: dict[str, Any]) -> str:
    directive = details.get("directive", "")
    blocked = details.get("blocked") or "inline"
    where = f" at {details['source']}:{details.get('line', 0)}" if details.get("source") else ""
    sample = f" ({details['sample']!r})" if details.get("sample") else ""
    report_only = " [report-only]" if details.get("disposition") == "report" else ""
    return f"{directive} blocked {blocked}{where}{sample}{report_only}"


async def watch_context(context: BrowserContext, who: str, faults: Faults) -> None:
    """Record the faults of every document any page of `context` loads, from now on (its
    pages opened later, by the test or by the page itself, included)."""

    def on_violation(source: dict[str, Any], details: dict[str, Any]) -> None:
        frame: Frame = source["frame"]
        faults.add("csp", who, frame.url, _violation(details))

    await context.expose_binding(BINDING, on_violation)
    await context.add_init_script(RECORDER)
    context.on("page", lambda page: watch_page(page, who, faults))


def watch_page(page: Page, who: str, faults: Faults) -> None:
    """Record `page`'s uncaught errors and console errors from now on, and the violations
    Chromium lists (once `faults.ready()`: that takes a round trip to the browser)."""

    def on_error(error: Error) -> None:
        text = f"{error.name}: {error.message}"
        if error.stack:
            text += "\n    " + error.stack.replace("\n", "\n    ")
        faults.add("error", who, page.url, text)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location
            url = location.get("url") or page.url
            if message.text.startswith(WORKER_MARK):
                faults.add("csp", who, url, message.text.removeprefix(WORKER_MARK))
            else:
                line = location.get("lineNumber")
                faults.add("console", who, url, f"{message.text} (line {line})")

    page.on("pageerror", on_error)
    page.on("console", on_console)
    page.on("worker", lambda worker: faults.pending.append(asyncio.ensure_future(_watch(worker))))
    faults.pending.append(asyncio.ensure_future(_watch_issues(page, who, faults)))


async def _watch(worker: Worker) -> None:
    """A worker's violations, from the moment this runs (one in its very first lines can be
    missed), said on its console, which reaches the page's as an error of kind "csp"."""
    with contextlib.suppress(Error):  # a worker that ended already
        await worker.evaluate(WORKER_RECORDER)


async def _watch_issues(page: Page, who: str, faults: Faults) -> None:
    def on_issue(event: dict[str, Any]) -> None:
        issue = event.get("issue", {})
        if issue.get("code") != "ContentSecurityPolicyIssue":
            return
        details = issue.get("details", {}).get("contentSecurityPolicyIssueDetails", {})
        location = details.get("sourceCodeLocation") or {}
        # kInlineViolation, kEvalViolation, kURLViolation, kTrustedTypesSinkViolation, …
        kind = str(details.get("contentSecurityPolicyViolationType", ""))
        blocked = details.get("blockedURL") or kind[1:].removesuffix("Violation").lower()
        report_only = ", report-only" if details.get("isReportOnly") else ""
        text = (
            f"{details.get('violatedDirective')} blocked {blocked}"
            f" (Chromium's issue list{report_only})"
        )
        faults.add("csp", who, location.get("url") or page.url, text)

    try:
        cdp = await page.context.new_cdp_session(page)
        cdp.on("Audits.issueAdded", on_issue)
        await cdp.send("Audits.enable")  # lists the issues the page already had, too
    except Error:
        if not page.is_closed():
            raise


async def settle(pages: list[Page], faults: Faults) -> None:
    """Let what the pages reported so far reach us: a round trip to each live frame, after
    which every event it sent before has been handled, and a moment for the issue list."""
    await faults.ready()
    for page in pages:
        if page.is_closed():
            continue
        for frame in page.frames:
            with contextlib.suppress(Error):
                await frame.evaluate("() => new Promise((done) => setTimeout(done, 0))")
    await asyncio.sleep(0.05)
