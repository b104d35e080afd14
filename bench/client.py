"""The web client's budgets (issue 14), measured in a real Chromium on loopback.

    .venv/bin/python bench/client.py [--people 50] [--messages 5000] [--channel-messages 200]
                                     [--samples 20] [--only cold,switch,delivery,transfer,scroll]
                                     [--out PATH] [--self-check]

Starts `tertulia serve` on a fresh SQLite database (as tests/browser does: no rate limits, cheap
Argon2id), and seeds through the REST API a workspace of `--people` people, all in #tertulia
(`--messages` messages from all of them, Spanish and English chat with some Markdown) and in
#general, #diseño and #ventas (`--channel-messages` each). Then, in Debian's Chromium:

- cold: a logged-in person opens #tertulia's address with an empty cache: milliseconds from
  navigation start until the first message is painted (budget 1,000 ms);
- switch: a click on another channel in the sidebar until that channel's newest message is
  painted, round the four channels (budget p95 150 ms);
- delivery: Ana presses Enter in #tertulia's composer; milliseconds until Bruno's page shows the
  message, with the channel's other people connected as Python sockets (budget p95 150 ms);
  their sockets' latency is printed beside it;
- transfer: bytes of JavaScript and CSS a cold load transfers (budget 150 KB compressed). The
  server's own encoding is counted as sent; where it sends them uncompressed, the gzip size
  (level 9, as Starlette's GZipMiddleware sends) is computed here and reported as such;
- scroll: from the newest message of #tertulia up to its first, by mouse wheel: long tasks over
  100 ms while scrolling (budget none), and the most message elements in the page at once.

The only coupling with the client is the selectors and address just below; each measurement
that cannot find them says which one, and the others go on. `--self-check` runs the harness's
in-page instruments on pages of its own (no server, no client) and exits.

Prints the figures and writes bench/results/client.json.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import websockets
from playwright.async_api import Browser, BrowserContext, Page, async_playwright
from playwright.async_api import Error as PlaywrightError

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))
from tests.browser import chromium
from tests.browser.team import API, Team, make_team, ok, start_server
from tests.e2e.server import ServerProcess

from corpus import Corpus
from machine import describe, speed

ROOT = Path(__file__).parent.parent

# --- what the client must offer (the only coupling) -----------------------------------------
# one message as shown in a channel, pending or sent, carrying its id once the server has one
MESSAGE = "[data-testid=message]"
MESSAGE_WITH_ID = '[data-testid=message][data-message-id="{id}"]'
MESSAGE_LIST = "[role=log]"  # the scrolling list of the open channel's messages
CHANNEL_LINK = 'a[data-channel-id="{id}"]'  # a channel's link in the sidebar
COMPOSER = "#composer"  # the open channel's composer: a textarea, Enter sends
LOGIN_FIELD = "input[name=login]"  # the login form at /: username or email,
PASSWORD_FIELD = "input[name=password]"  # password,
LOGIN_SUBMIT = "form button[type=submit]"  # and its button
CHANNEL_PATH = "/w/{workspace}/{channel}"  # a channel's address in the client
# ----------------------------------------------------------------------------------------------

BUDGETS = {
    "cold_ms": 1000,
    "switch_p95_ms": 150,
    "delivery_p95_ms": 150,
    "js_css_compressed_bytes": 150_000,
    "long_tasks_over_100ms": 0,
}
BIG = "tertulia"
OTHERS = ("general", "diseño", "ventas")
# when what the client must show does not come: a page on loopback this slow is a finding
WAIT_MS = 30_000
SERVER = {
    "TERTULIA_LOG_LEVEL": "warning",
    "TERTULIA_ACCESS_TOKEN_MINUTES": "240",  # the Python sockets' tokens outlast the run
    "TERTULIA_OFFLINE_AFTER_SECONDS": "10",
}

# In every document: long tasks; when the first message is painted; and `when(selector,
# text)`, the wall-clock time (ms, this machine's clock, comparable across pages and with
# Python's) at which an element holding that text is first in the document.
INSTRUMENTS = """(() => {
  const MESSAGE = %s;
  const bench = (window.__bench = { longTasks: [], firstMessagePainted: null, enters: [] });
  bench.now = () => performance.timeOrigin + performance.now();
  const afterPaint = () =>
    new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries())
        bench.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: "longtask", buffered: true });
  } catch (e) {
    bench.longTasks = null; // not supported: reported as such, never as zero
  }
  const first = new MutationObserver(() => {
    if (document.querySelector(MESSAGE)) {
      first.disconnect();
      afterPaint().then(() => (bench.firstMessagePainted = performance.now()));
    }
  });
  first.observe(document, { childList: true, subtree: true });
  // when each Enter was pressed, as the browser stamped the event (not when we asked)
  addEventListener("keydown", (e) => {
    if (e.key === "Enter") bench.enters.push(performance.timeOrigin + e.timeStamp);
  }, true);
  const holds = (el, selector, text) => {
    if (!el) return false;
    const inside = el.closest(selector);
    if (inside && (!text || inside.textContent.includes(text))) return true;
    return [...el.querySelectorAll(selector)].some((m) => !text || m.textContent.includes(text));
  };
  bench.armed = new Map();
  // start watching for `selector` holding `text`; `bench.armed.get(key)` resolves with the time
  bench.arm = (key, selector, text) => {
    bench.armed.set(key, new Promise((resolve) => {
      const seen = () => afterPaint().then(() => resolve(bench.now()));
      if (holds(document.body, selector, text)) return seen();
      const watch = new MutationObserver((records) => {
        for (const r of records) {
          const nodes = [r.target, ...r.addedNodes];
          for (const n of nodes) {
            if (holds(n.nodeType === 1 ? n : n.parentElement, selector, text)) {
              watch.disconnect();
              return seen();
            }
          }
        }
      });
      watch.observe(document, { childList: true, subtree: true, characterData: true });
    }));
  };
  // click `link`, then the milliseconds until `until` is painted
  bench.switchTo = async (link, until) => {
    const a = document.querySelector(link);
    if (!a) throw new Error("no " + link);
    bench.arm("switch", until, "");
    const started = bench.now();
    a.click();
    return (await bench.armed.get("switch")) - started;
  };
})();"""


# seeding -----------------------------------------------------------------------------------------


@dataclass
class Seeded:
    team: Team
    people: list[str]  # names, in the order of team.people; Ana and Bruno first
    first: dict[str, str] = field(default_factory=dict)  # channel name -> oldest message's id
    last: dict[str, str] = field(default_factory=dict)  # channel name -> newest message's id
    seconds: float = 0.0


def text_of(corpus: Corpus, n: int, people: list[str], team: Team) -> str:
    """A chat line; now and then with Markdown, a mention, a list or a code block."""
    line = corpus.message()
    if n % 10 == 3:
        words = line.split()
        at = len(words) // 2
        line = " ".join([*words[:at], f"**{words[at]}**", *words[at + 1 :]])
    if n % 17 == 5:
        line = f"@{team[people[n % len(people)]].username} {line}"
    if n % 29 == 7:
        line += "\n\n- " + corpus.message() + "\n- " + corpus.message()
    if n % 41 == 11:
        line += "\n```\n" + corpus.identifier() + " = " + str(n) + "\n```"
    return line


async def seed(base: str, people: int, messages: int, per_channel: int) -> Seeded:
    """The workspace, its people and channels, and the messages, through the REST API."""
    started = time.perf_counter()
    names = ["ana", "bruno", *(f"persona{n:02d}" for n in range(2, people))][:people]
    corpus = Corpus(seed=14, users=people)
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        team = await make_team(http, *names, channels=(BIG, *OTHERS[1:]))
        seeded = Seeded(team, names)
        work = [(BIG, n) for n in range(messages)]
        work += [(name, n) for name in OTHERS for n in range(per_channel)]
        posted: dict[str, list[tuple[int, str]]] = {}
        queue = iter(work)
        rng = random.Random(14)

        async def poster() -> None:
            for channel, n in queue:
                author = team[names[rng.randrange(len(names))]]
                body = ok(
                    await http.post(
                        f"{API}/channels/{team.channels[channel]}/messages",
                        json={"text": text_of(corpus, n, names, team)},
                        headers=author.headers,
                    ),
                    201,
                )
                posted.setdefault(channel, []).append((body["seq"], body["id"]))

        await asyncio.gather(*(poster() for _ in range(8)))
    for channel, rows in posted.items():
        rows.sort()
        seeded.first[channel], seeded.last[channel] = rows[0][1], rows[-1][1]
    seeded.seconds = round(time.perf_counter() - started, 1)
    return seeded


# the browser -------------------------------------------------------------------------------------


class Missing(Exception):
    """What the client was to show did not come."""


@dataclass
class Harness:
    browser: Browser
    server: ServerProcess
    seeded: Seeded
    contexts: list[BrowserContext] = field(default_factory=list)

    def channel_url(self, name: str) -> str:
        team = self.seeded.team
        return self.server.base + CHANNEL_PATH.format(
            workspace=team.workspace_id, channel=team.channels[name]
        )

    async def new_page(self) -> Page:
        context = await self.browser.new_context(viewport={"width": 1280, "height": 800})
        context.set_default_timeout(WAIT_MS)
        await context.add_init_script(INSTRUMENTS % json.dumps(MESSAGE))
        self.contexts.append(context)
        return await context.new_page()

    async def logged_in(self, name: str, channel: str = BIG) -> Page:
        """A page where `name` logged in through the client's form, at `channel`."""
        person = self.seeded.team[name]
        page = await self.new_page()
        await page.goto(self.server.base + "/")
        await wait_for(page, LOGIN_FIELD)
        await page.fill(LOGIN_FIELD, person.username)
        await page.fill(PASSWORD_FIELD, person.password)
        await page.click(LOGIN_SUBMIT)
        try:
            await wait_for(page, CHANNEL_LINK.format(id=self.seeded.team.channels[channel]))
        except Missing as exc:
            said = await page.locator("[role=alert]").all_inner_texts()
            if said:
                raise Missing(f"{exc}; the page said: {' / '.join(said)}") from exc
            raise
        await page.goto(self.channel_url(channel))
        await wait_for(page, MESSAGE_WITH_ID.format(id=self.seeded.last[channel]))
        return page

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()


