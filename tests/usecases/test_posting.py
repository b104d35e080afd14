"""Posting as its people see it: a message stored with its source text, rendered HTML and
place, where one may post and what is refused (archived channels, over the length limit,
blanks), retries with the same client_msg_id that post once, and the events a post appends to
the log. Editing and deleting have modules of their own (test_editing.py, test_deleting.py)."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Awaitable

import pytest

from tertulia.adapters.sql.database import Database
from tertulia.domain.channels import ChannelChange
from tertulia.domain.errors import Conflict, Forbidden, Invalid, NotFound
from tertulia.domain.ids import ChannelId, WorkspaceId
from tertulia.domain.messages import DEFAULT_MAX_LENGTH, Draft
from tertulia.domain.users import User
from tertulia.usecases import markup
from tertulia.usecases.core import Tertulia
from tertulia.usecases.messaging import Posted
from tests.conftest import Clock
from tests.usecases.talk import current, inbox, nothing_logged, only, post, reply, say, texts
from tests.usecases.teams import last_event_id, logged

# helpers ---------------------------------------------------------------------------------------


async def outcome_of(attempt: Awaitable[Posted]) -> Posted | Conflict:
    """What a post answers: the message, or the Conflict it raises."""
    try:
        return await attempt
    except Conflict as exc:
        return exc


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
