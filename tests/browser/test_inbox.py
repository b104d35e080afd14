"""The inbox and desktop notifications in the web client: a mention counts on the inbox's badge
at once, is listed with its message and leads to it; marking all read empties the badge; and
with the tab hidden, a mention or a direct message shows a desktop notification that leads to
the message when clicked."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Locator, Page, expect

from tests.browser import axe
from tests.browser.client import SIDEBAR, log_in, say, screenshot, signed_in
from tests.browser.pages import Pages
from tests.browser.team import API, Team, ok

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# for one test only: the page believes it is hidden (until window.__visible is set), and every
# Notification it makes is recorded in window.__notes rather than shown
HIDDEN_WITH_NOTES = """(() => {
  const hidden = () => !window.__visible;
  Object.defineProperty(Document.prototype, "visibilityState", {
    configurable: true, get: () => (hidden() ? "hidden" : "visible"),
  });
  Object.defineProperty(Document.prototype, "hidden", { configurable: true, get: hidden });
  const Real = window.Notification;
  window.__notes = [];
  class Recorded {
    constructor(title, options = {}) {
      this.title = title;
      this.body = options.body;
      this.tag = options.tag;
      this.onclick = null;
      this.closed = false;
      window.__notes.push(this);
    }
    close() { this.closed = true; }
    static get permission() { return Real.permission; }
    static requestPermission(...args) { return Real.requestPermission(...args); }
  }
  window.Notification = Recorded;
})();"""


def inbox_button(page: Page, name: str | re.Pattern[str]) -> Locator:
    """The inbox's button in the top bar, by its name (which says how many are unread)."""
    return page.get_by_role("banner").get_by_role("button", name=name)


async def test_a_mention_counts_on_the_badge_is_listed_and_leads_to_the_message(
    team: Team, pages: Pages, api: httpx.AsyncClient
) -> None:
    """Bruno, reading #general, sees his inbox count a mention in #diseño the moment Ana
    posts it; the inbox lists it with its text and channel, offers desktop notifications
    (dismissible), and a click goes to the message; "mark all read" empties the badge."""
    bruno = await signed_in(pages, team["bruno"])
    await expect(inbox_button(bruno, "Inbox")).to_be_visible()
    diseño = team.channels["diseño"]
    first = await say(api, team["ana"], diseño, f"@{team['bruno'].username} ¿miras el boceto?")

    await expect(inbox_button(bruno, "Inbox, 1 unread")).to_be_visible()
    await inbox_button(bruno, "Inbox, 1 unread").click()
    inbox = bruno.get_by_role("complementary", name="Inbox")
    item = inbox.get_by_role("list", name="Mentions of you").get_by_role("listitem")
    await expect(item).to_have_count(1)
    await expect(item).to_contain_text("¿miras el boceto?")
    await expect(inbox.get_by_role("button", name="Enable desktop notifications")).to_be_visible()
    await axe.assert_accessible(bruno, "the inbox pane")
    await screenshot(bruno, "inbox-pane")
    await inbox.get_by_role("button", name="Not now").click()
    await expect(inbox.get_by_role("button", name="Enable desktop notifications")).to_have_count(0)

    await item.get_by_role("link", name=re.compile("Ana in #diseño")).click()
    await expect(bruno).to_have_url(re.compile(f"/{diseño}/{first['id']}$"))
    await expect(bruno.get_by_role("heading", name="#diseño", level=1)).to_be_visible()
    await expect(bruno.get_by_role("main").get_by_text("¿miras el boceto?")).to_be_visible()
    await expect(inbox_button(bruno, "Inbox")).to_be_visible()  # that one is read now

    await say(api, team["ana"], diseño, f"Otra, @{team['bruno'].username}")
    await say(api, team["ana"], team.general, f"Y otra, @{team['bruno'].username}")
    await expect(inbox_button(bruno, "Inbox, 2 unread")).to_be_visible()
    await expect(item).to_have_count(3)  # the open inbox took them in, newest first
    await expect(item.first).to_contain_text("Y otra")
    await inbox.get_by_role("button", name="Mark all read").click()
    await expect(inbox_button(bruno, "Inbox")).to_be_visible()
    await expect(inbox.get_by_role("button", name="Mark all read")).to_be_disabled()


async def test_with_the_tab_hidden_a_mention_and_a_direct_message_notify_the_desktop(
    team: Team, pages: Pages, api: httpx.AsyncClient
) -> None:
    """Bruno allowed notifications and his tab is in the background: Ana's mention and
    her direct message each show one (author, channel, the text); clicking one brings the
    tab to the message. Once the tab is visible again, nothing more pops up."""
    bruno = await pages.open(team["bruno"], locale="en-US")
    await bruno.context.grant_permissions(["notifications"])
    await bruno.add_init_script(HIDDEN_WITH_NOTES)
    await log_in(bruno, team["bruno"])
    notes = "() => window.__notes.map((n) => ({ title: n.title, body: n.body, tag: n.tag }))"

    mention = await say(
        api, team["ana"], team.channels["diseño"], f"@{team['bruno'].username}  mira\n\nesto"
    )
    dm = ok(
        await api.post(
            f"{API}/workspaces/{team.workspace_id}/dms",
            json={"user_ids": [team["bruno"].id]},
            headers=team["ana"].headers,
        ),
        201,
    )
    private = await say(api, team["ana"], dm["id"], "Un secreto entre los dos")
    await bruno.wait_for_function("() => window.__notes.length >= 2")
    shown = sorted(await bruno.evaluate(notes), key=lambda n: n["tag"])
    assert shown == sorted(
        [
            {
                "title": "Ana in #diseño",
                "body": f"@{team['bruno'].username} mira esto",
                "tag": mention["id"],
            },
            {"title": "Ana", "body": "Un secreto entre los dos", "tag": private["id"]},
        ],
        key=lambda n: n["tag"],
    )

    index = [n["tag"] for n in await bruno.evaluate(notes)].index(mention["id"])
    await bruno.evaluate("(i) => window.__notes[i].onclick()", index)
    await expect(bruno).to_have_url(re.compile(f"/{team.channels['diseño']}/{mention['id']}$"))
    assert await bruno.evaluate(f"() => window.__notes[{index}].closed")

    await bruno.evaluate("() => { window.__visible = true; }")
    await say(api, team["ana"], dm["id"], "¿Sigues ahí?")
    sidebar = bruno.get_by_role("navigation", name=SIDEBAR)
    await expect(
        sidebar.get_by_role("link", name=re.compile("^Ana, 2 unread messages"))
    ).to_be_visible()
    await expect(
        inbox_button(bruno, "Inbox, 1 unread")
    ).to_be_visible()  # the mention, not read yet
    await say(api, team["ana"], team.general, f"@{team['bruno'].username} última")
    await expect(inbox_button(bruno, "Inbox, 2 unread")).to_be_visible()
    assert len(await bruno.evaluate(notes)) == 2
