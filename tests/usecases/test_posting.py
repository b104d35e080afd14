"""Messaging as its people see it: posting, retrying, editing, deleting, reading history,
threads, reactions, mentions and the notifications inbox, read state and pins, and the events
each change appends to the log."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from collections.abc import Awaitable

import emoji as emoji_data
import pytest

from tertulia.adapters.sql.database import Database
from tertulia.domain.channels import ChannelChange, ChannelKind
from tertulia.domain.errors import Conflict, Forbidden, Invalid, NotFound
from tertulia.domain.ids import ChannelId, MessageId, WorkspaceId, new_id
from tertulia.domain.messages import DEFAULT_MAX_LENGTH, Draft, Message, StaleVersion
from tertulia.domain.users import User
from tertulia.domain.workspaces import Role
from tertulia.usecases import markup, pages
from tertulia.usecases.core import Tertulia
from tertulia.usecases.markup import canonical_emoji
from tertulia.usecases.messaging import Posted, posting
from tertulia.usecases.ports.messages import ChannelUnread
from tests.conftest import Clock
from tests.usecases.teams import Logged, enrol, last_event_id, logged, person

# people and places -----------------------------------------------------------------------------


@pytest.fixture
async def dani(core: Tertulia, ws: WorkspaceId, ana: User) -> User:
    """A third member, in #general."""
    user = await person(core, "dani")
    await enrol(core, ws, ana, user)
    return user


@pytest.fixture
async def olga(core: Tertulia) -> User:
    """Someone with an account but not in Ana's workspace."""
    return await person(core, "olga")


@pytest.fixture
async def general(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> ChannelId:
    """#general, with Ana, Bruno and Carla in it."""
    page = await core.channels.browse(ana.id, ws)
    return next(row.channel.id for row in page.items if row.channel.is_default)


@pytest.fixture
async def plaza(core: Tertulia, ws: WorkspaceId, bruno: User) -> ChannelId:
    """A public channel Bruno created and is alone in."""
    row = await core.channels.create(bruno.id, ws, "plaza", ChannelKind.PUBLIC)
    return row.channel.id


@pytest.fixture
async def secreto(core: Tertulia, ws: WorkspaceId, bruno: User) -> ChannelId:
    """A private channel Bruno created and is alone in."""
    row = await core.channels.create(bruno.id, ws, "secreto", ChannelKind.PRIVATE)
    return row.channel.id


# helpers ---------------------------------------------------------------------------------------


async def post(core: Tertulia, who: User, channel: ChannelId, text: str, **draft: object) -> Posted:
    return await core.posting.post(who.id, channel, Draft(text, **draft))  # type: ignore[arg-type]


async def say(core: Tertulia, who: User, channel: ChannelId, text: str, **draft: object) -> Message:
    """Post and return the message as stored."""
    return (await post(core, who, channel, text, **draft)).view.message


async def reply(
    core: Tertulia, who: User, root: Message, text: str, *, also_send_to_channel: bool = False
) -> Message:
    return await say(
        core,
        who,
        root.channel_id,
        text,
        thread_root_id=root.id,
        also_send_to_channel=also_send_to_channel,
    )


async def texts(core: Tertulia, viewer: User, channel: ChannelId, **cursor: object) -> list[str]:
    """The texts of a page of history, oldest first."""
    page = await core.history.page(viewer.id, channel, **cursor)  # type: ignore[arg-type]
    return [view.message.text for view in page.items]


async def current(core: Tertulia, viewer: User, message: Message) -> Message:
    return (await core.history.get(viewer.id, message.id)).message


async def inbox(core: Tertulia, user: User, unread_only: bool = False) -> list[tuple[str, str]]:
    """The texts and kinds of someone's notifications, newest first."""
    page = await core.inbox.notifications(user.id, None, 200, unread_only)
    return [(item.view.message.text, item.notification.kind) for item in page.items]


async def unread_in(
    core: Tertulia, user: User, ws: WorkspaceId, channel: ChannelId
) -> ChannelUnread:
    unreads = await core.reading.unreads(user.id, ws)
    return next(row for row in unreads.channels if row.channel_id == channel)


async def followed(core: Tertulia, user: User, ws: WorkspaceId) -> list[MessageId]:
    """The roots of the threads someone follows, in the order the threads view lists them."""
    page = await core.threads.followed(user.id, ws, None, 200)
    return [row.root.id for row, _ in page.items]


async def nothing_logged(database: Database, after: int) -> None:
    assert await logged(database, after=after) == []


def only(events: list[Logged], kind: str) -> Logged:
    found = [e for e in events if e.type == kind]
    assert len(found) == 1, [e.type for e in events]
    return found[0]


async def outcome_of(attempt: Awaitable[Posted]) -> Posted | Conflict:
    """What a post answers: the message, or the Conflict it raises."""
    try:
        return await attempt
    except Conflict as exc:
        return exc


def distinct_emoji(count: int) -> list[str]:
    """`count` different single-character emoji from the emoji data set."""
    found = []
    for value, data in emoji_data.EMOJI_DATA.items():
        if len(value) == 1 and data["status"] == emoji_data.STATUS["fully_qualified"]:
            found.append(value)
        if len(found) == count:
            return found
    raise AssertionError("not enough emoji")


# posting ---------------------------------------------------------------------------------------


async def test_a_member_posts_a_message(
    core: Tertulia, database: Database, clock: Clock, bruno: User, general: ChannelId
) -> None:
    """Bruno's message is stored with its source text, rendered HTML and place, and announced to
    the channel."""
    mark = await last_event_id(database)

    posted = await post(core, bruno, general, "**hola** equipo")

    message = posted.view.message
    assert posted.created
    assert posted.not_notified == ()
    assert message.text == "**hola** equipo"
    assert message.html.strip() == "<p><strong>hola</strong> equipo</p>"
    assert message.author_id == bruno.id
    assert message.channel_id == general
    assert message.created_at == clock.now
    assert message.version == 1
    assert message.in_channel
    assert message.edited_at is None
    assert await current(core, bruno, message) == message
    events = await logged(database, after=mark)
    assert [e.type for e in events] == ["message.created"]
    assert events[0].audience == (f"ch:{general}",)
    assert events[0].channel_id == general
    assert events[0].data["id"] == message.id
    assert events[0].data["text"] == "**hola** equipo"
    assert message.seq == events[0].id


async def test_trailing_spaces_are_trimmed(core: Tertulia, bruno: User, general: ChannelId) -> None:
    """Spaces and new lines after the text are dropped; those before it are kept (indentation)."""
    message = await say(core, bruno, general, "  hola  \n\n ")

    assert message.text == "  hola"


async def test_members_post_in_direct_messages(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User
) -> None:
    """Ana writes to Bruno in their DM; Carla cannot see that conversation at all."""
    row, _ = await core.channels.open_dm(ana.id, ws, [bruno.id])

    await say(core, ana, row.channel.id, "¿un café?")

    assert await texts(core, bruno, row.channel.id) == ["¿un café?"]
    with pytest.raises(NotFound):
        await post(core, carla, row.channel.id, "yo también")
    with pytest.raises(NotFound):
        await core.history.page(carla.id, row.channel.id)


async def test_non_members_of_a_public_channel_cannot_post(
    core: Tertulia, database: Database, carla: User, bruno: User, plaza: ChannelId
) -> None:
    """Carla sees #plaza but is not in it: posting gives Forbidden and stores nothing."""
    mark = await last_event_id(database)

    with pytest.raises(Forbidden) as caught:
        await post(core, carla, plaza, "hola")

    assert caught.value.code == "channel.not_member"
    assert await texts(core, bruno, plaza) == []
    await nothing_logged(database, mark)


async def test_nobody_outside_a_private_channel_learns_it_exists(
    core: Tertulia, database: Database, carla: User, olga: User, secreto: ChannelId
) -> None:
    """Posting to a private channel one is not in, or to another workspace, gives NotFound."""
    mark = await last_event_id(database)

    for intruder in (carla, olga):
        with pytest.raises(NotFound) as caught:
            await post(core, intruder, secreto, "¿hay alguien?")
        assert caught.value.code == "channel.not_found"
    with pytest.raises(NotFound):
        await post(core, carla, ChannelId("01J00000000000000000000000"), "¿hay alguien?")
    await nothing_logged(database, mark)


async def test_nobody_posts_in_an_archived_channel(
    core: Tertulia, database: Database, bruno: User, plaza: ChannelId
) -> None:
    """Once #plaza is archived, posting gives Conflict channel.archived; it can still be read."""
    await say(core, bruno, plaza, "último")
    await core.channels.change(bruno.id, plaza, ChannelChange(archived=True))
    mark = await last_event_id(database)

    with pytest.raises(Conflict) as caught:
        await post(core, bruno, plaza, "¿otro?")

    assert caught.value.code == "channel.archived"
    assert await texts(core, bruno, plaza) == ["último"]
    await nothing_logged(database, mark)


async def test_an_archived_channel_takes_no_reactions_pins_or_deletions(
    core: Tertulia, database: Database, bruno: User, plaza: ChannelId
) -> None:
    """In an archived channel reacting, pinning and deleting give Conflict channel.archived."""
    message = await say(core, bruno, plaza, "último")
    await core.channels.change(bruno.id, plaza, ChannelChange(archived=True))
    mark = await last_event_id(database)

    with pytest.raises(Conflict) as reacting:
        await core.reactions.react(bruno.id, message.id, "👍", add=True)
    with pytest.raises(Conflict) as pinning:
        await core.reactions.pin(bruno.id, message.id, pinned=True)
    with pytest.raises(Conflict) as deleting:
        await core.posting.delete(bruno.id, message.id)

    assert reacting.value.code == "channel.archived"
    assert pinning.value.code == "channel.archived"
    assert deleting.value.code == "channel.archived"
    await nothing_logged(database, mark)


async def test_a_message_may_be_as_long_as_the_limit(
    core: Tertulia, bruno: User, general: ChannelId
) -> None:
    """A message of exactly 16,000 characters is accepted whole."""
    message = await say(core, bruno, general, "a" * DEFAULT_MAX_LENGTH)

    assert len(message.text) == DEFAULT_MAX_LENGTH


async def test_a_message_over_the_limit_is_refused_with_a_clear_code(
    core: Tertulia, database: Database, bruno: User, general: ChannelId
) -> None:
    """One character too many gives Invalid message.too_long on the text, saying the limit."""
    mark = await last_event_id(database)

    with pytest.raises(Invalid) as caught:
        await post(core, bruno, general, "a" * (DEFAULT_MAX_LENGTH + 1))

    assert caught.value.code == "message.too_long"
    assert [(e.field, e.code) for e in caught.value.errors] == [("text", "message.too_long")]
    assert "16000" in caught.value.detail
    await nothing_logged(database, mark)


async def test_the_maximum_length_is_configurable(
    core: Tertulia, bruno: User, general: ChannelId
) -> None:
    """A server configured for 20 characters refuses 21, and edits are held to it too."""
    short = dataclasses.replace(core.posting, max_length=20)
    message = (await short.post(bruno.id, general, Draft("x" * 20))).view.message

    with pytest.raises(Invalid) as caught:
        await short.post(bruno.id, general, Draft("x" * 21))
    assert caught.value.code == "message.too_long"
    with pytest.raises(Invalid) as caught:
        await short.edit(bruno.id, message.id, "y" * 21, message.version)
    assert caught.value.code == "message.too_long"


async def test_a_long_markdown_text_is_parsed_while_others_are_served(
    core: Tertulia,
    bruno: User,
    carla: User,
    general: ChannelId,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Bruno posts 16,000 characters of Markdown that take long to parse; Carla's short
    message is posted meanwhile. Bruno's then lands whole: rendered, Carla mentioned."""
    parsing = threading.Event()
    go_on = threading.Event()
    emojize = markup.emoji.emojize

    def slow_off_the_loop(text: str, **options: str) -> str:
        if threading.current_thread() is not threading.main_thread():
            parsing.set()
            go_on.wait(10)
        return emojize(text, **options)

    monkeypatch.setattr(markup.emoji, "emojize", slow_off_the_loop)
    long_text = ("**Acta** de la reunión :tada:\n\n" * 600)[: DEFAULT_MAX_LENGTH - 20] + " @carla"

    slow = asyncio.create_task(say(core, bruno, general, long_text))
    await asyncio.to_thread(parsing.wait, 10)
    quick = await say(core, carla, general, "hola")
    still_parsing = not slow.done()
    go_on.set()
    long = await slow

    assert still_parsing
    assert await texts(core, carla, general) == ["hola", long_text]
    assert long.html.count("<strong>Acta</strong>") == long_text.count("**Acta**")
    assert f'data-user-id="{carla.id}"' in long.html
    assert [text for text, _ in await inbox(core, carla)] == [long_text]
    assert quick.seq < long.seq


@pytest.mark.parametrize("text", ["", " ", "\n\n", " \t \n"])
async def test_an_empty_message_is_refused(
    core: Tertulia, database: Database, bruno: User, general: ChannelId, text: str
) -> None:
    """Nothing, or only blanks, gives Invalid message.empty."""
    mark = await last_event_id(database)

    with pytest.raises(Invalid) as caught:
        await post(core, bruno, general, text)

    assert caught.value.code == "message.empty"
    assert [e.field for e in caught.value.errors] == ["text"]
    await nothing_logged(database, mark)


async def test_a_nul_character_is_refused(core: Tertulia, bruno: User, general: ChannelId) -> None:
    """A NUL in the text gives Invalid message.bad_character."""
    with pytest.raises(Invalid) as caught:
        await post(core, bruno, general, "ho\x00la")

    assert caught.value.code == "message.bad_character"


# retrying --------------------------------------------------------------------------------------


async def test_a_retry_returns_the_first_message(
    core: Tertulia, database: Database, bruno: User, general: ChannelId
) -> None:
    """Sending again with the same client_msg_id gives back the original, created False, and
    posts nothing new."""
    first = await post(core, bruno, general, "hola", client_msg_id="c-1")
    mark = await last_event_id(database)

    again = await post(core, bruno, general, "hola", client_msg_id="c-1")

    assert first.created
    assert not again.created
    assert again.view.message == first.view.message
    assert again.view.message.client_msg_id == "c-1"
    assert await texts(core, bruno, general) == ["hola"]
    await nothing_logged(database, mark)


async def test_concurrent_retries_post_once(
    core: Tertulia, bruno: User, general: ChannelId
) -> None:
    """Five copies of one send racing each other store one message, and all get it back."""
    results = await asyncio.gather(
        *(post(core, bruno, general, "una vez", client_msg_id="race-1") for _ in range(5))
    )

    assert len({r.view.message.id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert await texts(core, bruno, general) == ["una vez"]


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"text": "otra cosa"}, id="text"),
        pytest.param({"also_send_to_channel": True, "thread": True}, id="also-send"),
        pytest.param({"thread": True}, id="in-a-thread"),
    ],
)
async def test_a_reused_key_with_another_body_is_a_conflict(
    core: Tertulia, database: Database, bruno: User, general: ChannelId, changes: dict[str, object]
) -> None:
    """The same client_msg_id for a different message gives Conflict, not the first message."""
    root = await say(core, bruno, general, "raíz")
    await post(core, bruno, general, "hola", client_msg_id="c-2")
    mark = await last_event_id(database)
    draft: dict[str, object] = {"client_msg_id": "c-2"}
    if changes.get("thread"):
        draft["thread_root_id"] = root.id
    if changes.get("also_send_to_channel"):
        draft["also_send_to_channel"] = True

    with pytest.raises(Conflict) as caught:
        await post(core, bruno, general, str(changes.get("text", "hola")), **draft)

    assert caught.value.code == "message.client_msg_id_reused"
    assert await texts(core, bruno, general) == ["raíz", "hola"]
    await nothing_logged(database, mark)