async def wait_for(page: Page, selector: str) -> None:
    try:
        await page.wait_for_selector(selector, state="attached")
    except PlaywrightError as exc:
        raise Missing(f"{selector} did not appear at {page.url} within {WAIT_MS} ms") from exc


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    pick = lambda p: ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]  # noqa: E731
    return {
        "samples": len(values),
        "p50_ms": round(pick(50), 1),
        "p95_ms": round(pick(95), 1),
        "max_ms": round(ordered[-1], 1),
    }


async def cold_cache(page: Page) -> None:
    """Forget every cached response: the next load fetches everything again."""
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Network.clearBrowserCache")
    await cdp.detach()


async def cold(h: Harness, samples: int) -> dict[str, Any]:
    """Navigation start to the first message painted, each load with an empty cache (the
    session resumed from the client's refresh cookie)."""
    page = await h.logged_in("ana")
    times, navigation = [], []
    for _ in range(samples):
        await cold_cache(page)
        await page.goto(h.channel_url(BIG))
        try:
            await page.wait_for_function("() => window.__bench.firstMessagePainted !== null")
        except PlaywrightError as exc:
            raise Missing(f"no {MESSAGE} painted at {page.url}") from exc
        times.append(await page.evaluate("() => window.__bench.firstMessagePainted"))
        navigation.append(
            await page.evaluate(
                """() => { const n = performance.getEntriesByType("navigation")[0];
                   return { response_end_ms: n.responseEnd, dom_content_loaded_ms:
                   n.domContentLoadedEventEnd, load_ms: n.loadEventEnd }; }"""
            )
        )
    figures = percentiles(times)
    figures["median_ms"] = round(statistics.median(times), 1)
    figures["navigation_median"] = {
        key: round(statistics.median(n[key] for n in navigation), 1) for key in navigation[0]
    }
    return figures


