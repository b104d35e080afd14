"""The browser tests' own machinery, on pages of its own (the client is not needed): that the
fault recorder catches what it must in any frame and fails the test, that axe finds what it
must under a strict policy, that teams and the server are as the fixtures say."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Browser, Page, Route, expect

from tests.browser import axe
from tests.browser.faults import Fault
from tests.browser.pages import Pages
from tests.browser.team import API, Team
from tests.e2e.server import ServerProcess

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# as strict as the client's will be: our own scripts and styles only
STRICT = "default-src 'none'; script-src 'self'; style-src 'self'; frame-src 'self'"
FRAMING = STRICT.replace("frame-src 'self'", "frame-src 'self' http://other-site.test")
OTHER_SITE = "http://other-site.test"  # a different site: its frame is another process


async def serve(page: Page, base: str, path: str, html: str, policy: str | None = STRICT) -> str:
    """Answer `base + path` in `page`'s context with `html` under `policy`; its URL."""

    async def fulfil(route: Route) -> None:
        headers = {"Content-Type": "text/html; charset=utf-8"}
        if policy is not None:
            headers["Content-Security-Policy"] = policy
        await route.fulfill(status=200, body=html, headers=headers)

    url = base + path
    await page.context.route(url, fulfil)
    return url


def document(body: str, title: str = "Prueba") -> str:
    return (
        f'<!doctype html><html lang="es"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body><main><h1>{title}</h1>{body}</main></body></html>"
    )


INLINE_SCRIPT = document('<script>document.title = "ran"</script>')


def texts(faults: list[object]) -> str:
    return "\n".join(map(str, faults))


async def test_swagger_ui_runs_under_its_policy_without_a_fault(pages: Pages) -> None:
    """/docs (Swagger UI, served under its own Content-Security-Policy) draws the API's
    operations with no violation, no uncaught error and no console error."""
    page = await pages.open("visitor", "/docs")
    await expect(page.get_by_role("heading", name=re.compile("Tertulia"))).to_be_visible()
    await expect(page.get_by_text("/api/v1/auth/login").first).to_be_visible()


async def test_an_inline_script_refused_by_the_policy_is_recorded(
    pages: Pages, server: ServerProcess
) -> None:
    """A page whose policy refuses its inline script: the script does not run, and the
    violation is recorded both by the page's event and by Chromium's issue list."""
    page = await pages.open("ana")
    url = await serve(page, server.base, "/harness/inline", INLINE_SCRIPT)
    await page.goto(url)
    assert await page.title() == "Prueba"
    await pages.settle()
    csp = texts(pages.faults.take("csp"))
    assert f"[ana] {url}: script-src-elem blocked inline at {url}:1" in csp
    assert f"[ana] {url}: script-src-elem blocked inline (Chromium's issue list)" in csp
    assert "Content Security Policy" in texts(pages.faults.take("console"))


async def test_an_inline_style_attribute_refused_by_the_policy_is_recorded(
    pages: Pages, server: ServerProcess
) -> None:
    """A `style` attribute, which `style-src 'self'` refuses: one of the violations a client
    makes most easily."""
    page = await pages.open("ana")
    html = document('<p style="color: red">rojo</p>')
    await page.goto(await serve(page, server.base, "/harness/style", html))
    await pages.settle()
    assert "style-src-attr blocked inline" in texts(pages.faults.take("csp"))
    pages.faults.take("console")


@pytest.mark.parametrize("origin", ["same", "other"])
async def test_a_violation_inside_a_frame_is_recorded(
    pages: Pages, server: ServerProcess, origin: str
) -> None:
    """A clean page holding a frame (of the same origin, or of another site, which Chromium
    runs in another process) whose script the frame's policy refuses: recorded, with the
    frame's address."""
    page = await pages.open("bruno")
    frame_base = server.base if origin == "same" else OTHER_SITE
    inner = await serve(page, frame_base, "/harness/inner", INLINE_SCRIPT)
    outer = document(f'<iframe src="{inner}" title="Marco"></iframe>')
    await page.goto(await serve(page, server.base, "/harness/outer", outer, FRAMING))
    frame = page.frame_locator("iframe")
    await expect(frame.get_by_role("heading", name="Prueba")).to_be_visible()
    await pages.settle()
    csp = pages.faults.take("csp")
    assert f"[bruno] {inner}: script-src-elem blocked inline at {inner}:1" in texts(csp)
    assert all(f.url != outer for f in csp), "only the frame broke its policy"
    pages.faults.take("console")