async def test_a_reused_key_in_another_channel_is_not_a_silent_replay(
    core: Tertulia, bruno: User, general: ChannelId, plaza: ChannelId
) -> None:
    """Sending "hola" to #plaza with the key already used in #general never answers with the
    #general message as if it had been posted to #plaza: it is a conflict or a new message."""
    first = await post(core, bruno, general, "hola", client_msg_id="c-3")

    outcome = await outcome_of(post(core, bruno, plaza, "hola", client_msg_id="c-3"))

    if isinstance(outcome, Conflict):
        assert outcome.code == "message.client_msg_id_reused"
    else:
        assert isinstance(outcome, Posted)
        assert outcome.view.message.id != first.view.message.id
        assert outcome.view.message.channel_id == plaza
        assert outcome.created


async def test_people_use_keys_independently(
    core: Tertulia, bruno: User, carla: User, general: ChannelId
) -> None:
    """Bruno's and Carla's apps may both use the key "1": each gets their own message."""
    one = await post(core, bruno, general, "hola", client_msg_id="1")
    two = await post(core, carla, general, "hola", client_msg_id="1")

    assert two.created
    assert one.view.message.id != two.view.message.id


@pytest.mark.parametrize("key", ["", "con espacio", "x" * 65, "ñandú", "a/b", "a\nb"])
async def test_a_malformed_client_msg_id_is_refused(
    core: Tertulia, bruno: User, general: ChannelId, key: str
) -> None:
    """A key that is empty, too long or has odd characters gives Invalid on client_msg_id."""
    with pytest.raises(Invalid) as caught:
        await post(core, bruno, general, "hola", client_msg_id=key)

    assert caught.value.code == "message.client_msg_id"
    assert [e.field for e in caught.value.errors] == ["client_msg_id"]
    assert await texts(core, bruno, general) == []


# editing ---------------------------------------------------------------------------------------


async def test_the_author_edits_and_the_history_is_kept(
    core: Tertulia, database: Database, clock: Clock, bruno: User, carla: User, general: ChannelId
) -> None:
    """Bruno fixes his message twice: it shows the new text, when it was edited and its
    version; the earlier texts are listed oldest first."""
    message = await say(core, bruno, general, "hola mundo")
    posted_at = clock.now
    clock.advance(minutes=1)
    first_edit_at = clock.now
    mark = await last_event_id(database)

    edited = (await core.posting.edit(bruno.id, message.id, "hola **equipo**", 1)).view.message

    assert edited.text == "hola **equipo**"
    assert "<strong>equipo</strong>" in edited.html
    assert edited.version == 2
    assert edited.edited_at == first_edit_at
    assert edited.created_at == posted_at
    assert edited.seq == message.seq
    event = only(await logged(database, after=mark), "message.updated")
    assert event.audience == (f"ch:{general}",)
    assert event.data["text"] == "hola **equipo**"
    assert event.data["version"] == 2

    clock.advance(minutes=1)
    await core.posting.edit(bruno.id, message.id, "adiós", 2)

    seen = await current(core, carla, message)
    assert seen.text == "adiós"
    assert seen.version == 3
    assert seen.edited_at == clock.now
    edits = (await core.history.edits(carla.id, message.id)).items
    assert [(e.version, e.text, e.written_at) for e in edits] == [
        (1, "hola mundo", posted_at),
        (2, "hola **equipo**", first_edit_at),
    ]
    assert await texts(core, carla, general) == ["adiós"]


async def test_a_long_edit_history_comes_a_page_at_a_time(
    core: Tertulia, bruno: User, carla: User, general: ChannelId
) -> None:
    """Five earlier versions, two per page: 1 and 2, 3 and 4, then 5 with no further cursor."""
    message = await say(core, bruno, general, "v1")
    for version in range(1, 6):
        await core.posting.edit(bruno.id, message.id, f"v{version + 1}", version)

    seen, cursor = [], None
    for _ in range(3):
        page = await core.history.edits(carla.id, message.id, cursor, 2)
        seen.append([e.text for e in page.items])
        cursor = page.next_cursor

    assert seen == [["v1", "v2"], ["v3", "v4"], ["v5"]]
    assert cursor is None


@pytest.mark.parametrize("cursor", [pages.encode("-1"), pages.encode(str(2**63)), "%%"])
async def test_a_forged_edits_cursor_is_refused(
    core: Tertulia, bruno: User, general: ChannelId, cursor: str
) -> None:
    """An edits cursor the server did not make is Invalid naming `after`."""
    message = await say(core, bruno, general, "v1")

    with pytest.raises(Invalid) as caught:
        await core.history.edits(bruno.id, message.id, cursor, 2)

    assert caught.value.code == "cursor.invalid"


async def test_only_the_author_edits(
    core: Tertulia, database: Database, ana: User, bruno: User, general: ChannelId
) -> None:
    """Not even the workspace owner may edit Bruno's words: Forbidden message.not_author."""
    message = await say(core, bruno, general, "mío")
    mark = await last_event_id(database)

    with pytest.raises(Forbidden) as caught:
        await core.posting.edit(ana.id, message.id, "tuyo", 1)

    assert caught.value.code == "message.not_author"
    assert (await current(core, bruno, message)).text == "mío"
    await nothing_logged(database, mark)