async def switch(h: Harness, samples: int) -> dict[str, Any]:
    """A click on a channel in the sidebar until its newest message is painted, going round
    the four channels; the first visit of each and the later ones are both counted."""
    page = await h.logged_in("ana")
    ring = [*OTHERS, BIG]
    times: dict[str, list[float]] = {}
    for n in range(samples):
        name = ring[n % len(ring)]
        link = CHANNEL_LINK.format(id=h.seeded.team.channels[name])
        until = MESSAGE_WITH_ID.format(id=h.seeded.last[name])
        await wait_for(page, link)
        try:
            ms = await asyncio.wait_for(
                page.evaluate("([l, u]) => window.__bench.switchTo(l, u)", [link, until]),
                WAIT_MS / 1000,
            )
        except TimeoutError as exc:
            raise Missing(f"{until} did not appear after a click on {link}") from exc
        times.setdefault("first visit" if n < len(ring) else "again", []).append(ms)
        await page.wait_for_timeout(100)
    every = [t for ts in times.values() for t in ts]
    return {**percentiles(every), "by_visit": {k: percentiles(v) for k, v in times.items()}}


MARK = re.compile(r"bench-(\d+)-[0-9a-f]{8}")


@dataclass
class Listeners:
    """The channel's other people, as sockets: when each bench message reached each one."""

    seen: dict[int, list[float]] = field(default_factory=dict)  # sample -> arrival, epoch ms
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    connected: int = 0

    async def start(self, ws_url: str, tokens: list[str]) -> None:
        ready = [asyncio.get_running_loop().create_future() for _ in tokens]
        self.tasks = [
            asyncio.create_task(self._listen(ws_url, t, r))
            for t, r in zip(tokens, ready, strict=True)
        ]
        await asyncio.wait_for(asyncio.gather(*ready), 60)
        self.connected = len(tokens)

    async def _listen(self, ws_url: str, token: str, ready: asyncio.Future[None]) -> None:
        async with websockets.connect(ws_url, max_size=None) as socket:
            await socket.send(json.dumps({"type": "auth", "token": token}))
            hello = json.loads(await socket.recv())
            if hello.get("type") != "hello":
                ready.set_exception(RuntimeError(f"socket not accepted: {hello}"))
                return
            ready.set_result(None)
            async for frame in socket:
                text = frame if isinstance(frame, str) else frame.decode()
                found = MARK.search(text)
                if found and '"message.created"' in text:
                    self.seen.setdefault(int(found[1]), []).append(time.time() * 1000)

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def delivery(h: Harness, samples: int) -> dict[str, Any]:
    """Ana presses Enter; milliseconds until Bruno's page paints the message. The other
    people of the channel are connected as sockets, so the server fans out to all of them."""
    ana = await h.logged_in("ana")
    bruno = await h.logged_in("bruno")
    listeners = Listeners()
    others = [h.seeded.team[name].token for name in h.seeded.people[2:]]
    await listeners.start(h.server.ws_url, others)
    shown, sockets = [], []
    try:
        await wait_for(ana, COMPOSER)
        for n in range(samples):
            text = f"bench-{n}-{uuid.uuid4().hex[:8]} ¿llega?"
            await bruno.evaluate(
                "([k, s, t]) => window.__bench.arm(k, s, t)", [text, MESSAGE, text]
            )
            await ana.fill(COMPOSER, text)
            await ana.press(COMPOSER, "Enter")
            try:
                at = await asyncio.wait_for(
                    bruno.evaluate("(k) => window.__bench.armed.get(k)", text), WAIT_MS / 1000
                )
            except TimeoutError as exc:
                raise Missing(f"Bruno's page never showed {text!r} in a {MESSAGE}") from exc
            pressed = (await ana.evaluate("() => window.__bench.enters"))[-1]
            shown.append(at - pressed)
            await asyncio.sleep(0.3)  # the sockets' copies arrive; the next is not queued
            sockets.extend(t - pressed for t in listeners.seen.get(n, []))
    finally:
        await listeners.stop()
    return {
        **percentiles(shown),
        "people_in_channel": len(h.seeded.people),
        "sockets": {**percentiles(sockets), "connected": listeners.connected}
        if sockets
        else {"connected": listeners.connected, "received": 0},
    }


