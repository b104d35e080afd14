"""Search, the quick switcher and the composer's autocomplete in the web client: a word found
without its accent with the match highlighted, a click to the message in its place, the files
tab, the server's words for a query it cannot read, Ctrl+K to a channel and to a person's DM,
and an @-mention picked from the suggestions that reaches the person named. The search pane and
the switcher are scanned by axe."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.browser import axe
from tests.browser.client import SIDEBAR, refused, say, screenshot, signed_in
from tests.browser.pages import Pages
from tests.browser.team import API, Team, ok

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def search(page: Page, query: str) -> None:
    box = page.get_by_role("combobox", name="Search messages and files")
    await box.fill(query)
    await box.press("Enter")


async def test_a_word_typed_without_its_accent_is_found_highlighted_and_opens_in_place(
    team: Team, pages: Pages, api: httpx.AsyncClient
) -> None:
    """Bruno said "canción" in #diseño, long before the latest page; Ana searches "cancion",
    sees the hit under #diseño with the word highlighted (and the text around it as text, a
    tag in it included), and a click takes her to the message, highlighted in its channel."""
    bruno = team["bruno"]
    channel = team.channels["diseño"]
    target = await say(api, bruno, channel, "La canción nueva está en el drive <b>ya</b>")
    # the latest page holds 50: after these the message is out of sight
    await asyncio.gather(*(say(api, bruno, channel, f"relleno número {n}") for n in range(60)))
    ana = await signed_in(pages, team["ana"])

    box = ana.get_by_role("combobox", name="Search messages and files")
    await box.click()
    await box.fill("ha")  # hints for the operators, explained, as she types
    hints = ana.get_by_role("listbox", name="Search operators")
    await expect(hints.get_by_role("option", name=re.compile("has:file"))).to_contain_text(
        "messages with a file"
    )
    await box.press("ArrowDown")
    await expect(box).to_have_attribute("aria-activedescendant", re.compile("search-hint-0"))
    await box.press("Enter")
    await expect(box).to_have_value("has:file ")

    await search(ana, "relleno")  # 60 found, 20 at a time
    results = ana.get_by_role("complementary", name="Search: relleno")
    await expect(results.get_by_text("60 results")).to_be_visible()
    await expect(results.get_by_role("link", name=re.compile("Bruno"))).to_have_count(20)
    await results.get_by_role("button", name="More results").click()
    await expect(results.get_by_role("link", name=re.compile("Bruno"))).to_have_count(40)
    await expect(results.get_by_role("region")).to_have_count(1)  # one channel, one group

    await search(ana, "cancion")
    results = ana.get_by_role("complementary", name="Search: cancion")
    await expect(results.get_by_text("1 result")).to_be_visible()
    group = results.get_by_role("region", name="#diseño")
    hit = group.get_by_role("link", name=re.compile("Bruno"))
    await expect(hit.locator("mark")).to_have_text("canción")
    await expect(hit).to_contain_text("drive <b>ya</b>")  # the tag is text, not markup
    await expect(hit.locator("b")).to_have_count(0)
    await axe.assert_accessible(ana, "the search pane")
    await screenshot(ana, "search-pane")

    await hit.click()
    await expect(ana).to_have_url(re.compile(f"/w/{team.workspace_id}/{channel}/{target['id']}$"))
    await expect(ana.get_by_role("heading", name="#diseño", level=1)).to_be_visible()
    found = ana.locator(f"[data-message-id='{target['id']}']")
    await expect(found).to_be_in_viewport()
    await expect(found).to_be_focused()
    await expect(found).to_have_class(re.compile(r"\bfocused\b"))


async def test_files_are_searched_in_their_tab_and_a_bad_operator_gets_the_servers_words(
    team: Team, pages: Pages, api: httpx.AsyncClient
) -> None:
    """Ana finds the report Bruno shared in #diseño by a word of its name in the Files tab,
    with where it was shared; a query with an operator the server does not know shows the
    server's own explanation in the pane."""
    bruno = team["bruno"]
    uploaded = ok(
        await api.post(
            f"{API}/workspaces/{team.workspace_id}/files",
            files={"file": ("Informe_cuentas.txt", b"cuentas de noviembre\n", "text/plain")},
            headers=bruno.headers,
        ),
        201,
    )
    await say(api, bruno, team.channels["diseño"], "el informe", file_ids=[uploaded["id"]])
    ana = await signed_in(pages, team["ana"])

    await search(ana, "infor")
    results = ana.get_by_role("complementary", name="Search: infor")
    await results.get_by_role("tab", name="Files").click()
    await expect(results.get_by_role("tab", name="Files")).to_have_attribute(
        "aria-selected", "true"
    )
    panel = results.get_by_role("tabpanel", name="Files")
    await expect(panel.get_by_text("Informe_cuentas.txt")).to_be_visible()
    await expect(panel.get_by_role("link", name="Show in #diseño")).to_be_visible()
    await axe.assert_accessible(ana, "the files tab of the search pane")
    await screenshot(ana, "search-files")

    await search(ana, "to:@bruno hola")  # the tab chosen stays: files are asked, then messages
    results = ana.get_by_role("complementary", name="Search: to:@bruno hola")
    for tab in ("Files", "Messages"):
        await results.get_by_role("tab", name=tab).click()
        alert = results.get_by_role("tabpanel", name=tab).get_by_role("alert")
        await expect(alert).to_contain_text("to: is not an operator here")
        await expect(alert).to_contain_text("mentions:@user")
    await refused(pages, 400)