async def test_an_edit_of_a_stale_version_gets_the_current_message(
    core: Tertulia, database: Database, bruno: User, general: ChannelId
) -> None:
    """Bruno edits from two devices: the second, based on version 1, gets StaleVersion carrying
    the current text and version, and changes nothing."""
    message = await say(core, bruno, general, "v1")
    await core.posting.edit(bruno.id, message.id, "v2 desde el móvil", 1)
    mark = await last_event_id(database)

    with pytest.raises(StaleVersion) as caught:
        await core.posting.edit(bruno.id, message.id, "v2 desde el portátil", 1)

    assert isinstance(caught.value, Conflict)
    assert caught.value.code == "message.stale_version"
    assert caught.value.current.text == "v2 desde el móvil"
    assert caught.value.current.version == 2
    assert (await current(core, bruno, message)).text == "v2 desde el móvil"
    await nothing_logged(database, mark)


async def test_an_edit_in_an_archived_channel_is_refused(
    core: Tertulia, bruno: User, plaza: ChannelId
) -> None:
    """Archived channels are read-only: an edit gives Conflict channel.archived."""
    message = await say(core, bruno, plaza, "antes")
    await core.channels.change(bruno.id, plaza, ChannelChange(archived=True))

    with pytest.raises(Conflict) as caught:
        await core.posting.edit(bruno.id, message.id, "después", 1)

    assert caught.value.code == "channel.archived"


async def test_an_edit_to_nothing_is_refused(
    core: Tertulia, bruno: User, general: ChannelId
) -> None:
    """Editing a message to blanks gives Invalid message.empty (delete it instead)."""
    message = await say(core, bruno, general, "algo")

    with pytest.raises(Invalid) as caught:
        await core.posting.edit(bruno.id, message.id, "   ", 1)

    assert caught.value.code == "message.empty"


async def test_editing_to_add_a_mention_notifies_only_the_newly_mentioned(
    core: Tertulia,
    database: Database,
    bruno: User,
    carla: User,
    dani: User,
    general: ChannelId,
) -> None:
    """Bruno adds @dani to a message that named Carla: Dani is notified; Carla is not again."""
    message = await say(core, bruno, general, "@carla mira esto")
    mark = await last_event_id(database)

    edited = await core.posting.edit(bruno.id, message.id, "@carla @dani mira esto", 1)

    assert set(edited.view.message.mentioned) == {carla.id, dani.id}
    assert await inbox(core, dani) == [("@carla @dani mira esto", "mention")]
    assert await inbox(core, carla) == [("@carla @dani mira esto", "mention")]
    created = only(await logged(database, after=mark), "notification.created")
    assert created.audience == (f"user:{dani.id}",)
    assert created.data["kind"] == "mention"


async def test_editing_to_add_channel_does_not_notify_the_already_mentioned_again(
    core: Tertulia,
    database: Database,
    bruno: User,
    carla: User,
    dani: User,
    general: ChannelId,
) -> None:
    """Carla, named in the message already, gets no second notification when Bruno adds
    @channel; only those not notified yet hear of it."""
    message = await say(core, bruno, general, "@carla mira")
    mark = await last_event_id(database)

    await core.posting.edit(bruno.id, message.id, "@carla @channel mira", 1)

    notified = [
        scope
        for e in await logged(database, "notification.created", after=mark)
        for scope in e.audience
    ]
    assert f"user:{dani.id}" in notified
    assert f"user:{carla.id}" not in notified
    assert len(await inbox(core, carla)) == 1


async def test_editing_a_mention_away_removes_its_notification(
    core: Tertulia, ws: WorkspaceId, bruno: User, carla: User, general: ChannelId
) -> None:
    """Bruno named Carla by mistake and edits her name out: her notification and her unread
    mention go away."""
    message = await say(core, bruno, general, "@carla ¿vienes?")
    assert (await unread_in(core, carla, ws, general)).mentions == 1

    await core.posting.edit(bruno.id, message.id, "¿viene alguien?", 1)

    assert await inbox(core, carla) == []
    assert (await unread_in(core, carla, ws, general)).mentions == 0
    assert (await current(core, bruno, message)).mentioned == ()


async def test_editing_channel_away_removes_everyones_notifications(
    core: Tertulia, ws: WorkspaceId, bruno: User, carla: User, general: ChannelId
) -> None:
    """Bruno called @channel by mistake and edits it out: nobody keeps a notification or an
    unread mention for it."""
    message = await say(core, bruno, general, "@channel ¡comida!")
    assert await inbox(core, carla) == [("@channel ¡comida!", "everyone")]

    await core.posting.edit(bruno.id, message.id, "¡comida!", 1)

    assert await inbox(core, carla) == []
    assert (await unread_in(core, carla, ws, general)).mentions == 0


async def test_an_edit_says_who_was_not_notified(
    core: Tertulia, bruno: User, general: ChannelId, dani: User, plaza: ChannelId
) -> None:
    """Bruno adds @carla in #plaza, where she is not: the edit answers that she was not
    notified."""
    message = await say(core, bruno, plaza, "hola")

    edited = await core.posting.edit(bruno.id, message.id, "hola @carla @dani @nadie", 1)

    assert edited.not_notified == ("carla", "dani", "nadie")
    assert edited.view.message.mentioned == ()


# deleting --------------------------------------------------------------------------------------


async def test_the_author_deletes_a_message_leaving_a_tombstone(
    core: Tertulia,
    database: Database,
    clock: Clock,
    ws: WorkspaceId,
    bruno: User,
    carla: User,
    general: ChannelId,
) -> None:
    """Bruno deletes his message: it keeps its id and place, but its text, reactions, edits,
    pin and notifications are gone for everyone."""
    before = await say(core, carla, general, "antes")
    message = await say(core, bruno, general, "@carla secreto")
    after = await say(core, carla, general, "después")
    await core.posting.edit(bruno.id, message.id, "@carla secreto editado", 1)
    await core.reactions.react(carla.id, message.id, "👍", add=True)
    await core.reactions.pin(carla.id, message.id, pinned=True)
    clock.advance(minutes=5)
    mark = await last_event_id(database)

    tombstone = await core.posting.delete(bruno.id, message.id)

    assert tombstone.id == message.id
    assert tombstone.is_deleted
    assert tombstone.deleted_at == clock.now
    seen = await core.history.get(carla.id, message.id)
    assert seen.message.text == ""
    assert seen.message.html == ""
    assert seen.message.mentioned == ()
    assert seen.message.pinned_at is None
    assert seen.message.seq == message.seq
    assert seen.reactions == []
    assert (await core.history.edits(carla.id, message.id)).items == []
    assert await inbox(core, carla) == []
    assert (await unread_in(core, carla, ws, general)).mentions == 0
    assert await core.reactions.pins(carla.id, general) == []
    page = await core.history.page(carla.id, general)
    assert [v.message.id for v in page.items] == [before.id, message.id, after.id]
    assert page.items[1].message.is_deleted
    event = only(await logged(database, after=mark), "message.deleted")
    assert event.audience == (f"ch:{general}",)
    assert event.data["id"] == message.id
    assert event.data["by"] == bruno.id
    assert "secreto" not in str(event.data)


async def test_deleting_twice_changes_nothing(
    core: Tertulia, database: Database, bruno: User, general: ChannelId
) -> None:
    """A second delete of the same message is no error and announces nothing."""
    message = await say(core, bruno, general, "borrar")
    first = await core.posting.delete(bruno.id, message.id)
    mark = await last_event_id(database)

    again = await core.posting.delete(bruno.id, message.id)

    assert again == first
    await nothing_logged(database, mark)


async def test_the_channel_creator_deletes_anyones_message(
    core: Tertulia, carla: User, bruno: User, plaza: ChannelId
) -> None:
    """Bruno created #plaza, so he may remove what Carla wrote there."""
    await core.channels.add_member(carla.id, plaza, carla.id)
    message = await say(core, carla, plaza, "spam")

    tombstone = await core.posting.delete(bruno.id, message.id)

    assert tombstone.is_deleted
    assert (await current(core, carla, message)).is_deleted


async def test_a_workspace_admin_deletes_anyones_message(
    core: Tertulia, ws: WorkspaceId, ana: User, carla: User, bruno: User, plaza: ChannelId
) -> None:
    """An admin who did not create #plaza may still delete Carla's message there."""
    admin = await person(core, "eva")
    await enrol(core, ws, ana, admin, Role.ADMIN)
    await core.channels.add_member(carla.id, plaza, carla.id)
    await core.channels.add_member(admin.id, plaza, admin.id)
    message = await say(core, carla, plaza, "fuera de tono")

    await core.posting.delete(admin.id, message.id)

    assert (await current(core, bruno, message)).is_deleted


async def test_others_cannot_delete_a_message(
    core: Tertulia, database: Database, bruno: User, carla: User, general: ChannelId
) -> None:
    """Carla is neither the author, the channel's creator nor an admin: Forbidden."""
    message = await say(core, bruno, general, "mío")
    mark = await last_event_id(database)

    with pytest.raises(Forbidden) as caught:
        await core.posting.delete(carla.id, message.id)

    assert caught.value.code == "message.not_author"
    assert (await current(core, bruno, message)).text == "mío"
    await nothing_logged(database, mark)


async def test_a_deleted_message_cannot_be_edited(
    core: Tertulia, bruno: User, general: ChannelId
) -> None:
    """Editing a deleted message gives Conflict message.deleted."""
    message = await say(core, bruno, general, "x")
    await core.posting.delete(bruno.id, message.id)

    with pytest.raises(Conflict) as caught:
        await core.posting.edit(bruno.id, message.id, "y", 1)

    assert caught.value.code == "message.deleted"


async def test_deleting_a_reply_lowers_the_roots_reply_count(
    core: Tertulia, database: Database, bruno: User, carla: User, general: ChannelId
) -> None:
    """Carla deletes one of two replies: the root shows one reply, and the thread keeps the
    tombstone in its place."""
    root = await say(core, bruno, general, "raíz")
    first = await reply(core, carla, root, "uno")
    second = await reply(core, carla, root, "dos")
    mark = await last_event_id(database)

    await core.posting.delete(carla.id, first.id)

    assert (await current(core, bruno, root)).reply_count == 1
    thread = await core.threads.replies(bruno.id, root.id)
    assert [v.message.id for v in thread.items] == [first.id, second.id]
    assert thread.items[0].message.is_deleted
    assert thread.items[0].message.thread_root_id == root.id
    events = await logged(database, after=mark)
    assert [e.type for e in events] == ["thread.updated", "message.deleted"]
    assert events[0].data["reply_count"] == 1
    assert events[1].data["thread_root_id"] == root.id


async def test_deleting_a_root_keeps_its_thread(
    core: Tertulia, bruno: User, carla: User, general: ChannelId
) -> None:
    """The thread's first message is deleted: the replies stay readable under its tombstone."""
    root = await say(core, bruno, general, "raíz")
    answer = await reply(core, carla, root, "respuesta")

    await core.posting.delete(bruno.id, root.id)

    thread = await core.threads.replies(carla.id, root.id)
    assert [v.message.text for v in thread.items] == ["respuesta"]
    tombstone = await current(core, carla, root)
    assert tombstone.reply_count == 1
    assert (await current(core, carla, answer)).thread_root_id == root.id