async def test_a_violation_of_a_second_tab_is_recorded(pages: Pages, server: ServerProcess) -> None:
    """A page opened by the page itself (a second tab) is watched as the first was."""
    page = await pages.open("ana")
    inline = await serve(page, server.base, "/harness/inline", INLINE_SCRIPT)
    opener = document(f'<a href="{inline}" target="_blank">abrir</a>')
    await page.goto(await serve(page, server.base, "/harness/opener", opener))
    async with page.context.expect_page() as opened:
        await page.get_by_role("link", name="abrir").click()
    await (await opened.value).wait_for_load_state()
    await pages.settle()
    assert f"{inline}: script-src-elem blocked inline at {inline}:1" in texts(
        pages.faults.take("csp")
    )
    pages.faults.take("console")


async def test_a_violation_inside_a_worker_is_recorded(pages: Pages, server: ServerProcess) -> None:
    """A worker whose own policy refuses what it fetches: recorded as a violation, though no
    script of the document runs in a worker."""
    page = await pages.open("ana")
    worker = (
        "setTimeout(() => fetch('http://other-site.test/datos').catch(() => {}), 300);"
        " setInterval(() => {}, 1000);"
    )
    scripts = {"main.js": "new Worker('/harness/worker.js');", "worker.js": worker}

    async def script(route: Route) -> None:
        name = route.request.url.rsplit("/", 1)[1]
        await route.fulfill(
            body=scripts[name],
            headers={"Content-Type": "text/javascript", "Content-Security-Policy": STRICT},
        )

    await page.context.route(f"{server.base}/harness/*.js", script)
    html = document('<script src="/harness/main.js"></script>')
    await page.goto(await serve(page, server.base, "/harness/worker", html))
    found: list[Fault] = []
    for _ in range(50):
        await pages.settle()
        found += pages.faults.take("csp", "blocked http://other-site.test/datos")
        if found:
            break
        await page.wait_for_timeout(100)
    assert [f.text for f in found] == [
        f"connect-src blocked http://other-site.test/datos at {server.base}/harness/worker.js:1"
    ]
    pages.faults.take("console")


async def test_uncaught_errors_and_console_errors_are_recorded(
    pages: Pages, server: ServerProcess
) -> None:
    """A thrown error, a rejected promise no one handles, and console.error: each recorded."""
    page = await pages.open("ana")
    html = document(
        "<script>console.error('algo falló'); Promise.reject(new Error('sin manejar'));"
        " throw new TypeError('roto');</script>"
    )
    await page.goto(await serve(page, server.base, "/harness/errors", html, policy=None))
    await pages.settle()
    errors = texts(pages.faults.take("error"))
    assert "TypeError: roto" in errors
    assert "sin manejar" in errors
    assert "algo falló" in texts(pages.faults.take("console"))
    assert pages.faults.seen == []


async def test_a_test_that_leaves_a_fault_fails(browser: Browser, server: ServerProcess) -> None:
    """The verdict at a test's end: a violation no one took out fails it, listing the
    violation; with none left, it passes."""
    pages = Pages(browser, server.base)
    page = await pages.open("ana")
    await page.goto(await serve(page, server.base, "/harness/inline", INLINE_SCRIPT))
    with pytest.raises(pytest.fail.Exception, match="script-src-elem blocked inline at"):
        await pages.finish()
    clean = Pages(browser, server.base)
    page = await clean.open("ana")
    await page.goto(await serve(page, server.base, "/harness/clean", document("<p>hola</p>")))
    await clean.finish()


