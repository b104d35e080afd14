"""Threads, reactions and pins in the web client, two people in two browsers: a reply in a
thread shows live in the other's open thread and in the count under the root, a reply also
sent to the channel shows there, followed threads list their unread replies; a reaction
picked with the keyboard shows to the other with who made it; a pinned message is marked, is
listed in the channel's pins, and a click there brings it back into view. The thread pane,
the threads list, the emoji picker and the pins pane are scanned by axe."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest
from playwright.async_api import Locator, Page, expect

from tests.browser import axe
from tests.browser.client import say, screenshot, signed_in
from tests.browser.pages import Pages
from tests.browser.team import API, Team, ok

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def message(where: Page | Locator, text: str) -> Locator:
    """The message (an article) showing `text`."""
    return where.get_by_role("article").filter(has_text=text)


async def act(page: Page, item: Locator, action: str) -> None:
    """Click an action of a message's toolbar (it shows while the message is pointed at)."""
    await item.hover()
    await (
        item.get_by_role("group", name="Message actions").get_by_role("button", name=action).click()
    )


def pane(page: Page, title: str | re.Pattern[str]) -> Locator:
    return page.get_by_role("complementary", name=title)


async def test_a_reply_in_a_thread_shows_live_and_followed_threads_count_unread_replies(
    team: Team, pages: Pages, api: httpx.AsyncClient
) -> None:
    """Ana asks in #general and opens its thread; Bruno replies there: Ana sees the reply in
    her open thread and "1 reply" under her question at once. His reply also sent to the
    channel shows in the channel. With her thread closed, a new reply makes her followed
    threads say one thread has unread replies; opening it from there reads it."""
    ana = await signed_in(pages, team["ana"])
    bruno = await signed_in(pages, team["bruno"])
    composer = ana.get_by_role("textbox", name="Message #general")
    await composer.fill("¿Quién trae el proyector?")
    await composer.press("Enter")
    question = message(ana.get_by_role("main"), "¿Quién trae el proyector?")
    await expect(question).to_be_visible()

    await act(ana, question, "Reply in thread")
    ana_thread = pane(ana, "Thread")
    await expect(ana_thread.get_by_text("No replies yet.")).to_be_visible()
    await expect(ana_thread.get_by_role("heading", name="Thread")).to_be_focused()

    await act(
        bruno, message(bruno.get_by_role("main"), "¿Quién trae el proyector?"), "Reply in thread"
    )
    bruno_thread = pane(bruno, "Thread")
    reply = bruno_thread.get_by_role("textbox", name="Reply to Ana")
    await reply.fill("Yo lo llevo")
    await reply.press("Enter")

    await expect(
        ana_thread.get_by_role("log", name="Replies").get_by_text("Yo lo llevo")
    ).to_be_visible()
    summary = question.get_by_role("button", name=re.compile("^1 reply, from Bruno"))
    await expect(summary).to_be_visible()
    await expect(ana.get_by_role("main").get_by_text("Yo lo llevo")).to_have_count(
        0
    )  # in the thread only
    # replying followed the thread for Bruno
    await expect(bruno_thread.get_by_role("button", name="Follow thread")).to_have_attribute(
        "aria-pressed", "true"
    )
    await axe.assert_accessible(ana, "the thread pane")
    await screenshot(ana, "threads-thread")

    await reply.fill("Y el cable HDMI")
    await bruno_thread.get_by_label("Also send to the channel").check()
    await reply.press("Enter")
    in_channel = message(ana.get_by_role("main"), "Y el cable HDMI")
    await expect(in_channel).to_be_visible()
    await expect(in_channel.get_by_role("button", name="Replied to a thread")).to_be_visible()
    await expect(
        ana_thread.get_by_role("log", name="Replies").get_by_role("article")
    ).to_have_count(2)
    await expect(question.get_by_role("button", name=re.compile("^2 replies"))).to_be_visible()

    # her thread closed, a reply comes: her followed threads count it
    await ana.keyboard.press("Escape")
    await expect(ana_thread).to_have_count(0)
    threads_button = ana.get_by_role("button", name=re.compile("^Followed threads"))
    await expect(threads_button).to_have_accessible_name("Followed threads")
    root_id = await question.get_attribute("data-message-id")
    await say(api, team["bruno"], team.general, "Lo dejo en recepción", thread_root_id=root_id)
    await expect(threads_button).to_have_accessible_name("Followed threads, 1 with unread replies")
    await threads_button.click()
    listing = pane(ana, "Followed threads").get_by_role("list", name="Threads you follow")
    item = listing.get_by_role("button", name=re.compile("¿Quién trae el proyector?"))
    await expect(item).to_contain_text("3 replies")
    await expect(item).to_contain_text("1 unread reply")
    await axe.assert_accessible(ana, "the followed threads pane")
    await screenshot(ana, "threads-followed")

    await item.click()
    await expect(ana_thread.get_by_text("Lo dejo en recepción")).to_be_visible()
    await expect(threads_button).to_have_accessible_name("Followed threads")  # read now
    # unfollowing takes it off her list
    await ana_thread.get_by_role("button", name="Follow thread").click()
    await expect(ana_thread.get_by_role("button", name="Follow thread")).to_have_attribute(
        "aria-pressed", "false"
    )
    await ana_thread.get_by_role("button", name="All followed threads").click()
    await expect(
        pane(ana, "Followed threads").get_by_text("You follow no threads yet.", exact=False)
    ).to_be_visible()