async def test_nobody_replies_to_a_deleted_message(
    core: Tertulia, bruno: User, carla: User, general: ChannelId
) -> None:
    """Replying under a tombstone gives Conflict message.deleted."""
    root = await say(core, bruno, general, "raíz")
    await core.posting.delete(bruno.id, root.id)

    with pytest.raises(Conflict) as caught:
        await reply(core, carla, root, "¿y esto?")

    assert caught.value.code == "message.deleted"


# history ---------------------------------------------------------------------------------------


async def five(core: Tertulia, who: User, channel: ChannelId) -> list[Message]:
    return [await say(core, who, channel, f"m{i}") for i in range(5)]


async def test_history_shows_the_latest_page_oldest_first(
    core: Tertulia, bruno: User, carla: User, general: ChannelId
) -> None:
    """Opening a channel shows its newest messages, in reading order, and that more lie above."""
    await five(core, bruno, general)

    page = await core.history.page(carla.id, general, limit=3)

    assert [v.message.text for v in page.items] == ["m2", "m3", "m4"]
    assert page.has_older
    assert not page.has_newer


async def test_a_short_channel_fits_in_one_page(
    core: Tertulia, bruno: User, general: ChannelId, plaza: ChannelId
) -> None:
    """A channel with fewer messages than the page has nothing above or below; an empty one,
    nothing at all."""
    await five(core, bruno, general)

    page = await core.history.page(bruno.id, general)
    empty = await core.history.page(bruno.id, plaza)

    assert [v.message.text for v in page.items] == ["m0", "m1", "m2", "m3", "m4"]
    assert not page.has_older
    assert not page.has_newer
    assert empty.items == []
    assert not empty.has_older
    assert not empty.has_newer


async def test_scrolling_back_with_before(core: Tertulia, bruno: User, general: ChannelId) -> None:
    """Scrolling up from m2 shows m0 and m1, with nothing older and newer ones below."""
    m = await five(core, bruno, general)

    page = await core.history.page(bruno.id, general, before=m[2].id, limit=2)
    top = await core.history.page(bruno.id, general, before=m[3].id, limit=2)

    assert [v.message.text for v in page.items] == ["m0", "m1"]
    assert not page.has_older
    assert page.has_newer
    assert [v.message.text for v in top.items] == ["m1", "m2"]
    assert top.has_older
    assert top.has_newer


async def test_reading_forward_with_after(core: Tertulia, bruno: User, general: ChannelId) -> None:
    """Reading on from m1 shows m2 and m3, with m4 still below; from m2, the last ones."""
    m = await five(core, bruno, general)

    page = await core.history.page(bruno.id, general, after=m[1].id, limit=2)
    end = await core.history.page(bruno.id, general, after=m[2].id, limit=2)

    assert [v.message.text for v in page.items] == ["m2", "m3"]
    assert page.has_older
    assert page.has_newer
    assert [v.message.text for v in end.items] == ["m3", "m4"]
    assert end.has_older
    assert not end.has_newer


async def test_jumping_to_a_message_shows_it_with_its_neighbours(
    core: Tertulia, bruno: User, general: ChannelId
) -> None:
    """Jumping to m2 (a search hit) shows m1, m2 and m3; near either end, what there is."""
    m = await five(core, bruno, general)

    middle = await core.history.page(bruno.id, general, around=m[2].id, limit=3)
    first = await core.history.page(bruno.id, general, around=m[0].id, limit=3)
    last = await core.history.page(bruno.id, general, around=m[4].id, limit=3)
    everything = await core.history.page(bruno.id, general, around=m[2].id, limit=50)

    assert [v.message.text for v in middle.items] == ["m1", "m2", "m3"]
    assert middle.has_older
    assert middle.has_newer
    assert [v.message.text for v in first.items] == ["m0", "m1"]
    assert not first.has_older
    assert first.has_newer
    assert [v.message.text for v in last.items] == ["m3", "m4"]
    assert last.has_older
    assert not last.has_newer
    assert [v.message.text for v in everything.items] == ["m0", "m1", "m2", "m3", "m4"]
    assert not everything.has_older
    assert not everything.has_newer


async def test_jumping_with_a_page_of_one_shows_just_the_message(
    core: Tertulia, bruno: User, general: ChannelId
) -> None:
    """A page of one around m2 is m2 alone, with messages on both sides."""
    m = await five(core, bruno, general)

    page = await core.history.page(bruno.id, general, around=m[2].id, limit=1)

    assert [v.message.text for v in page.items] == ["m2"]
    assert page.has_older
    assert page.has_newer


async def test_pages_chain_without_gaps_or_repeats(
    core: Tertulia, bruno: User, general: ChannelId
) -> None:
    """Scrolling up page by page from the latest reads every message exactly once."""
    sent = [await say(core, bruno, general, f"n{i}") for i in range(7)]
    seen: list[str] = []
    page = await core.history.page(bruno.id, general, limit=3)
    seen = [v.message.text for v in page.items]
    while page.has_older:
        page = await core.history.page(bruno.id, general, before=page.items[0].message.id, limit=3)
        seen = [v.message.text for v in page.items] + seen

    assert seen == [m.text for m in sent]


@pytest.mark.parametrize("limit", [0, -1, 201])
async def test_a_page_has_1_to_200_messages(
    core: Tertulia, bruno: User, general: ChannelId, limit: int
) -> None:
    """Asking for no messages or more than 200 gives Invalid limit.out_of_range."""
    with pytest.raises(Invalid) as caught:
        await core.history.page(bruno.id, general, limit=limit)

    assert caught.value.code == "limit.out_of_range"


async def test_a_page_of_200_is_allowed(core: Tertulia, bruno: User, general: ChannelId) -> None:
    """200 is the largest page."""
    await say(core, bruno, general, "uno")

    page = await core.history.page(bruno.id, general, limit=200)

    assert len(page.items) == 1


@pytest.mark.parametrize("cursor", ["before", "after", "around"])
async def test_a_cursor_from_another_channel_is_refused(
    core: Tertulia, bruno: User, general: ChannelId, plaza: ChannelId, cursor: str
) -> None:
    """A message of #plaza cannot anchor a page of #general: Invalid cursor.invalid."""
    elsewhere = await say(core, bruno, plaza, "en plaza")
    await say(core, bruno, general, "en general")

    with pytest.raises(Invalid) as caught:
        await core.history.page(bruno.id, general, **{cursor: elsewhere.id})  # type: ignore[arg-type]

    assert caught.value.code == "cursor.invalid"
    assert [e.field for e in caught.value.errors] == [cursor]


async def test_a_cursor_naming_no_message_is_refused(
    core: Tertulia, bruno: User, general: ChannelId
) -> None:
    """An unknown message id as cursor gives Invalid cursor.invalid."""
    with pytest.raises(Invalid) as caught:
        await core.history.page(bruno.id, general, before=MessageId("01J00000000000000000000000"))

    assert caught.value.code == "cursor.invalid"


async def test_only_one_cursor_at_a_time(core: Tertulia, bruno: User, general: ChannelId) -> None:
    """Giving both before and after gives Invalid cursor.conflict."""
    m = await five(core, bruno, general)

    with pytest.raises(Invalid) as caught:
        await core.history.page(bruno.id, general, before=m[3].id, after=m[1].id)

    assert caught.value.code == "cursor.conflict"


async def test_thread_replies_stay_out_of_the_channel_unless_also_sent(
    core: Tertulia, bruno: User, carla: User, general: ChannelId
) -> None:
    """A reply shows in its thread only; one "also sent to the channel" shows in both."""
    root = await say(core, bruno, general, "raíz")
    quiet = await reply(core, carla, root, "solo en el hilo")
    loud = await reply(core, carla, root, "también en el canal", also_send_to_channel=True)

    assert await texts(core, bruno, general) == ["raíz", "también en el canal"]
    assert not quiet.in_channel
    assert loud.in_channel
    assert loud.thread_root_id == root.id
    thread = await core.threads.replies(bruno.id, root.id)
    assert [v.message.text for v in thread.items] == ["solo en el hilo", "también en el canal"]
    with pytest.raises(Invalid) as caught:
        await core.history.page(bruno.id, general, before=quiet.id)
    assert caught.value.code == "cursor.invalid"


async def test_places_follow_commit_order(
    core: Tertulia, database: Database, bruno: User, carla: User, general: ChannelId
) -> None:
    """Each message's place (seq) is the id of its message.created event, and grows with each
    message committed, also when people post at once."""
    await asyncio.gather(
        *(say(core, p, general, f"{p.username}{i}") for i in range(4) for p in (bruno, carla))
    )

    page = await core.history.page(bruno.id, general)
    seqs = [v.message.seq for v in page.items]
    created = await logged(database, "message.created")

    assert len(seqs) == 8
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == 8
    assert [e.id for e in created] == seqs
    assert [e.data["id"] for e in created] == [v.message.id for v in page.items]


async def test_full_members_read_public_channels_they_are_not_in(
    core: Tertulia, bruno: User, carla: User, olga: User, plaza: ChannelId, secreto: ChannelId
) -> None:
    """Carla may read #plaza before joining; she cannot read a private channel, nor can someone
    from outside the workspace read either."""
    await say(core, bruno, plaza, "bienvenidos")
    await say(core, bruno, secreto, "entre nosotros")

    assert await texts(core, carla, plaza) == ["bienvenidos"]
    for reader, channel in ((carla, secreto), (olga, plaza), (olga, secreto)):
        with pytest.raises(NotFound) as caught:
            await core.history.page(reader.id, channel)
        assert caught.value.code == "channel.not_found"


async def test_a_message_of_a_channel_one_cannot_see_is_not_found(
    core: Tertulia, bruno: User, carla: User, secreto: ChannelId
) -> None:
    """Carla asking for a message of a private channel she is not in gets NotFound."""
    message = await say(core, bruno, secreto, "privado")

    with pytest.raises(NotFound) as caught:
        await core.history.get(carla.id, message.id)

    assert caught.value.code == "message.not_found"
    with pytest.raises(NotFound):
        await core.history.edits(carla.id, message.id)


# threads ---------------------------------------------------------------------------------------


