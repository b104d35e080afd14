"""Channels and people in the web client, two people in two browsers: making a private channel
and adding someone (who sees it arrive), browsing and joining, the topic changed live,
leaving, archiving, and direct messages opened from a member list, a new-message pane and an
author's name. Each pane is scanned by axe."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Locator, Page, expect

from tests.browser import axe
from tests.browser.client import SIDEBAR, refused, screenshot, signed_in
from tests.browser.pages import Pages
from tests.browser.team import API, Team, ok

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def pane(page: Page, title: str | re.Pattern[str]) -> Locator:
    """A side pane, by its heading."""
    return page.get_by_role("complementary", name=title)


async def test_a_private_channel_made_with_someone_added_appears_in_their_sidebar(
    team: Team, pages: Pages
) -> None:
    """Ana's new-channel form says what is wrong with a name before and after sending it;
    she makes a private channel, adds Bruno from its member list, and it appears in Bruno's
    sidebar without a reload."""
    ana = await signed_in(pages, team["ana"])
    bruno = await signed_in(pages, team["bruno"])

    await ana.get_by_role("button", name="Create a channel").click()
    form = pane(ana, "Create a channel")
    name = form.get_by_label("Channel name")
    await name.fill("dos palabras")
    await name.blur()
    await expect(form.get_by_role("alert")).to_contain_text("(no spaces)")
    await expect(name).to_have_attribute("aria-invalid", "true")
    await axe.assert_accessible(ana, "the new channel pane")
    await screenshot(ana, "channels-new-channel")

    await name.fill("Diseño")  # the team's #diseño: the server refuses, and says why
    await form.get_by_role("button", name="Create").click()
    await expect(form.get_by_role("alert")).to_contain_text("already a channel with that name")
    await refused(pages, 409)

    await name.fill("Secreto")
    await expect(form.get_by_text("It will be #secreto.")).to_be_visible()
    await form.get_by_label("Private: only people invited can see it").check()
    await form.get_by_label("Topic").fill("La sorpresa de Carla")
    await form.get_by_role("button", name="Create").click()
    await expect(ana.get_by_role("heading", name="#secreto", level=1)).to_be_visible()
    await expect(ana.get_by_role("main").get_by_text("La sorpresa de Carla")).to_be_visible()

    await ana.get_by_role("button", name="Members: 1 person").click()
    members = pane(ana, "Members of #secreto")
    await members.get_by_role("button", name="Add people").click()
    await members.get_by_label("Find people").fill("bru")
    await members.get_by_role("checkbox", name=re.compile("Bruno")).check()
    await expect(members.get_by_role("checkbox")).to_have_count(1)  # the filter left only him
    await axe.assert_accessible(ana, "the add-people picker")
    await members.get_by_role("button", name="Add 1 person").click()
    await expect(members.get_by_role("list", name="Members").get_by_role("listitem")).to_have_count(
        2
    )
    await expect(ana.get_by_role("button", name="Members: 2 people")).to_be_visible()

    sidebar = bruno.get_by_role("navigation", name=SIDEBAR)
    await expect(sidebar.get_by_role("link", name=re.compile("^secreto"))).to_be_visible()
    await sidebar.get_by_role("link", name=re.compile("^secreto")).click()
    await expect(bruno.get_by_role("main").get_by_text("La sorpresa de Carla")).to_be_visible()


async def test_someone_browses_the_channels_and_joins_one(
    team: Team, pages: Pages, api: httpx.AsyncClient
) -> None:
    """A public channel Bruno is not in is listed, with its member count, in the browse pane;
    joining it takes him there, able to write, and puts it in his sidebar."""
    made = ok(
        await api.post(
            f"{API}/workspaces/{team.workspace_id}/channels",
            json={"name": "anuncios", "purpose": "Lo que todos deben saber"},
            headers=team["ana"].headers,
        ),
        201,
    )
    bruno = await signed_in(pages, team["bruno"])
    sidebar = bruno.get_by_role("navigation", name=SIDEBAR)
    await expect(sidebar.get_by_role("link", name=re.compile("^anuncios"))).to_have_count(0)

    await sidebar.get_by_role("button", name="Browse channels").click()
    browse = pane(bruno, "Browse channels")
    listed = browse.get_by_role("listitem").filter(has_text="#anuncios")
    await expect(listed).to_contain_text("1 member")
    await expect(listed).to_contain_text("Lo que todos deben saber")
    await expect(browse.get_by_role("listitem").filter(has_text="#diseño")).to_contain_text(
        "joined"
    )
    await browse.get_by_label("Find a channel").fill("anun")
    await expect(browse.get_by_role("listitem")).to_have_count(1)
    await axe.assert_accessible(bruno, "the browse pane")
    await screenshot(bruno, "channels-browse")

    await browse.get_by_role("button", name="Join channel #anuncios").click()
    await expect(bruno).to_have_url(re.compile(made["id"]))
    await expect(bruno.get_by_role("heading", name="#anuncios", level=1)).to_be_visible()
    await expect(bruno.get_by_role("textbox", name="Message #anuncios")).to_be_visible()
    await expect(sidebar.get_by_role("link", name=re.compile("^anuncios"))).to_be_visible()


async def test_topic_changes_live_and_members_leave_and_managers_archive(
    team: Team, pages: Pages
) -> None:
    """Ana sets #diseño's topic and Bruno's header shows it at once; Bruno, a plain member, is
    not offered archiving, and leaves (landing in another channel); Ana, who made it,
    archives it and sees it read-only."""
    diseño = team.channels["diseño"]
    ana = await signed_in(pages, team["ana"], f"/w/{team.workspace_id}/{diseño}")
    bruno = await signed_in(pages, team["bruno"], f"/w/{team.workspace_id}/{diseño}")
    await expect(bruno.get_by_role("heading", name="#diseño", level=1)).to_be_visible()

    await ana.get_by_role("button", name="Channel details").click()
    details = pane(ana, "About #diseño")
    await details.get_by_role("button", name="Edit Topic").click()
    await details.get_by_label("Topic").fill("Entrega el viernes")
    await details.get_by_label("Topic").press("Enter")
    await expect(details.get_by_text("Entrega el viernes")).to_be_visible()
    await expect(bruno.get_by_role("main").get_by_text("Entrega el viernes")).to_be_visible()
    await axe.assert_accessible(ana, "the channel details pane")
    await screenshot(ana, "channels-details")

    await bruno.get_by_role("button", name="Channel details").click()
    theirs = pane(bruno, "About #diseño")
    await expect(theirs.get_by_role("button", name="Leave channel")).to_be_visible()
    await expect(theirs.get_by_role("button", name="Archive channel")).to_have_count(0)
    await theirs.get_by_role("button", name="Leave channel").click()
    await bruno.get_by_role("dialog").get_by_role("button", name="Leave channel").click()
    await expect(bruno.get_by_role("heading", name="#general", level=1)).to_be_visible()
    sidebar = bruno.get_by_role("navigation", name=SIDEBAR)
    await expect(sidebar.get_by_role("link", name=re.compile("^diseño"))).to_have_count(0)
    await expect(ana.get_by_role("button", name="Members: 1 person")).to_be_visible()

    await details.get_by_role("button", name="Archive channel").click()
    await ana.get_by_role("dialog").get_by_role("button", name="Archive channel").click()
    await expect(
        ana.get_by_role("status").filter(has_text="This channel is archived.")
    ).to_be_visible()
    await expect(ana.get_by_role("textbox", name="Message #diseño")).to_have_count(0)
    await expect(details.get_by_role("button", name="Unarchive channel")).to_be_visible()


async def test_direct_messages_open_from_the_member_list_a_name_and_the_new_message_pane(
    team: Team, pages: Pages
) -> None:
    """From #diseño's members (Bruno shown online) Ana opens a DM with Bruno and writes;
    Bruno sees the DM arrive, opens Ana's card from her name in the message, and the card and
    the new-message pane both take him to that same conversation."""
    diseño = team.channels["diseño"]
    bruno = await signed_in(pages, team["bruno"])
    ana = await signed_in(pages, team["ana"], f"/w/{team.workspace_id}/{diseño}")

    await ana.get_by_role("button", name="Members: 2 people").click()
    members = pane(ana, "Members of #diseño")
    link = members.get_by_role("button", name="Bruno (online): open a direct message")
    await expect(link).to_be_visible()
    await axe.assert_accessible(ana, "the members pane")
    await screenshot(ana, "channels-members")
    await link.click()
    await expect(ana.get_by_role("heading", name="Bruno", level=1)).to_be_visible()
    dm_url = ana.url
    await ana.get_by_role("textbox", name="Message Bruno").fill("¿Hablamos a solas?")
    await ana.get_by_role("textbox", name="Message Bruno").press("Enter")

    sidebar = bruno.get_by_role("navigation", name=SIDEBAR)
    await sidebar.get_by_role("link", name=re.compile("^Ana")).click()
    await expect(bruno).to_have_url(dm_url)
    message = bruno.get_by_role("article").filter(has_text="¿Hablamos a solas?")
    await message.get_by_role("button", name="Ana").click()
    card = pane(bruno, "Ana")
    await expect(card.get_by_text(f"@{team['ana'].username}")).to_be_visible()
    await axe.assert_accessible(bruno, "a person's card")
    await screenshot(bruno, "channels-person")
    await card.get_by_role("button", name="Message Ana").click()
    await expect(bruno).to_have_url(dm_url)

    await (
        bruno.get_by_role("navigation", name=SIDEBAR)
        .get_by_role("button", name="New message")
        .click()
    )
    new_dm = pane(bruno, "New message")
    await new_dm.get_by_label("Find people").fill("an")
    await new_dm.get_by_role("checkbox", name=re.compile("Ana")).check()
    await expect(
        new_dm.get_by_role("list", name="Chosen").get_by_role("button", name="Remove Ana")
    ).to_be_visible()
    await axe.assert_accessible(bruno, "the new message pane")
    await screenshot(bruno, "channels-new-dm")
    await (
        bruno.get_by_role("navigation", name=SIDEBAR)
        .get_by_role("link", name=re.compile("^general"))
        .click()
    )
    await new_dm.get_by_role("button", name="Open conversation").click()
    await expect(bruno).to_have_url(dm_url)
    await expect(bruno.get_by_role("article").filter(has_text="¿Hablamos a solas?")).to_be_visible()