async def transfer(h: Harness) -> dict[str, Any]:
    """Bytes of script and style a cold load of the channel fetches, as sent and gzipped."""
    page = await h.logged_in("ana")
    finished: list[Any] = []
    page.on("requestfinished", lambda request: finished.append(request))
    await cold_cache(page)
    await page.goto(h.channel_url(BIG))
    await page.wait_for_function("() => window.__bench.firstMessagePainted !== null")
    await page.wait_for_load_state("networkidle")
    files = []
    for request in finished:
        path = request.url.split("?", 1)[0]
        # a module preloaded (<link rel=modulepreload>) is not always typed "script"
        if request.resource_type not in ("script", "stylesheet") and not path.endswith(
            (".js", ".mjs", ".css")
        ):
            continue
        response = await request.response()
        if response is None:
            continue
        body = await response.body()
        sizes = await request.sizes()
        files.append(
            {
                "url": request.url.removeprefix(h.server.base),
                "type": "stylesheet" if path.endswith(".css") else "script",
                "encoding": response.headers.get("content-encoding", "identity"),
                "sent_bytes": sizes["responseBodySize"],
                "bytes": len(body),
                "gzip_bytes": len(gzip.compress(body, 9)),
            }
        )
    compressed = all(f["encoding"] != "identity" for f in files) and bool(files)
    total = {key: sum(f[key] for f in files) for key in ("sent_bytes", "bytes", "gzip_bytes")}
    return {
        "files": len(files),
        "server_compresses": compressed,
        **total,
        # what the budget compares: what was sent, where the server compresses; else gzip's
        "compressed_bytes": total["sent_bytes"] if compressed else total["gzip_bytes"],
        "by_file": sorted(files, key=lambda f: -f["bytes"]),
    }