async def test_a_root_shows_its_thread_summary(
    core: Tertulia,
    database: Database,
    clock: Clock,
    ana: User,
    bruno: User,
    carla: User,
    general: ChannelId,
) -> None:
    """Under Bruno's message: how many replies, when the last came, and who took part (first
    repliers first, each once)."""
    root = await say(core, bruno, general, "¿pizza o tacos?")
    clock.advance(minutes=1)
    await reply(core, carla, root, "pizza")
    clock.advance(minutes=1)
    mark = await last_event_id(database)
    await reply(core, ana, root, "tacos")
    clock.advance(minutes=1)
    await reply(core, carla, root, "pizza, he dicho")

    seen = await current(core, bruno, root)
    assert seen.reply_count == 3
    assert seen.last_reply_at == clock.now
    assert seen.participants == (carla.id, ana.id)
    page = await core.history.page(bruno.id, general)
    assert page.items[0].message.reply_count == 3
    events = await logged(database, after=mark)
    assert [e.type for e in events] == [
        "message.created",
        "thread.updated",
        "message.created",
        "thread.updated",
    ]
    assert events[1].audience == (f"ch:{general}",)
    assert events[1].data["root_id"] == root.id
    assert events[1].data["reply_count"] == 2
    assert events[0].data["thread_root_id"] == root.id


async def test_replies_are_read_from_the_start_with_cursors(
    core: Tertulia, bruno: User, carla: User, general: ChannelId
) -> None:
    """A thread opens at its first reply; after and before page through it."""
    root = await say(core, bruno, general, "raíz")
    r = [await reply(core, carla, root, f"r{i}") for i in range(5)]

    start = await core.threads.replies(bruno.id, root.id, limit=2)
    onward = await core.threads.replies(bruno.id, root.id, after=r[1].id, limit=2)
    back = await core.threads.replies(bruno.id, root.id, before=r[2].id, limit=5)
    end = await core.threads.replies(bruno.id, root.id, after=r[2].id, limit=5)

    assert [v.message.text for v in start.items] == ["r0", "r1"]
    assert not start.has_older
    assert start.has_newer
    assert [v.message.text for v in onward.items] == ["r2", "r3"]
    assert onward.has_older
    assert onward.has_newer
    assert [v.message.text for v in back.items] == ["r0", "r1"]
    assert not back.has_older
    assert back.has_newer
    assert [v.message.text for v in end.items] == ["r3", "r4"]
    assert not end.has_newer


async def test_a_cursor_from_another_thread_is_refused(
    core: Tertulia, bruno: User, carla: User, general: ChannelId
) -> None:
    """A reply of one thread, or a channel message, cannot anchor a page of another thread."""
    one = await say(core, bruno, general, "uno")
    two = await say(core, bruno, general, "dos")
    elsewhere = await reply(core, carla, two, "en el otro hilo")
    await reply(core, carla, one, "aquí")

    for cursor in (elsewhere.id, two.id):
        with pytest.raises(Invalid) as caught:
            await core.threads.replies(bruno.id, one.id, after=cursor)
        assert caught.value.code == "cursor.invalid"


async def test_threads_are_one_level_deep(
    core: Tertulia, database: Database, bruno: User, carla: User, general: ChannelId
) -> None:
    """Replying to a reply gives Invalid message.nested_thread; a reply has no thread to list."""
    root = await say(core, bruno, general, "raíz")
    answer = await reply(core, carla, root, "respuesta")
    mark = await last_event_id(database)

    with pytest.raises(Invalid) as caught:
        await say(core, bruno, general, "¿anidado?", thread_root_id=answer.id)

    assert caught.value.code == "message.nested_thread"
    assert [e.field for e in caught.value.errors] == ["thread_root_id"]
    with pytest.raises(NotFound) as not_found:
        await core.threads.replies(bruno.id, answer.id)
    assert not_found.value.code == "thread.not_found"
    await nothing_logged(database, mark)


async def test_a_reply_goes_to_a_root_of_the_same_channel(
    core: Tertulia, bruno: User, general: ChannelId, plaza: ChannelId
) -> None:
    """Replying in #general to a message of #plaza gives NotFound message.not_found."""
    root = await say(core, bruno, plaza, "en plaza")

    with pytest.raises(NotFound) as caught:
        await say(core, bruno, general, "respuesta", thread_root_id=root.id)

    assert caught.value.code == "message.not_found"


async def test_repliers_and_the_root_author_follow_the_thread(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User, general: ChannelId
) -> None:
    """Once Carla replies, she and Bruno (who started it) follow the thread; Ana, who only
    watched, does not."""
    root = await say(core, bruno, general, "raíz")
    assert await followed(core, bruno, ws) == []

    await reply(core, carla, root, "respuesta")

    assert await followed(core, bruno, ws) == [root.id]
    assert await followed(core, carla, ws) == [root.id]
    assert await followed(core, ana, ws) == []


async def test_people_mentioned_in_a_thread_follow_it(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User, general: ChannelId
) -> None:
    """Carla names Ana in a reply: Ana is notified and now follows the thread."""
    root = await say(core, bruno, general, "raíz")

    await reply(core, carla, root, "@ana ¿qué opinas?")

    assert await followed(core, ana, ws) == [root.id]
    assert await inbox(core, ana) == [("@ana ¿qué opinas?", "mention")]


async def test_people_named_in_a_threads_first_message_follow_it(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, carla: User, general: ChannelId
) -> None:
    """Bruno asks "@ana ¿qué opinas?" and Carla answers in the thread: Ana, who was asked, follows
    the conversation just as Bruno, who asked, does."""
    root = await say(core, bruno, general, "@ana ¿qué opinas?")

    await reply(core, carla, root, "yo digo que sí")

    assert await followed(core, bruno, ws) == [root.id]
    assert await followed(core, ana, ws) == [root.id]


async def test_reading_a_thread_then_replying_follows_it(
    core: Tertulia, ws: WorkspaceId, bruno: User, carla: User, general: ChannelId
) -> None:
    """Carla opens a thread (marking it read) and then replies: she follows it, as anyone who
    replies does; reading is no choice about following."""
    root = await say(core, bruno, general, "raíz")
    await reply(core, bruno, root, "uno")
    await core.reading.mark_read(carla.id, general, thread_root_id=root.id)

    await reply(core, carla, root, "dos")

    assert await followed(core, carla, ws) == [root.id]


async def test_unfollowing_by_hand_sticks(
    core: Tertulia,
    database: Database,
    ws: WorkspaceId,
    bruno: User,
    carla: User,
    general: ChannelId,
) -> None:
    """Carla unfollows a thread she replied to; replying again, or being named in it, does not
    make her follow it again."""
    root = await say(core, bruno, general, "raíz")
    await reply(core, carla, root, "uno")
    mark = await last_event_id(database)

    await core.threads.follow(carla.id, root.id, following=False)
    await reply(core, carla, root, "dos")
    await reply(core, bruno, root, "@carla ¿sigues ahí?")

    assert await followed(core, carla, ws) == []
    event = only(await logged(database, after=mark), "thread.unfollowed")
    assert event.audience == (f"user:{carla.id}",)
    assert event.data["root_id"] == root.id


async def test_following_by_hand(
    core: Tertulia, database: Database, ws: WorkspaceId, ana: User, bruno: User, general: ChannelId
) -> None:
    """Ana follows a thread she has not taken part in; it shows in her threads view."""
    root = await say(core, bruno, general, "raíz")
    mark = await last_event_id(database)

    await core.threads.follow(ana.id, root.id, following=True)

    assert await followed(core, ana, ws) == [root.id]
    event = only(await logged(database, after=mark), "thread.followed")
    assert event.audience == (f"user:{ana.id}",)


async def test_non_members_cannot_follow_threads(
    core: Tertulia, carla: User, bruno: User, plaza: ChannelId, secreto: ChannelId
) -> None:
    """Carla cannot follow a thread of #plaza (Forbidden) nor of a private channel (NotFound)."""
    public_root = await say(core, bruno, plaza, "raíz")
    private_root = await say(core, bruno, secreto, "raíz")

    with pytest.raises(Forbidden):
        await core.threads.follow(carla.id, public_root.id, following=True)
    with pytest.raises(NotFound):
        await core.threads.follow(carla.id, private_root.id, following=True)
    with pytest.raises(NotFound):
        await core.threads.replies(carla.id, private_root.id)


async def test_the_threads_view_lists_unread_threads_first(
    core: Tertulia, ws: WorkspaceId, bruno: User, carla: User, general: ChannelId
) -> None:
    """Of Carla's threads, one with replies she has not read comes before a busier one she has
    read, whatever their age; among read ones, the latest activity first."""
    old = await say(core, bruno, general, "viejo")
    new = await say(core, bruno, general, "nuevo")
    quiet = await say(core, bruno, general, "tranquilo")
    await reply(core, carla, quiet, "q1")
    await reply(core, carla, old, "o1")
    await reply(core, bruno, old, "o2: para ti")  # unread for Carla
    await reply(core, carla, new, "n1")
    await reply(core, bruno, new, "n2")
    await core.reading.mark_read(carla.id, general, thread_root_id=new.id)
    await core.reading.mark_read(carla.id, general, thread_root_id=quiet.id)

    page = await core.threads.followed(carla.id, ws, None, 50)

    assert [row.root.id for row, _ in page.items] == [old.id, new.id, quiet.id]
    assert [row.unread_replies for row, _ in page.items] == [1, 0, 0]
    assert page.next_cursor is None


async def test_the_threads_view_pages_with_a_cursor(
    core: Tertulia, ws: WorkspaceId, bruno: User, carla: User, general: ChannelId
) -> None:
    """Three followed threads read one per page come in the same order as on one page."""
    roots = [await say(core, bruno, general, f"t{i}") for i in range(3)]
    for root in roots:
        await reply(core, carla, root, "sí")

    whole = await followed(core, bruno, ws)
    seen: list[MessageId] = []
    cursor = None
    while True:
        page = await core.threads.followed(bruno.id, ws, cursor, 1)
        seen.extend(row.root.id for row, _ in page.items)
        cursor = page.next_cursor
        if cursor is None:
            break

    assert seen == whole
    assert sorted(seen) == sorted(r.id for r in roots)


# reactions -------------------------------------------------------------------------------------


async def test_reacting_twice_is_reacting_once(
    core: Tertulia, database: Database, bruno: User, carla: User, general: ChannelId
) -> None:
    """Carla taps 👍 twice: one reaction, one event; removing it twice leaves none, one event."""
    message = await say(core, bruno, general, "¿vale?")
    mark = await last_event_id(database)

    await core.reactions.react(carla.id, message.id, "👍", add=True)
    view = await core.reactions.react(carla.id, message.id, "👍", add=True)

    assert [(r.emoji, r.count, r.me, r.user_ids) for r in view.reactions] == [
        ("👍", 1, True, (carla.id,))
    ]
    added = await logged(database, after=mark)
    assert [e.type for e in added] == ["reaction.added"]
    assert added[0].audience == (f"ch:{general}",)
    assert added[0].data == {
        "message_id": message.id,
        "channel_id": general,
        "emoji": "👍",
        "user_id": carla.id,
    }
    mark = await last_event_id(database)

    await core.reactions.react(carla.id, message.id, "👍", add=False)
    view = await core.reactions.react(carla.id, message.id, "👍", add=False)

    assert view.reactions == []
    assert [e.type for e in await logged(database, after=mark)] == ["reaction.removed"]