async def test_people_have_browser_contexts_of_their_own(
    pages: Pages, team: Team, server: ServerProcess
) -> None:
    """Ana's cookies and storage are not Bruno's: two people can use the app side by side."""
    ana = await pages.open(team["ana"])
    bruno = await pages.open(team["bruno"])
    for page in (ana, bruno):
        await page.goto(await serve(page, server.base, "/harness/home", document("<p>hola</p>")))
    await ana.evaluate("() => localStorage.setItem('who', 'ana')")
    await ana.context.add_cookies([{"name": "who", "value": "ana", "url": ana.url}])
    assert await bruno.evaluate("() => localStorage.getItem('who')") is None
    assert await bruno.context.cookies() == []


async def test_axe_finds_serious_violations_under_a_strict_policy(
    pages: Pages, server: ServerProcess
) -> None:
    """A page with an unnamed button and an unlabelled field, under a policy that allows no
    injected script: axe runs all the same, fails naming both, and itself breaks no policy."""
    page = await pages.open("ana")
    html = document('<button type="button"></button><input type="text">')
    await page.goto(await serve(page, server.base, "/harness/unnamed", html))
    with pytest.raises(AssertionError) as failed:
        await axe.assert_accessible(page, "the unnamed page")
    message = str(failed.value)
    assert "on the unnamed page" in message
    assert "button-name (critical)" in message
    assert "label (critical)" in message


async def test_axe_scans_inside_frames(pages: Pages, server: ServerProcess) -> None:
    """An unnamed button inside a frame fails the page that holds it."""
    page = await pages.open("ana")
    inner = await serve(page, server.base, "/harness/inner", document("<button></button>"))
    outer = document(f'<iframe src="{inner}" title="Marco"></iframe>')
    await page.goto(await serve(page, server.base, "/harness/outer", outer))
    await expect(page.frame_locator("iframe").get_by_role("button")).to_be_attached()
    with pytest.raises(AssertionError, match=r"button-name \(critical\)"):
        await axe.assert_accessible(page, "a page with a frame")


async def test_axe_passes_an_accessible_page(pages: Pages, server: ServerProcess) -> None:
    """A page with named controls passes; the milder findings come back to look at."""
    page = await pages.open("ana")
    html = document(
        '<label>Mensaje <input type="text"></label><button type="button">Enviar</button>'
    )
    await page.goto(await serve(page, server.base, "/harness/named", html))
    milder = await axe.assert_accessible(page, "the named page")
    assert all(v["impact"] not in axe.FAILING for v in milder)
    assert await page.evaluate("() => window.axe.version") == axe.manifest()["version"]


def test_vendored_axe_is_what_the_manifest_lists() -> None:
    """Every vendored file is listed with its SHA-256, axe's own header names the listed
    version, and its licence is the MPL 2.0 the manifest says."""
    entry = axe.manifest()
    on_disk = {
        str(p.relative_to(axe.VENDOR))
        for p in axe.VENDOR.rglob("*")
        if p.is_file() and p != axe.MANIFEST
    }
    assert on_disk == set(entry["files"])
    for name, digest in entry["files"].items():
        assert axe.sha256(axe.VENDOR / name) == digest, name
    assert entry["licence"] == "MPL-2.0"
    assert (
        (axe.VENDOR / "axe-core/LICENSE")
        .read_text()
        .startswith("Mozilla Public License, version 2.0")
    )
    assert axe.source().startswith(f"/*! axe v{entry['version']}\n")


async def test_a_team_is_made_through_the_api(team: Team, api: httpx.AsyncClient) -> None:
    """Ana owns the workspace; she and Bruno are in #general and #diseño, and each one's
    token works."""
    ana, bruno = team["ana"], team["bruno"]
    assert ana.display_name == "Ana"
    assert set(team.channels) == {"general", "diseño"}
    for channel in team.channels.values():
        members = (await api.get(f"{API}/channels/{channel}/members", headers=bruno.headers)).json()
        assert {m["user"]["id"] for m in members["items"]} == {ana.id, bruno.id}
    me = (await api.get(f"{API}/users/me", headers=bruno.headers)).json()
    assert me["username"] == bruno.username