async def scroll(h: Harness, seconds: float) -> dict[str, Any]:
    """By mouse wheel from #tertulia's newest message to its first: long tasks meanwhile,
    and the most message elements in the page at once."""
    page = await h.logged_in("ana")
    await wait_for(page, MESSAGE_LIST)
    box = await page.locator(MESSAGE_LIST).first.bounding_box()
    if box is None:
        raise Missing(f"{MESSAGE_LIST} is not visible")
    await page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    oldest = MESSAGE_WITH_ID.format(id=h.seeded.first[BIG])
    started_at = await page.evaluate("() => performance.now()")
    started = time.perf_counter()
    most, wheels = 0, 0
    while time.perf_counter() - started < seconds:
        await page.mouse.wheel(0, -1500)
        wheels += 1
        await page.wait_for_timeout(30)
        if wheels % 10 == 0:
            most = max(most, await page.locator(MESSAGE).count())
            if await page.locator(oldest).count():
                break
    reached = bool(await page.locator(oldest).count())
    took = time.perf_counter() - started
    tasks = await page.evaluate(
        "(t0) => window.__bench.longTasks && window.__bench.longTasks.filter(e => e.start >= t0)",
        started_at,
    )
    figures: dict[str, Any] = {
        "reached_first_message": reached,
        "seconds": round(took, 1),
        "wheel_turns": wheels,
        "most_message_elements": max(most, await page.locator(MESSAGE).count()),
    }
    if tasks is None:
        figures["long_tasks"] = "not supported by this browser"
        return figures
    durations = [t["duration"] for t in tasks]
    figures.update(
        long_tasks_over_50ms=len(durations),
        long_tasks_over_100ms=sum(d > 100 for d in durations),
        longest_task_ms=round(max(durations, default=0), 1),
    )
    return figures


# the run -----------------------------------------------------------------------------------------

MEASURES = ("cold", "switch", "delivery", "transfer", "scroll")


