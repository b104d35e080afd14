"""Two people chat in the web client: what one writes the other sees at once; a message
written offline waits and goes once; a client that lost the server catches up; the sidebar
counts what is unread; the page of a long channel stays small; logout leaves nothing."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

import httpx
from playwright.async_api import Page, expect

from tests.browser import axe
from tests.browser.client import SIDEBAR, log_in, say, screenshot, signed_in
from tests.browser.pages import Pages
from tests.browser.team import API, Team, make_team, ok
from tests.e2e.server import ServerProcess


def message(page: Page, text: str):  # type: ignore[no-untyped-def]
    return page.locator("[data-testid=message]", has_text=text)


def composer(page: Page, channel: str):  # type: ignore[no-untyped-def]
    return page.get_by_role("textbox", name=f"Message #{channel}")


def sidebar_link(page: Page, name: str):  # type: ignore[no-untyped-def]
    return page.get_by_role("navigation", name=SIDEBAR).get_by_role(
        "link", name=re.compile(rf"^{re.escape(name)}\b")
    )


async def test_what_one_writes_the_other_sees_and_the_sidebar_counts_it(
    team: Team, pages: Pages
) -> None:
    ana = await signed_in(pages, team["ana"])
    bruno = await signed_in(pages, team["bruno"])

    await composer(ana, "general").fill("Hola, ¿qué tal el **diseño**?")
    await composer(ana, "general").press("Enter")
    await expect(message(ana, "Hola, ¿qué tal el diseño?")).to_be_visible()
    seen = message(bruno, "Hola, ¿qué tal el diseño?")
    await expect(seen).to_be_visible()
    await expect(seen.locator("strong")).to_have_text("diseño")  # the server's Markdown
    await expect(composer(ana, "general")).to_have_value("")

    # Shift+Enter is a new line, not a send
    await composer(bruno, "general").press_sequentially("Bien")
    await composer(bruno, "general").press("Shift+Enter")
    await composer(bruno, "general").press_sequentially("¿y tú?")
    await expect(composer(bruno, "general")).to_have_value("Bien\n¿y tú?")
    await composer(bruno, "general").press("Enter")
    await expect(message(ana, "¿y tú?")).to_be_visible()

    # in another channel: unread for Bruno, a mention counted apart
    await sidebar_link(ana, "diseño").click()
    await composer(ana, "diseño").fill(f"@{team['bruno'].username} mira esto")
    await composer(ana, "diseño").press("Enter")
    link = sidebar_link(bruno, "diseño")
    await expect(link).to_have_attribute("aria-label", re.compile("1 unread message, 1 mention"))
    await expect(link).to_have_class(re.compile("unread"))
    await link.click()
    await expect(message(bruno, "mira esto")).to_be_visible()
    await expect(bruno.get_by_test_id("new-messages")).to_be_visible()
    await expect(sidebar_link(bruno, "diseño")).not_to_have_class(re.compile("unread"))
    await screenshot(bruno, "client-channel")
    await axe.assert_accessible(bruno, "a channel")


async def test_a_message_written_offline_waits_and_is_sent_once_when_back(
    team: Team, pages: Pages, api: httpx.AsyncClient
) -> None:
    ana = await signed_in(pages, team["ana"])
    bruno = await signed_in(pages, team["bruno"])
    await ana.context.set_offline(True)
    await composer(ana, "general").fill("escrito sin red")
    await composer(ana, "general").press("Enter")
    pending = message(ana, "escrito sin red")
    await expect(pending).to_have_attribute("data-pending", re.compile("pending|waiting"))
    await expect(ana.get_by_role("status").filter(has_text="Connection lost")).to_be_visible()
    await asyncio.sleep(1.5)  # a retry or two fail meanwhile, with the same id
    await ana.context.set_offline(False)
    await expect(message(ana, "escrito sin red")).not_to_have_attribute(
        "data-pending", re.compile(".*")
    )
    await expect(message(bruno, "escrito sin red")).to_have_count(1)
    await expect(message(ana, "escrito sin red")).to_have_count(1)
    history = ok(
        await api.get(f"{API}/channels/{team.general}/messages", headers=team["ana"].headers)
    )
    assert [m["text"] for m in history["items"]].count("escrito sin red") == 1
    await pages.settle()
    # Chromium logs each request it could not make while offline: that is the test's doing
    pages.faults.take("console")


async def test_a_client_catches_up_after_the_server_restarts(
    own_server: Callable[..., ServerProcess], pages: Pages
) -> None:
    server = own_server()
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
        team = await make_team(http, "ana", "bruno")
        local = Pages(pages.browser, server.base)
        try:
            bruno = await signed_in(local, team["bruno"])
            await say(http, team["ana"], team.general, "antes del corte")
            await expect(message(bruno, "antes del corte")).to_be_visible()
            server.terminate()
            await expect(
                bruno.get_by_role("status").filter(has_text="Connection lost")
            ).to_be_visible()
            server.start()
            await say(http, team["ana"], team.general, "después del corte")
            await expect(message(bruno, "después del corte")).to_be_visible(timeout=20_000)
            await expect(
                bruno.get_by_role("status").filter(has_text="Connection lost")
            ).to_have_count(0)
            await expect(message(bruno, "antes del corte")).to_have_count(1)
            await expect(message(bruno, "después del corte")).to_have_count(1)
        finally:
            await local.settle()
            local.faults.take("console")  # requests refused while the server was down
            await local.finish()


async def test_a_long_channel_keeps_a_few_hundred_messages_in_the_page(
    team: Team, pages: Pages, api: httpx.AsyncClient
) -> None:
    ana = team["ana"]
    texts = [f"mensaje número {i:04d}" for i in range(700)]
    for start in range(0, len(texts), 50):
        await asyncio.gather(*(say(api, ana, team.general, t) for t in texts[start : start + 50]))
    page = await signed_in(pages, team["bruno"])
    await expect(message(page, "mensaje número 0699")).to_be_visible()
    log = page.get_by_role("log")
    most = 0
    for _ in range(60):
        await log.evaluate("el => { el.scrollTop = 0; el.dispatchEvent(new Event('scroll')); }")
        await page.wait_for_timeout(120)
        most = max(most, await page.locator("[data-testid=message]").count())
        if await message(page, "mensaje número 0000").count():
            break
    await expect(message(page, "mensaje número 0000")).to_be_visible()
    assert most <= 320, f"{most} messages in the page at once"
    await expect(page.get_by_text(re.compile("This is the very beginning"))).to_be_visible()
    await page.get_by_role("button", name=re.compile("Jump to present")).click()
    await expect(message(page, "mensaje número 0699")).to_be_visible()
    assert await page.locator("[data-testid=message]").count() <= 320


async def test_a_link_to_a_message_opens_it_highlighted_in_place(
    team: Team, pages: Pages, api: httpx.AsyncClient
) -> None:
    ana = team["ana"]
    for i in range(120):
        await say(api, ana, team.general, f"relleno {i}")
    target = await say(api, ana, team.general, "el mensaje enlazado")
    for i in range(120):
        await say(api, ana, team.general, f"después {i}")
    page = await signed_in(
        pages, team["bruno"], f"/w/{team.workspace_id}/{team.general}/{target['id']}"
    )
    linked = page.locator(f"[data-message-id='{target['id']}']")
    await expect(linked).to_be_in_viewport()
    await expect(linked).to_have_class(re.compile("focused"))


async def test_logout_leaves_nothing_of_the_person_behind(team: Team, pages: Pages) -> None:
    page = await signed_in(pages, team["ana"])
    await composer(page, "general").fill("algo privado")
    await composer(page, "general").press("Enter")
    await expect(message(page, "algo privado")).to_be_visible()
    await page.get_by_role("button", name="Your account: Ana").click()
    await page.get_by_role("button", name="Log out").click()
    await expect(page.get_by_role("heading", name="Log in to Tertulia")).to_be_visible()
    assert "algo privado" not in await page.content()
    stored = await page.evaluate(
        "() => ({ local: Object.keys(localStorage), session: Object.keys(sessionStorage),"
        " cookies: document.cookie })"
    )
    assert set(stored["local"]) <= {"tertulia.theme", "tertulia.language"}, stored
    assert stored["session"] == [], stored
    assert stored["cookies"] == "", stored
    cookies = await page.context.cookies()
    assert not [c for c in cookies if c["value"]], cookies  # the refresh cookie is gone too
    await page.reload()
    await expect(page.get_by_role("heading", name="Log in to Tertulia")).to_be_visible()
    await screenshot(page, "client-login")
    await axe.assert_accessible(page, "the login screen")
    await page.go_back()
    assert "algo privado" not in await page.content()


async def test_a_session_survives_a_reload_without_the_refresh_token_in_reach_of_scripts(
    team: Team, pages: Pages
) -> None:
    page = await signed_in(pages, team["ana"])
    await page.reload()
    await expect(page.get_by_role("navigation", name=SIDEBAR)).to_be_visible()
    readable = await page.evaluate("() => document.cookie + JSON.stringify({...localStorage})")
    tokens = [c for c in await page.context.cookies() if c["httpOnly"]]
    assert tokens, "the refresh token is an HttpOnly cookie"
    for cookie in tokens:
        assert cookie["value"] not in readable
        assert cookie["sameSite"] == "Strict"


async def test_someone_invited_registers_from_the_link_and_lands_in_the_workspace(
    team: Team, pages: Pages, api: httpx.AsyncClient
) -> None:
    invitation = ok(
        await api.post(
            f"{API}/workspaces/{team.workspace_id}/invitations",
            json={"max_uses": 1},
            headers=team["ana"].headers,
        ),
        201,
    )
    assert "/invite/" in invitation["url"]
    page = await pages.open("carla", locale="en-US")
    path = "/invite/" + invitation["url"].rsplit("/invite/", 1)[1]
    await page.goto(path)
    await expect(page.get_by_text(f"Ana invited you to join {team.workspace_name}")).to_be_visible()
    await page.get_by_role("button", name="New here? Create an account").click()
    await page.get_by_label("Full name").fill("Carla")
    await page.get_by_label("Username").fill(f"carla-{team.workspace_id[-6:].lower()}")
    await page.get_by_label("Email").fill(f"carla-{team.workspace_id[-6:].lower()}@example.com")
    await page.get_by_label("Password").fill("una-clave-larga-9")
    await page.get_by_role("button", name="Create account").click()
    await page.get_by_role("button", name=f"Join {team.workspace_name}").click()
    await expect(page.get_by_role("navigation", name=SIDEBAR)).to_be_visible()
    await expect(composer(page, "general")).to_be_visible()
    await screenshot(page, "client-invited")


async def test_the_keyboard_alone_writes_edits_and_moves_between_channels(
    team: Team, pages: Pages
) -> None:
    page = await signed_in(pages, team["ana"])
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="Skip to messages")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(composer(page, "general")).to_be_focused()
    await page.keyboard.type("primera versión")
    await page.keyboard.press("Enter")
    # sent (no longer pending): the server has it, and Up can edit it
    await expect(message(page, "primera versión")).not_to_have_attribute(
        "data-pending", re.compile(".*")
    )
    await page.keyboard.press("ArrowUp")  # the empty composer edits the last own message
    edit = page.get_by_role("textbox", name="Edit")
    await expect(edit).to_be_focused()
    await edit.fill("segunda versión")
    await edit.press("Enter")
    await expect(message(page, "segunda versión")).to_contain_text("(edited)")
    # the list reads like a feed: Up and Down move between messages, Tab reaches the actions
    await page.get_by_role("log").focus()
    await page.keyboard.press("ArrowUp")
    await expect(message(page, "segunda versión")).to_be_focused()
    await expect(
        message(page, "segunda versión").get_by_role("group", name="Message actions")
    ).to_be_visible()
    for _ in range(3):  # past the author's name, to the first action
        await page.keyboard.press("Tab")
        if await message(page, "segunda versión").locator("[data-action]:focus").count():
            break
    await expect(message(page, "segunda versión").locator("[data-action]:focus")).to_be_visible()
    await page.keyboard.press("Alt+ArrowDown")
    await expect(page.get_by_role("heading", name="#diseño")).to_be_visible()
    await page.keyboard.press("Alt+ArrowUp")
    await expect(page.get_by_role("heading", name="#general")).to_be_visible()


async def test_spanish_dark_and_a_phone_width_screen(team: Team, pages: Pages) -> None:
    page = await pages.open(
        team["ana"],
        "/",
        locale="es-ES",
        color_scheme="dark",
        viewport={"width": 390, "height": 800},
    )
    await page.get_by_label("Correo o nombre de usuario").fill(team["ana"].username)
    await page.get_by_label("Contraseña").fill(team["ana"].password)
    await page.get_by_role("button", name="Entrar").click()
    box = page.get_by_role("textbox", name="Escribe en #general")
    await expect(box).to_be_visible()
    await expect(page.get_by_role("navigation", name="Canales y mensajes directos")).to_be_hidden()
    await page.get_by_role("button", name="Canales y mensajes directos").click()
    sidebar = page.get_by_role("navigation", name="Canales y mensajes directos")
    await expect(sidebar).to_be_visible()
    await screenshot(page, "client-phone-dark")
    await axe.assert_accessible(page, "the sidebar on a phone, dark, in Spanish")
    await sidebar.get_by_role("link", name=re.compile("^diseño")).click()
    await expect(page.get_by_role("textbox", name="Escribe en #diseño")).to_be_visible()
    await expect(sidebar).to_be_hidden()


async def test_the_other_sees_who_is_typing_until_they_send(team: Team, pages: Pages) -> None:
    ana = await signed_in(pages, team["ana"])
    bruno = await signed_in(pages, team["bruno"])
    for page in (ana, bruno):  # both sockets connected: typing is ephemeral, never replayed
        await expect(page.locator("[data-connection=online]")).to_have_count(1)
    await composer(bruno, "general").press_sequentially("estoy escribiendo", delay=20)
    typing = ana.get_by_test_id("typing")
    await expect(typing).to_have_text("Bruno is typing…")
    await composer(bruno, "general").press("Enter")
    await expect(message(ana, "estoy escribiendo")).to_be_visible()
    await expect(typing).to_have_text("")


async def test_a_person_in_two_workspaces_switches_between_them(
    team: Team, pages: Pages, api: httpx.AsyncClient
) -> None:
    other = ok(
        await api.post(
            f"{API}/workspaces", json={"name": "Otro equipo"}, headers=team["ana"].headers
        ),
        201,
    )
    page = await signed_in(pages, team["ana"])
    switch = page.get_by_role("combobox", name="Switch workspace")
    await switch.select_option(label="Otro equipo")
    await expect(page).to_have_url(re.compile(f"/w/{other['id']}/"))
    await expect(composer(page, "general")).to_be_visible()
    await expect(sidebar_link(page, "diseño")).to_have_count(0)
    await switch.select_option(label=team.workspace_name)
    await expect(sidebar_link(page, "diseño")).to_be_visible()


async def test_the_access_token_is_renewed_before_it_expires(
    own_server: Callable[..., ServerProcess], pages: Pages
) -> None:
    server = own_server(TERTULIA_ACCESS_TOKEN_MINUTES="1")
    async with httpx.AsyncClient(base_url=server.base, timeout=30) as http:
        team = await make_team(http, "ana")
        local = Pages(pages.browser, server.base)
        try:
            page = await local.open(team["ana"], locale="en-US")
            async with page.expect_response("**/api/v1/auth/refresh", timeout=20_000) as renewed:
                await log_in(page, team["ana"])
            assert (await renewed.value).status == 200
            await composer(page, "general").fill("después de renovar")
            await composer(page, "general").press("Enter")
            await expect(message(page, "después de renovar")).not_to_have_attribute(
                "data-pending", re.compile(".*")
            )
        finally:
            await local.finish()