async def test_a_reaction_picked_with_the_keyboard_shows_to_the_other_with_who_reacted(
    team: Team, pages: Pages, api: httpx.AsyncClient
) -> None:
    """Bruno opens the emoji picker on Ana's message, moves with the arrow keys and picks
    with Enter: both see the reaction, pressed for him, with his name for her; her click adds
    hers to it; Esc closes the picker and gives the focus back; her later edit keeps them."""
    report = await say(api, team["ana"], team.general, "Terminé el informe")
    ana = await signed_in(pages, team["ana"])
    bruno = await signed_in(pages, team["bruno"])
    his = message(bruno.get_by_role("main"), "Terminé el informe")
    hers = message(ana.get_by_role("main"), "Terminé el informe")

    await act(bruno, his, "Add reaction")
    picker = bruno.get_by_role("dialog", name="Choose a reaction")
    await expect(picker.get_by_role("searchbox", name="Find an emoji")).to_be_focused()
    await expect(picker.get_by_role("button", name="thumbs up")).to_be_visible()
    await axe.assert_accessible(bruno, "the emoji picker")
    await screenshot(bruno, "threads-picker")
    await bruno.keyboard.press("ArrowDown")
    await expect(picker.get_by_role("button", name="thumbs up")).to_be_focused()
    await bruno.keyboard.press("ArrowRight")
    await bruno.keyboard.press("ArrowRight")
    await expect(picker.get_by_role("button", name="red heart")).to_be_focused()
    await bruno.keyboard.press("Enter")
    await expect(picker).to_have_count(0)

    mine = his.get_by_role("button", name="red heart, 1 reaction: You")
    await expect(mine).to_have_attribute("aria-pressed", "true")
    theirs = hers.get_by_role("button", name="red heart, 1 reaction: Bruno")
    await expect(theirs).to_have_attribute("aria-pressed", "false")
    await expect(theirs).to_have_attribute("title", "Reacted with red heart: Bruno")
    await expect(theirs).to_contain_text("1")

    await theirs.click()
    await expect(
        hers.get_by_role("button", name="red heart, 2 reactions: You and Bruno")
    ).to_have_attribute("aria-pressed", "true")
    await expect(
        his.get_by_role("button", name="red heart, 2 reactions: You and Ana")
    ).to_be_visible()

    # filtering (in Spanish too), and Esc closes without reacting, focus back on the message
    await his.get_by_role("button", name="Add reaction").last.click()
    await picker.get_by_role("searchbox").fill("cohete")
    await expect(picker.get_by_role("button")).to_have_count(1)
    await expect(picker.get_by_role("button", name="rocket")).to_be_visible()
    await bruno.keyboard.press("Escape")
    await expect(picker).to_have_count(0)
    await expect(his.get_by_role("button", name="Add reaction").last).to_be_focused()
    await expect(his.get_by_role("group", name="Reactions").get_by_role("button")).to_have_count(2)

    # Ana edits her message: the edit reaches Bruno, and the reactions stay with it
    ok(
        await api.patch(
            f"{API}/messages/{report['id']}",
            json={"text": "Terminé el informe final", "version": report["version"]},
            headers=team["ana"].headers,
        )
    )
    await expect(his.get_by_text("Terminé el informe final")).to_be_visible()
    await expect(
        his.get_by_role("button", name="red heart, 2 reactions: You and Ana")
    ).to_be_visible()


async def test_a_pinned_message_is_marked_listed_and_a_jump_brings_it_into_view(
    team: Team, pages: Pages, api: httpx.AsyncClient
) -> None:
    """Ana pins an old message: Bruno sees it marked pinned by her; the channel's pins pane
    lists it, and a click there brings it, highlighted and focused, back into view far up
    the channel's history."""
    old = await say(api, team["ana"], team.general, "La clave del wifi está en la nevera")
    # more than a page after it: the pinned one is far up the history
    await asyncio.gather(*(say(api, team["bruno"], team.general, f"Charla {n}") for n in range(60)))
    ana = await signed_in(pages, team["ana"], f"/w/{team.workspace_id}/{team.general}/{old['id']}")
    bruno = await signed_in(pages, team["bruno"])
    pinned = message(ana.get_by_role("main"), "La clave del wifi")
    await act(ana, pinned, "Pin to channel")
    await expect(pinned.get_by_text("Pinned by Ana")).to_be_visible()
    await pinned.hover()
    await expect(pinned.get_by_role("button", name="Unpin from channel")).to_be_visible()

    await expect(message(bruno.get_by_role("main"), "Charla").last).to_be_visible()
    await expect(message(bruno.get_by_role("main"), "La clave del wifi")).to_have_count(0)
    await bruno.get_by_role("main").get_by_role("button", name="Pinned messages").click()
    pins = pane(bruno, "Pinned in #general").get_by_role("list", name="Pinned messages of #general")
    jump = pins.get_by_role(
        "button", name=re.compile(r"^Ana\b.*La clave del wifi está en la nevera$")
    )
    await expect(jump).to_be_visible()
    await axe.assert_accessible(bruno, "the pins pane")
    await screenshot(bruno, "threads-pins")

    await jump.click()
    await expect(bruno).to_have_url(re.compile(f"/{team.general}/{old['id']}$"))
    shown = message(bruno.get_by_role("main"), "La clave del wifi")
    await expect(shown).to_be_focused()
    await expect(shown).to_be_in_viewport()
    await expect(shown.get_by_text("Pinned by Ana")).to_be_visible()

    # Ana unpins it: it leaves Bruno's open list
    await act(ana, pinned, "Unpin from channel")
    await expect(pinned.get_by_text("Pinned by Ana")).to_have_count(0)
    await expect(pins.get_by_role("listitem")).to_have_count(0)