async def measure_all(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "budgets": BUDGETS,
        "selectors": {
            "MESSAGE": MESSAGE,
            "MESSAGE_WITH_ID": MESSAGE_WITH_ID,
            "MESSAGE_LIST": MESSAGE_LIST,
            "CHANNEL_LINK": CHANNEL_LINK,
            "COMPOSER": COMPOSER,
            "LOGIN": [LOGIN_FIELD, PASSWORD_FIELD, LOGIN_SUBMIT],
            "CHANNEL_PATH": CHANNEL_PATH,
        },
        "machine": {"before": speed()},
    }
    print(describe(results["machine"]["before"]), flush=True)
    path = chromium.executable()
    if path is None:
        raise SystemExit("no chromium on PATH: `make chromium` installs it")
    server = start_server(workdir / "server", **SERVER)
    try:
        seeded = await seed(server.base, args.people, args.messages, args.channel_messages)
        results["seed"] = {
            "people": args.people,
            "messages": {BIG: args.messages, **dict.fromkeys(OTHERS, args.channel_messages)},
            "seconds": seeded.seconds,
        }
        print(
            f"seeded {args.people} people, {args.messages:,} messages in #{BIG} and"
            f" {args.channel_messages} in each of {', '.join('#' + o for o in OTHERS)}"
            f" in {seeded.seconds} s",
            flush=True,
        )
        async with async_playwright() as playwright:
            browser = await chromium.launch(playwright, path)
            results["chromium"] = browser.version
            runs: dict[str, Callable[[Harness], Awaitable[dict[str, Any]]]] = {
                "cold": lambda h: cold(h, args.samples),
                "switch": lambda h: switch(h, args.samples),
                "delivery": lambda h: delivery(h, args.samples),
                "transfer": transfer,
                "scroll": lambda h: scroll(h, args.scroll_seconds),
            }
            probe = Harness(browser, server, seeded)
            try:
                await probe.logged_in("ana")
                unusable = None
            except (Missing, PlaywrightError) as exc:
                first_line = str(exc).splitlines()[0]
                unusable = f"could not log in through the client and open #{BIG}: {first_line}"
                print(unusable, flush=True)
            finally:
                await probe.close()
            for name in args.only if unusable is None else ():
                harness = Harness(browser, server, seeded)
                try:
                    results[name] = await runs[name](harness)
                except Missing as exc:
                    results[name] = {"error": f"the client did not show it: {exc}"}
                except PlaywrightError as exc:  # a selector to fill or click was not there
                    first_lines = "\n".join(str(exc).splitlines()[:3])
                    results[name] = {"error": f"the client did not offer it: {first_lines}"}
                finally:
                    await harness.close()
                print(f"{name}: {json.dumps(results[name], ensure_ascii=False)[:300]}", flush=True)
            if unusable is not None:
                results.update((name, {"error": unusable}) for name in args.only)
            await browser.close()
    finally:
        server.terminate()
    results["machine"]["after"] = speed()
    return results


def verdict(figure: float | None, budget: float) -> str:
    if figure is None:
        return "not measured"
    return "within budget" if figure <= budget else "OVER BUDGET"


def report(results: dict[str, Any]) -> None:
    print()
    rows = []
    if "cold" in results:
        c = results["cold"]
        rows.append(("first channel painted, cold", c, "median_ms", "cold_ms"))
    if "switch" in results:
        rows.append(("channel switch", results["switch"], "p95_ms", "switch_p95_ms"))
    if "delivery" in results:
        rows.append(("sent → shown in another", results["delivery"], "p95_ms", "delivery_p95_ms"))
    for title, figures, key, budget in rows:
        if "error" in figures:
            print(f"{title}: {figures['error']}")
            continue
        print(
            f"{title}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, max"
            f" {figures['max_ms']} ms ({figures['samples']} samples; budget"
            f" {BUDGETS[budget]} ms on the {key.removesuffix('_ms')}:"
            f" {verdict(figures.get(key), BUDGETS[budget])})"
        )
    if "delivery" in results and "sockets" in results["delivery"]:
        s = results["delivery"]["sockets"]
        if "p95_ms" in s:
            print(
                f"  the channel's {s['connected']} Python sockets: p50 {s['p50_ms']} ms,"
                f" p95 {s['p95_ms']} ms"
            )
    if "transfer" in results:
        t = results["transfer"]
        if "error" in t:
            print(f"JavaScript + CSS: {t['error']}")
        else:
            how = (
                "as the server sent them"
                if t["server_compresses"]
                else "gzipped here: the server sends them uncompressed"
            )
            print(
                f"JavaScript + CSS: {t['files']} files, {t['bytes']:,} bytes,"
                f" {t['compressed_bytes']:,} compressed ({how}; budget"
                f" {BUDGETS['js_css_compressed_bytes']:,}:"
                f" {verdict(t['compressed_bytes'], BUDGETS['js_css_compressed_bytes'])})"
            )
    if "scroll" in results:
        s = results["scroll"]
        if "error" in s:
            print(f"scrolling back: {s['error']}")
        else:
            reached = "reached" if s["reached_first_message"] else "did NOT reach"
            print(
                f"scrolling back {results['seed']['messages'][BIG]:,} messages: {reached} the first"
                f" in {s['seconds']} s; long tasks over 100 ms: {s.get('long_tasks_over_100ms')}"
                f" (longest {s.get('longest_task_ms')} ms;"
                f" {verdict(s.get('long_tasks_over_100ms'), 0)}); at most"
                f" {s['most_message_elements']} message elements in the page"
            )
    for moment in ("before", "after"):
        print(f"{describe(results['machine'][moment])}, {moment} the run")