async def test_a_shortcode_and_its_emoji_are_one_reaction(
    core: Tertulia, clock: Clock, ana: User, bruno: User, carla: User, general: ChannelId
) -> None:
    """:+1:, :thumbsup: and 👍 count together; so do ❤ and ❤️. The emoji first used comes
    first."""
    message = await say(core, bruno, general, "hecho")

    await core.reactions.react(carla.id, message.id, ":+1:", add=True)
    clock.advance(seconds=1)
    await core.reactions.react(ana.id, message.id, "👍", add=True)
    clock.advance(seconds=1)
    await core.reactions.react(ana.id, message.id, "❤", add=True)
    clock.advance(seconds=1)
    view = await core.reactions.react(bruno.id, message.id, ":thumbsup:", add=True)
    clock.advance(seconds=1)
    await core.reactions.react(carla.id, message.id, "❤️", add=True)

    assert [(r.emoji, r.count) for r in view.reactions] == [("👍", 3), ("❤️", 1)]
    seen = await core.history.get(bruno.id, message.id)
    assert [(r.emoji, r.count) for r in seen.reactions] == [("👍", 3), ("❤️", 2)]
    await core.reactions.react(carla.id, message.id, "👍", add=False)
    seen = await core.history.get(bruno.id, message.id)
    assert [(r.emoji, r.count) for r in seen.reactions] == [("👍", 2), ("❤️", 2)]


async def test_each_emoji_shows_its_count_whether_i_reacted_and_the_first_people(
    core: Tertulia,
    clock: Clock,
    ws: WorkspaceId,
    ana: User,
    bruno: User,
    carla: User,
    general: ChannelId,
) -> None:
    """Five people react 🎉: the message shows 5, the first three reactors, and "me" only to
    those who reacted."""
    dani = await person(core, "dani")
    eva = await person(core, "eva")
    for newcomer in (dani, eva):
        await enrol(core, ws, ana, newcomer)
    message = await say(core, bruno, general, "¡lanzado!")
    order = [carla, ana, dani, eva, bruno]
    for who in order:
        clock.advance(seconds=1)
        await core.reactions.react(who.id, message.id, ":tada:", add=True)
    lurker = await person(core, "fede")
    await enrol(core, ws, ana, lurker)

    mine = (await core.history.get(bruno.id, message.id)).reactions
    theirs = (await core.history.get(lurker.id, message.id)).reactions

    assert [(r.emoji, r.count, r.me, r.user_ids) for r in mine] == [
        ("🎉", 5, True, (carla.id, ana.id, dani.id))
    ]
    assert [(r.emoji, r.count, r.me, r.user_ids) for r in theirs] == [
        ("🎉", 5, False, (carla.id, ana.id, dani.id))
    ]


async def test_history_shows_reactions(
    core: Tertulia, bruno: User, carla: User, general: ChannelId
) -> None:
    """Messages in a page of history carry their reactions, seen from the reader's side."""
    message = await say(core, bruno, general, "hola")
    await say(core, bruno, general, "sin reacciones")
    await core.reactions.react(carla.id, message.id, "👋", add=True)

    page = await core.history.page(carla.id, general)

    assert [[(r.emoji, r.count, r.me) for r in v.reactions] for v in page.items] == [
        [("👋", 1, True)],
        [],
    ]


async def test_at_most_50_different_emoji_per_message(
    core: Tertulia, database: Database, bruno: User, carla: User, general: ChannelId
) -> None:
    """The 51st different emoji gives Conflict reaction.too_many; one already there is still
    welcome."""
    message = await say(core, bruno, general, "reacciona")
    palette = distinct_emoji(51)
    for value in palette[:50]:
        assert canonical_emoji(value) == value
        await core.reactions.react(bruno.id, message.id, value, add=True)
    mark = await last_event_id(database)

    with pytest.raises(Conflict) as caught:
        await core.reactions.react(carla.id, message.id, palette[50], add=True)

    assert caught.value.code == "reaction.too_many"
    await nothing_logged(database, mark)
    view = await core.reactions.react(carla.id, message.id, palette[0], add=True)
    assert len(view.reactions) == 50
    assert {r.emoji: r.count for r in view.reactions}[palette[0]] == 2


async def test_an_unknown_emoji_is_refused(
    core: Tertulia, database: Database, bruno: User, general: ChannelId
) -> None:
    """Reacting with a word or an unknown :shortcode: gives Invalid reaction.unknown_emoji."""
    message = await say(core, bruno, general, "hola")
    mark = await last_event_id(database)

    for value in ("ok", ":no_existe:", "👍👍"):
        with pytest.raises(Invalid) as caught:
            await core.reactions.react(bruno.id, message.id, value, add=True)
        assert caught.value.code == "reaction.unknown_emoji"
    await nothing_logged(database, mark)


async def test_non_members_cannot_react(
    core: Tertulia,
    database: Database,
    bruno: User,
    carla: User,
    plaza: ChannelId,
    secreto: ChannelId,
) -> None:
    """Carla may read #plaza but not react there (Forbidden); a private channel's messages do
    not exist for her (NotFound)."""
    public_message = await say(core, bruno, plaza, "hola")
    private_message = await say(core, bruno, secreto, "hola")
    mark = await last_event_id(database)

    with pytest.raises(Forbidden) as caught:
        await core.reactions.react(carla.id, public_message.id, "👍", add=True)
    assert caught.value.code == "channel.not_member"
    with pytest.raises(NotFound):
        await core.reactions.react(carla.id, private_message.id, "👍", add=True)
    await nothing_logged(database, mark)


async def test_a_deleted_message_takes_no_reactions(
    core: Tertulia, bruno: User, carla: User, general: ChannelId
) -> None:
    """Reacting to a tombstone gives Conflict message.deleted."""
    message = await say(core, bruno, general, "x")
    await core.posting.delete(bruno.id, message.id)

    with pytest.raises(Conflict) as caught:
        await core.reactions.react(carla.id, message.id, "👍", add=True)

    assert caught.value.code == "message.deleted"


# mentions --------------------------------------------------------------------------------------


async def test_mentioning_a_member_notifies_them(
    core: Tertulia, database: Database, bruno: User, carla: User, ana: User, general: ChannelId
) -> None:
    """Bruno writes "@carla": Carla gets a mention notification, privately; Ana gets nothing."""
    mark = await last_event_id(database)

    posted = await post(core, bruno, general, "@Carla ¿revisas esto?")

    message = posted.view.message
    assert message.mentioned == (carla.id,)
    assert posted.not_notified == ()
    assert f'data-user-id="{carla.id}"' in message.html
    assert await inbox(core, carla) == [("@Carla ¿revisas esto?", "mention")]
    assert await inbox(core, ana) == []
    event = only(await logged(database, after=mark), "notification.created")
    assert event.audience == (f"user:{carla.id}",)
    assert event.data["message_id"] == message.id
    assert event.data["kind"] == "mention"
    assert event.data["author_id"] == bruno.id


async def test_mentioning_someone_outside_the_channel_notifies_nobody(
    core: Tertulia, bruno: User, carla: User, olga: User, plaza: ChannelId
) -> None:
    """In #plaza, "@carla" (in the workspace, not the channel), "@olga" (outside it) and
    "@nadie" (no such person) notify nobody, and the answer names them. Carla's name still
    shows as hers; the others stay plain text."""
    posted = await post(core, bruno, plaza, "@carla @olga @nadie hola")

    assert posted.not_notified == ("carla", "olga", "nadie")
    assert posted.view.message.mentioned == ()
    assert await inbox(core, carla) == []
    assert await inbox(core, olga) == []
    assert posted.view.message.html.count("data-user-id") == 1
    assert f'data-user-id="{carla.id}"' in posted.view.message.html
    assert f'data-user-id="{olga.id}"' not in posted.view.message.html


async def test_mentioning_oneself_notifies_nobody(
    core: Tertulia, bruno: User, general: ChannelId
) -> None:
    """Bruno naming himself gets no notification, and is not reported as not notified."""
    posted = await post(core, bruno, general, "nota para @bruno")

    assert posted.not_notified == ()
    assert await inbox(core, bruno) == []


@pytest.mark.parametrize("word", ["@channel", "@all", "@everyone"])
async def test_calling_the_channel_notifies_every_member_but_the_author(
    core: Tertulia,
    database: Database,
    ana: User,
    bruno: User,
    carla: User,
    olga: User,
    general: ChannelId,
    word: str,
) -> None:
    """@channel (or @all) notifies each member of #general but Bruno who wrote it."""
    mark = await last_event_id(database)

    message = await say(core, bruno, general, f"{word} reunión a las 10")

    assert message.mentions_everyone
    assert await inbox(core, ana) == [(f"{word} reunión a las 10", "everyone")]
    assert await inbox(core, carla) == [(f"{word} reunión a las 10", "everyone")]
    assert await inbox(core, bruno) == []
    assert await inbox(core, olga) == []
    event = only(await logged(database, after=mark), "notification.created")
    assert sorted(event.audience) == sorted([f"user:{ana.id}", f"user:{carla.id}"])
    assert event.data["kind"] == "everyone"


async def test_calling_here_notifies_nobody_yet(
    core: Tertulia, database: Database, bruno: User, carla: User, general: ChannelId
) -> None:
    """Until presence exists nobody is online, so @here notifies nobody."""
    mark = await last_event_id(database)

    message = await say(core, bruno, general, "@here ¿alguien?")

    assert message.mentions_here
    assert not message.mentions_everyone
    assert await inbox(core, carla) == []
    assert [e.type for e in await logged(database, after=mark)] == ["message.created"]


async def test_names_in_code_notify_nobody(
    core: Tertulia, bruno: User, carla: User, general: ChannelId
) -> None:
    """ "`@carla`" in code is an example, not a call: Carla is not notified."""
    posted = await post(core, bruno, general, "escribe `@carla` o\n\n```\n@channel\n```")

    assert posted.view.message.mentioned == ()
    assert not posted.view.message.mentions_everyone
    assert await inbox(core, carla) == []


async def test_a_username_ending_in_an_underscore_can_be_mentioned(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, general: ChannelId
) -> None:
    """Usernames may end in "_" or ".", so "@jose_" must reach the member called jose_."""
    jose = await person(core, "jose_")
    await enrol(core, ws, ana, jose)

    posted = await post(core, bruno, general, "@jose_ hola")

    assert posted.not_notified == ()
    assert posted.view.message.mentioned == (jose.id,)
    assert await inbox(core, jose) == [("@jose_ hola", "mention")]