async def test_ctrl_k_goes_to_a_channel_and_to_a_persons_direct_messages(
    team: Team, pages: Pages
) -> None:
    """Ctrl+K opens the switcher on the keyboard's focus; "dise" and Enter go to #diseño; then
    "bru", down to Bruno and Enter open the DM with him, which joins the sidebar."""
    ana = await signed_in(pages, team["ana"])
    await expect(ana.get_by_role("heading", name="#general", level=1)).to_be_visible()

    await ana.keyboard.press("Control+k")
    dialog = ana.get_by_role("dialog", name="Jump to a channel or person")
    box = dialog.get_by_role("combobox", name="Channel or person")
    await expect(box).to_be_focused()
    await box.fill("dise")
    await expect(dialog.get_by_role("option", name=re.compile("#diseño"))).to_have_attribute(
        "aria-selected", "true"
    )
    await axe.assert_accessible(ana, "the quick switcher")
    await screenshot(ana, "search-switcher")
    await box.press("Enter")
    await expect(dialog).to_have_count(0)
    await expect(ana.get_by_role("heading", name="#diseño", level=1)).to_be_visible()
    await expect(ana.get_by_role("textbox", name="Message #diseño")).to_be_focused()

    await ana.keyboard.press("Control+k")
    box = ana.get_by_role("dialog").get_by_role("combobox")
    await box.fill("bru")
    bruno = ana.get_by_role("option", name=re.compile("Bruno"))
    await expect(bruno).to_be_visible()
    await box.press("ArrowDown")  # no channel matches "bru": Bruno is first; down wraps to him
    await expect(bruno).to_have_attribute("aria-selected", "true")
    await box.press("Enter")
    await expect(ana.get_by_role("heading", name="Bruno", level=1)).to_be_visible()
    sidebar = ana.get_by_role("navigation", name=SIDEBAR)
    await expect(sidebar.get_by_role("link", name=re.compile("^Bruno"))).to_have_attribute(
        "aria-current", "page"
    )

    await ana.keyboard.press("Control+k")  # Esc closes it, and the focus goes back
    await ana.get_by_role("dialog").get_by_role("combobox").press("Escape")
    await expect(ana.get_by_role("dialog")).to_have_count(0)
    await expect(ana.get_by_role("textbox", name="Message Bruno")).to_be_focused()


async def test_a_mention_picked_from_the_suggestions_reaches_the_person(
    team: Team, pages: Pages
) -> None:
    """Ana types "@bru" in #general: the suggestions list Bruno (the box points at the one
    picked); Enter puts his username in, ":tada" and Tab an emoji, Enter sends; Bruno, who
    is reading #diseño, sees #general call for him, and the message names him."""
    ana = await signed_in(pages, team["ana"])
    bruno = await signed_in(
        pages, team["bruno"], f"/w/{team.workspace_id}/{team.channels['diseño']}"
    )
    await expect(bruno.get_by_role("heading", name="#diseño", level=1)).to_be_visible()

    composer = ana.get_by_role("textbox", name="Message #general")
    await composer.click()
    await composer.press_sequentially("Hola @bru")
    people = ana.get_by_role("listbox", name="People to mention")
    option = people.get_by_role("option", name=re.compile("Bruno"))
    await expect(option).to_have_attribute("aria-selected", "true")
    option_id = await option.get_attribute("id")
    await expect(composer).to_have_attribute("aria-activedescendant", option_id or "")
    await axe.assert_accessible(ana, "the composer's suggestions")
    await screenshot(ana, "search-mention")
    await composer.press("Enter")
    await expect(people).to_have_count(0)
    await expect(composer).to_have_value(f"Hola @{team['bruno'].username} ")

    await composer.press_sequentially("mira :tad")
    await expect(
        ana.get_by_role("listbox", name="Emoji").get_by_role("option").first
    ).to_contain_text("🎉")
    await composer.press("Tab")
    await expect(composer).to_have_value(f"Hola @{team['bruno'].username} mira 🎉")
    await composer.press("Enter")
    await expect(composer).to_have_value("")

    general = bruno.get_by_role("navigation", name=SIDEBAR).get_by_role(
        "link", name=re.compile("^general")
    )
    await expect(general).to_have_accessible_name(re.compile("1 mention"))
    await general.click()
    said = bruno.get_by_role("article").filter(has_text="mira 🎉").last
    await expect(said).to_contain_text(f"@{team['bruno'].username}")