# the harness's own check -------------------------------------------------------------------------


async def self_check() -> None:
    """The in-page instruments on pages of their own: the first message painted, an element
    awaited by its text across two pages, a click's switch time, long tasks, and Enter's
    time stamp. Raises AssertionError if any is wrong."""
    path = chromium.executable()
    if path is None:
        raise SystemExit("no chromium on PATH: `make chromium` installs it")
    page_html = """<!doctype html><html lang="es"><title>check</title><body>
      <a data-channel-id="c2" href="#">otro</a><div role="log"></div><textarea id="composer">
      </textarea><script src="/check.js"></script></body></html>"""
    script = """
      const log = document.querySelector("[role=log]");
      const add = (id, text) => { const m = document.createElement("article");
        m.dataset.testid = "message"; m.dataset.messageId = id; m.textContent = text;
        log.append(m); };
      setTimeout(() => add("m1", "hola"), 200);
      document.querySelector("a").addEventListener("click", (e) => { e.preventDefault();
        setTimeout(() => add("m2", "otro canal"), 50); });
      window.later = (text) => setTimeout(() => add("m3", text), 80);
      window.block = (ms) => setTimeout(() => {
        const end = performance.now() + ms; while (performance.now() < end); }, 0);
    """
    async with async_playwright() as playwright:
        browser = await chromium.launch(playwright, path)
        context = await browser.new_context()
        await context.add_init_script(INSTRUMENTS % json.dumps(MESSAGE))

        async def fulfil(route: Any) -> None:
            if route.request.url.endswith("/check.js"):
                await route.fulfill(body=script, content_type="text/javascript")
            else:
                await route.fulfill(body=page_html, content_type="text/html")

        await context.route("http://check.test/**", fulfil)
        a, b = await context.new_page(), await context.new_page()
        for page in (a, b):
            await page.goto("http://check.test/")
        await a.wait_for_function("() => window.__bench.firstMessagePainted !== null")
        first = await a.evaluate("() => window.__bench.firstMessagePainted")
        assert 200 <= first < 2000, first
        switched = await a.evaluate(
            "([l, u]) => window.__bench.switchTo(l, u)",
            [CHANNEL_LINK.format(id="c2"), MESSAGE_WITH_ID.format(id="m2")],
        )
        assert 50 <= switched < 1000, switched
        await b.evaluate("([k, s, t]) => window.__bench.arm(k, s, t)", ["x", MESSAGE, "¿llega?"])
        await a.press(COMPOSER, "Enter")
        pressed = (await a.evaluate("() => window.__bench.enters"))[-1]
        await b.evaluate("() => window.later('¿llega?')")
        shown = await b.evaluate("() => window.__bench.armed.get('x')")
        assert 80 <= shown - pressed < 2000, shown - pressed
        await a.evaluate("() => window.block(150)")  # a task of the page's own
        await a.wait_for_timeout(400)
        tasks = await a.evaluate("() => window.__bench.longTasks")
        assert any(t["duration"] >= 150 for t in tasks), tasks
        await browser.close()
    print(
        f"self-check: first message painted at {first:.0f} ms, switch {switched:.0f} ms,"
        f" Enter to shown elsewhere {shown - pressed:.0f} ms, a 150 ms task recorded: all as made"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--messages", type=int, default=5000, help=f"in #{BIG}")
    parser.add_argument("--channel-messages", type=int, default=200, help="in each other one")
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--scroll-seconds", type=float, default=180, help="at most")
    parser.add_argument(
        "--only",
        type=lambda s: [m.strip() for m in s.split(",") if m.strip()],
        default=list(MEASURES),
        help="some of: " + ",".join(MEASURES),
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "client.json")
    parser.add_argument("--self-check", action="store_true", help="the instruments only")
    args = parser.parse_args()
    if args.self_check:
        asyncio.run(self_check())
        return
    unknown = set(args.only) - set(MEASURES)
    if unknown:
        parser.error(f"unknown measures: {', '.join(sorted(unknown))}")
    if args.people < 2:
        parser.error("Ana and Bruno at least")
    with tempfile.TemporaryDirectory(prefix="tertulia-client-") as tmp:
        results = asyncio.run(measure_all(args, Path(tmp)))
    report(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