# notifications inbox ---------------------------------------------------------------------------


async def test_the_inbox_lists_newest_first_a_page_at_a_time(
    core: Tertulia, bruno: User, carla: User, general: ChannelId
) -> None:
    """Carla's mentions come newest first, two per page, then the rest."""
    for i in range(3):
        await say(core, bruno, general, f"@carla {i}")

    first = await core.inbox.notifications(carla.id, None, 2, unread_only=False)
    assert first.next_cursor is not None
    cursor = MessageId(first.next_cursor)
    second = await core.inbox.notifications(carla.id, cursor, 2, unread_only=False)

    assert [i.view.message.text for i in first.items] == ["@carla 2", "@carla 1"]
    assert [i.view.message.text for i in second.items] == ["@carla 0"]
    assert second.next_cursor is None
    assert all(i.notification.read_at is None for i in first.items)
    assert {i.notification.channel_id for i in first.items} == {general}


async def test_the_inbox_keeps_the_order_of_quick_mentions(
    core: Tertulia, bruno: User, carla: User, general: ChannelId, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forty mentions that all land in the same millisecond (as they do on a busy server) are
    listed exactly newest first."""
    one_millisecond = int(time.time() * 1000)
    monkeypatch.setattr(posting, "new_id", lambda: new_id(one_millisecond))
    sent = [await say(core, bruno, general, f"@carla {i}") for i in range(40)]

    listed = [text for text, _ in await inbox(core, carla)]

    assert listed == [m.text for m in reversed(sent)]


async def test_a_mention_added_by_an_edit_takes_the_messages_place_in_the_inbox(
    core: Tertulia, bruno: User, carla: User, general: ChannelId
) -> None:
    """Bruno edits an older message to mention Carla: it shows between the mentions sent
    before and after it, on the page where its place falls."""
    await say(core, bruno, general, "@carla a")
    older = await say(core, bruno, general, "hola")
    await say(core, bruno, general, "@carla c")

    await core.posting.edit(bruno.id, older.id, "@carla hola", older.version)

    assert [text for text, _ in await inbox(core, carla)] == ["@carla c", "@carla hola", "@carla a"]
    first = await core.inbox.notifications(carla.id, None, 1, unread_only=False)
    assert first.next_cursor is not None
    second = await core.inbox.notifications(
        carla.id, MessageId(first.next_cursor), 1, unread_only=False
    )
    assert [i.view.message.text for i in second.items] == ["@carla hola"]


async def test_notifications_are_marked_read_some_or_all(
    core: Tertulia, database: Database, clock: Clock, bruno: User, carla: User, general: ChannelId
) -> None:
    """Carla reads one mention, then all: unread_only lists what is left; marking again
    changes nothing."""
    messages = [await say(core, bruno, general, f"@carla {i}") for i in range(3)]
    mark = await last_event_id(database)

    assert await core.inbox.read_notifications(carla.id, [messages[0].id]) == 1

    assert await inbox(core, carla, unread_only=True) == [
        ("@carla 2", "mention"),
        ("@carla 1", "mention"),
    ]
    page = await core.inbox.notifications(carla.id, None, 50, unread_only=False)
    assert [i.notification.read_at for i in page.items] == [None, None, clock.now]
    event = only(await logged(database, after=mark), "notification.read")
    assert event.audience == (f"user:{carla.id}",)
    assert event.data["message_ids"] == [messages[0].id]

    assert await core.inbox.read_notifications(carla.id, None) == 2
    assert await inbox(core, carla, unread_only=True) == []
    assert len(await inbox(core, carla)) == 3
    mark = await last_event_id(database)
    assert await core.inbox.read_notifications(carla.id, None) == 0
    await nothing_logged(database, mark)


async def test_one_cannot_mark_someone_elses_notifications(
    core: Tertulia, bruno: User, carla: User, ana: User, general: ChannelId
) -> None:
    """Ana marking Carla's notification read changes nothing for Carla."""
    message = await say(core, bruno, general, "@carla hola")

    assert await core.inbox.read_notifications(ana.id, [message.id]) == 0
    assert await inbox(core, carla, unread_only=True) == [("@carla hola", "mention")]


async def test_notifications_of_channels_one_left_are_not_listed(
    core: Tertulia, bruno: User, carla: User, plaza: ChannelId
) -> None:
    """After Carla leaves #plaza, its mentions of her no longer show in her inbox."""
    await core.channels.add_member(carla.id, plaza, carla.id)
    await say(core, bruno, plaza, "@carla mira")
    assert len(await inbox(core, carla)) == 1

    await core.channels.remove_member(carla.id, plaza, carla.id)

    assert await inbox(core, carla) == []


# read state ------------------------------------------------------------------------------------


async def test_marking_read_up_to_a_message(
    core: Tertulia,
    database: Database,
    ws: WorkspaceId,
    bruno: User,
    carla: User,
    general: ChannelId,
) -> None:
    """Carla has read up to m2: two messages are unread; her other devices hear of it."""
    m = await five(core, bruno, general)
    assert (await unread_in(core, carla, ws, general)).unread_messages == 5
    mark = await last_event_id(database)

    seq = await core.reading.mark_read(carla.id, general, up_to=m[2].id)

    assert seq == m[2].seq
    row = await unread_in(core, carla, ws, general)
    assert row.unread_messages == 2
    assert row.last_read_seq == m[2].seq
    assert row.latest_seq == m[4].seq
    event = only(await logged(database, after=mark), "channel.read")
    assert event.audience == (f"user:{carla.id}",)
    assert event.data == {"channel_id": general, "last_read_seq": m[2].seq}


async def test_marking_read_defaults_to_the_newest_message(
    core: Tertulia, ws: WorkspaceId, bruno: User, carla: User, general: ChannelId
) -> None:
    """Marking #general read without saying where clears it."""
    m = await five(core, bruno, general)

    seq = await core.reading.mark_read(carla.id, general)

    assert seq == m[4].seq
    assert (await unread_in(core, carla, ws, general)).unread_messages == 0


async def test_marking_an_earlier_message_makes_the_rest_unread_again(
    core: Tertulia, ws: WorkspaceId, bruno: User, carla: User, general: ChannelId
) -> None:
    """ "Mark unread from here": after reading everything, marking m0 leaves four unread."""
    m = await five(core, bruno, general)
    await core.reading.mark_read(carla.id, general)

    await core.reading.mark_read(carla.id, general, up_to=m[0].id)

    assert (await unread_in(core, carla, ws, general)).unread_messages == 4


async def test_unread_counts_leave_out_ones_own_and_deleted_messages(
    core: Tertulia, ws: WorkspaceId, bruno: User, carla: User, general: ChannelId
) -> None:
    """Carla's own messages and those Bruno deleted are not waiting for her."""
    await say(core, bruno, general, "uno")
    gone = await say(core, bruno, general, "dos")
    await say(core, carla, general, "mío")
    root = await say(core, bruno, general, "tres")
    await reply(core, bruno, root, "en el hilo")  # not in the channel
    await core.posting.delete(bruno.id, gone.id)

    row = await unread_in(core, carla, ws, general)

    assert row.unread_messages == 2
    assert (await unread_in(core, bruno, ws, general)).unread_messages == 1


async def test_unread_mentions_are_counted_per_channel(
    core: Tertulia, ws: WorkspaceId, bruno: User, carla: User, general: ChannelId, plaza: ChannelId
) -> None:
    """Two mentions and an @channel make three unread mentions in #general, until read."""
    await core.channels.add_member(carla.id, plaza, carla.id)
    await say(core, bruno, general, "@carla uno")
    await say(core, bruno, general, "nada")
    await say(core, bruno, general, "@carla dos")
    await say(core, bruno, general, "@channel tres")
    await say(core, bruno, plaza, "@carla en plaza")

    row = await unread_in(core, carla, ws, general)
    elsewhere = await unread_in(core, carla, ws, plaza)

    assert row.mentions == 3
    assert row.unread_messages == 4
    assert elsewhere.mentions == 1
    await core.reading.mark_read(carla.id, general)
    assert (await unread_in(core, carla, ws, general)).mentions == 0
    assert (await unread_in(core, carla, ws, plaza)).mentions == 1


async def test_a_muted_channel_counts_only_mentions(
    core: Tertulia,
    database: Database,
    ws: WorkspaceId,
    bruno: User,
    carla: User,
    general: ChannelId,
) -> None:
    """Carla mutes #general: it shows no unread messages but still her mention; unmuted, the
    messages count again."""
    mark = await last_event_id(database)
    await core.reading.mute(carla.id, general, muted=True)
    await core.reading.mute(carla.id, general, muted=True)
    await say(core, bruno, general, "charla")
    await say(core, bruno, general, "@carla esto sí")

    row = await unread_in(core, carla, ws, general)

    assert row.muted
    assert row.unread_messages == 0
    assert row.mentions == 1
    muted = [e for e in await logged(database, after=mark) if e.type == "channel.muted"]
    assert len(muted) == 1
    assert muted[0].audience == (f"user:{carla.id}",)
    await core.reading.mute(carla.id, general, muted=False)
    row = await unread_in(core, carla, ws, general)
    assert not row.muted
    assert row.unread_messages == 2


async def test_followed_threads_count_their_unread_replies(
    core: Tertulia,
    database: Database,
    ws: WorkspaceId,
    bruno: User,
    carla: User,
    general: ChannelId,
) -> None:
    """Carla follows a thread where Bruno wrote twice since her reply: it shows 2 unread
    replies until she reads the thread."""
    root = await say(core, bruno, general, "raíz")
    await reply(core, carla, root, "mía")
    await core.reading.mark_read(carla.id, general, thread_root_id=root.id)
    await reply(core, bruno, root, "uno")
    last = await reply(core, bruno, root, "dos")

    threads = (await core.reading.unreads(carla.id, ws)).threads

    assert [(t.root.id, t.unread_replies) for t in threads] == [(root.id, 2)]
    assert threads[0].latest_seq == last.seq
    mark = await last_event_id(database)
    seq = await core.reading.mark_read(carla.id, general, thread_root_id=root.id)
    assert seq == last.seq
    assert (await core.reading.unreads(carla.id, ws)).threads == []
    event = only(await logged(database, after=mark), "thread.read")
    assert event.audience == (f"user:{carla.id}",)
    assert event.data["root_id"] == root.id


async def test_reading_up_to_a_message_elsewhere_is_refused(
    core: Tertulia,
    database: Database,
    bruno: User,
    carla: User,
    general: ChannelId,
    plaza: ChannelId,
) -> None:
    """A marker in #general cannot point at a message of #plaza nor at a thread-only reply."""
    elsewhere = await say(core, bruno, plaza, "plaza")
    root = await say(core, bruno, general, "raíz")
    hidden = await reply(core, bruno, root, "solo en el hilo")
    mark = await last_event_id(database)

    for target in (elsewhere, hidden):
        with pytest.raises(NotFound) as caught:
            await core.reading.mark_read(carla.id, general, up_to=target.id)
        assert caught.value.code == "message.not_found"
    await nothing_logged(database, mark)


async def test_non_members_keep_no_read_marker(
    core: Tertulia, carla: User, bruno: User, plaza: ChannelId, secreto: ChannelId
) -> None:
    """Carla is not in #plaza (Forbidden) nor in the private channel (NotFound)."""
    await say(core, bruno, plaza, "hola")

    with pytest.raises(Forbidden):
        await core.reading.mark_read(carla.id, plaza)
    with pytest.raises(NotFound):
        await core.reading.mark_read(carla.id, secreto)
    with pytest.raises(Forbidden):
        await core.reading.mute(carla.id, plaza, muted=True)


async def test_unreads_are_for_workspace_members_only(
    core: Tertulia, olga: User, ws: WorkspaceId
) -> None:
    """Someone outside the workspace asking for its unreads gets NotFound."""
    with pytest.raises(NotFound):
        await core.reading.unreads(olga.id, ws)
    with pytest.raises(NotFound):
        await core.threads.followed(olga.id, ws, None, 50)


# pins ------------------------------------------------------------------------------------------


async def test_pinning_and_unpinning_are_idempotent(
    core: Tertulia,
    database: Database,
    clock: Clock,
    bruno: User,
    carla: User,
    general: ChannelId,
) -> None:
    """Carla pins a message twice: it is pinned once, by her, with one event; unpinning twice
    likewise."""
    message = await say(core, bruno, general, "reglas del canal")
    mark = await last_event_id(database)

    await core.reactions.pin(carla.id, message.id, pinned=True)
    view = await core.reactions.pin(carla.id, message.id, pinned=True)

    assert view.message.pinned_at == clock.now
    assert view.message.pinned_by == carla.id
    event = only(await logged(database, after=mark), "message.pinned")
    assert event.audience == (f"ch:{general}",)
    assert event.data["pinned_by"] == carla.id
    mark = await last_event_id(database)

    await core.reactions.pin(carla.id, message.id, pinned=False)
    view = await core.reactions.pin(carla.id, message.id, pinned=False)

    assert view.message.pinned_at is None
    assert view.message.pinned_by is None
    assert [e.type for e in await logged(database, after=mark)] == ["message.unpinned"]
    assert await core.reactions.pins(bruno.id, general) == []


async def test_pins_are_listed_newest_pin_first(
    core: Tertulia, clock: Clock, bruno: User, carla: User, general: ChannelId
) -> None:
    """The most recently pinned message comes first, whatever its age."""
    old = await say(core, bruno, general, "viejo")
    new = await say(core, bruno, general, "nuevo")
    await say(core, bruno, general, "sin fijar")
    await core.reactions.pin(carla.id, new.id, pinned=True)
    clock.advance(minutes=1)
    await core.reactions.pin(carla.id, old.id, pinned=True)

    pins = await core.reactions.pins(bruno.id, general)

    assert [v.message.text for v in pins] == ["viejo", "nuevo"]


async def test_only_members_pin(
    core: Tertulia,
    database: Database,
    bruno: User,
    carla: User,
    plaza: ChannelId,
    secreto: ChannelId,
) -> None:
    """Carla cannot pin in #plaza, which she is not in (Forbidden), nor see the private channel's
    pins (NotFound)."""
    public_message = await say(core, bruno, plaza, "hola")
    private_message = await say(core, bruno, secreto, "hola")
    await core.reactions.pin(bruno.id, private_message.id, pinned=True)
    mark = await last_event_id(database)

    with pytest.raises(Forbidden) as caught:
        await core.reactions.pin(carla.id, public_message.id, pinned=True)
    assert caught.value.code == "channel.not_member"
    with pytest.raises(NotFound):
        await core.reactions.pin(carla.id, private_message.id, pinned=True)
    with pytest.raises(NotFound):
        await core.reactions.pins(carla.id, secreto)
    await nothing_logged(database, mark)


async def test_a_deleted_message_cannot_be_pinned(
    core: Tertulia, bruno: User, general: ChannelId
) -> None:
    """Pinning a tombstone gives Conflict message.deleted."""
    message = await say(core, bruno, general, "x")
    await core.posting.delete(bruno.id, message.id)

    with pytest.raises(Conflict) as caught:
        await core.reactions.pin(bruno.id, message.id, pinned=True)

    assert caught.value.code == "message.deleted"


# events ----------------------------------------------------------------------------------------


async def test_a_reply_with_a_mention_appends_its_events_in_order(
    core: Tertulia, database: Database, ana: User, bruno: User, carla: User, general: ChannelId
) -> None:
    """One reply naming Ana appends the message, the thread's new summary and Ana's
    notification, each for its audience, in one go with consecutive ids."""
    root = await say(core, bruno, general, "raíz")
    mark = await last_event_id(database)

    message = await reply(core, carla, root, "@ana mira")

    events = await logged(database, after=mark)
    assert [(e.type, e.audience) for e in events] == [
        ("message.created", (f"ch:{general}",)),
        ("thread.updated", (f"ch:{general}",)),
        ("notification.created", (f"user:{ana.id}",)),
    ]
    assert [e.id for e in events] == list(range(events[0].id, events[0].id + 3))
    assert message.seq == events[0].id
    assert all(e.channel_id == general for e in events)
    assert events[0].data["mentions"] == {"user_ids": [ana.id], "everyone": False, "here": False}


async def test_a_messages_place_is_the_id_of_its_creation_event(
    core: Tertulia, database: Database, bruno: User, general: ChannelId
) -> None:
    """Clients learn where a message stands from the event that announced it: its id is the
    message's seq (the data carries no seq of its own, which only commit can know)."""
    mark = await last_event_id(database)
    message = await say(core, bruno, general, "hola")
    created = only(await logged(database, after=mark), "message.created")
    assert created.id == message.seq
    assert "seq" not in created.data


async def test_opening_a_dm_makes_nobody_its_moderator(
    core: Tertulia, ws: WorkspaceId, bruno: User, carla: User
) -> None:
    """Bruno opened the DM, but he cannot delete Carla's messages in it."""
    dm, _ = await core.channels.open_dm(bruno.id, ws, [carla.id])
    hers = await say(core, carla, dm.channel.id, "mío")
    with pytest.raises(Forbidden) as refused:
        await core.posting.delete(bruno.id, hers.id)
    assert refused.value.code == "message.not_author"


async def test_a_creator_who_left_the_channel_moderates_it_no_more(
    core: Tertulia, bruno: User, carla: User, plaza: ChannelId
) -> None:
    """Bruno created #plaza and left it: Carla's messages there are hers to delete, not his."""
    await core.channels.add_member(carla.id, plaza, carla.id)
    hers = await say(core, carla, plaza, "hola")
    await core.channels.remove_member(bruno.id, plaza, bruno.id)
    with pytest.raises(Forbidden):
        await core.posting.delete(bruno.id, hers.id)


async def test_authors_who_left_a_channel_cannot_edit_there(
    core: Tertulia, database: Database, bruno: User, carla: User, plaza: ChannelId
) -> None:
    """Carla left #plaza: editing her old message (to ping someone there) is refused."""
    await core.channels.add_member(carla.id, plaza, carla.id)
    hers = await say(core, carla, plaza, "hola")
    await core.channels.remove_member(carla.id, plaza, carla.id)
    mark = await last_event_id(database)
    with pytest.raises(Forbidden) as refused:
        await core.posting.edit(carla.id, hers.id, "hola @bruno", hers.version)
    assert refused.value.code == "channel.not_member"
    await nothing_logged(database, mark)


async def test_a_guest_cannot_probe_names_through_mentions(
    core: Tertulia, ws: WorkspaceId, ana: User, bruno: User, plaza: ChannelId, general: ChannelId
) -> None:
    """A guest naming people and channels outside its own learns nothing: they stay plain
    text, unlinked, like names that do not exist."""
    gina = await person(core, "gina")
    await enrol(core, ws, ana, gina, Role.GUEST, [plaza])
    posted = await post(core, gina, plaza, "hola @ana @bruno @nadie #general #plaza")
    html = posted.view.message.html
    assert ana.id not in html
    assert str(general) not in html
    assert f'data-user-id="{bruno.id}"' in html  # Bruno is in #plaza with her
    assert f'data-channel-id="{plaza}"' in html
    assert set(posted.not_notified) == {"ana", "nadie"}


async def test_a_name_inside_a_link_mentions_nobody(
    core: Tertulia, bruno: User, carla: User, general: ChannelId
) -> None:
    """A link such as https://medium.com/@carla/post is a link, not a ping for Carla."""
    posted = await post(core, bruno, general, "lee https://medium.com/@carla/post")
    assert posted.view.message.mentioned == ()
    assert await inbox(core, carla) == []


async def test_deleting_replies_recomputes_the_threads_summary(
    core: Tertulia, ana: User, bruno: User, carla: User, general: ChannelId, clock: Clock
) -> None:
    """After Carla's later reply is deleted, the thread shows Bruno's as the last one and
    Carla no longer among those who replied; with no replies left, no summary."""
    root = await say(core, ana, general, "raíz")
    first = await reply(core, bruno, root, "uno")
    clock.advance(minutes=5)
    second = await reply(core, carla, root, "dos")
    await core.posting.delete(carla.id, second.id)
    summary = await current(core, ana, root)
    assert summary.reply_count == 1
    assert summary.last_reply_at == first.created_at
    assert summary.participants == (bruno.id,)
    await core.posting.delete(bruno.id, first.id)
    empty = await current(core, ana, root)
    assert (empty.reply_count, empty.last_reply_at, empty.participants) == (0, None, ())


async def test_people_hear_when_a_mention_of_them_goes_away(
    core: Tertulia, database: Database, bruno: User, carla: User, dani: User, general: ChannelId
) -> None:
    """Dani's other devices drop the notification when the mention is edited away, and Carla's
    when the message is deleted."""
    message = await say(core, bruno, general, "@carla @dani mirad")
    mark = await last_event_id(database)
    edited = (await core.posting.edit(bruno.id, message.id, "@carla mira", 1)).view.message
    removed = only(await logged(database, after=mark), "notification.removed")
    assert removed.audience == (f"user:{dani.id}",)
    mark = await last_event_id(database)
    await core.posting.delete(bruno.id, edited.id)
    removed = only(await logged(database, after=mark), "notification.removed")
    assert removed.audience == (f"user:{carla.id}",)
    assert removed.data == {"message_id": message.id, "channel_id": general}
