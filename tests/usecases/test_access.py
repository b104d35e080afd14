"""Who may see what, rule by rule (`usecases/access.py`): one table per function, each row a
situation as people would tell it and what it answers — the role, the channel and whether one
belongs to it, the message or file, or the exact refusal. What one may not see is NotFound, and
the same NotFound as for what does not exist; Forbidden only for what one sees but may not do.

One team, built with the real use cases on a real SQLite database: Ana owns the workspace, Adri
is an admin, Bruno and Carla members, Gina a guest (in #general, and in #patio with Bruno), Leo
joined and left, Olga has a workspace of her own. #plaza (public) and #secreto (private) are
Bruno's alone; Bruno and Carla share a DM."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import pytest

from tertulia.domain.channels import ChannelKind
from tertulia.domain.errors import DomainError, Forbidden, NotFound
from tertulia.domain.ids import ChannelId, FileId, MessageId, UserId, WorkspaceId, new_id
from tertulia.domain.users import User
from tertulia.domain.workspaces import Role
from tertulia.usecases import access
from tertulia.usecases.core import Tertulia
from tertulia.usecases.ports import UnitOfWork
from tests.usecases.talk import reply, say
from tests.usecases.teams import enrol, person


@dataclass(frozen=True, slots=True)
class Refused:
    """An access function's refusal: the exact error class and its code."""

    error: type[DomainError]
    code: str
    detail: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class Sees:
    """What an access function let through (by its name in the world below), and whether the
    person belongs to its channel (None where that is not part of the answer)."""

    thing: str
    member: bool | None = None


T = TypeVar("T")

NO_WORKSPACE = Refused(NotFound, "workspace.not_found")
NO_CHANNEL = Refused(NotFound, "channel.not_found")
NO_MESSAGE = Refused(NotFound, "message.not_found")
NO_FILE = Refused(NotFound, "file.not_found")
NOT_MEMBER = Refused(Forbidden, "channel.not_member")


def case(description: str, *values: object) -> object:
    """A row of a table: the situation in words, then its values."""
    return pytest.param(*values, id=description)


# whoever locks what they look up (to change it) is answered the same
either_way = pytest.mark.parametrize("lock", [False, True], ids=["reading", "locking"])


@dataclass
class World:
    """The team's people, places, messages and files, by name; "missing" names nothing."""

    core: Tertulia
    people: dict[str, UserId]
    workspaces: dict[str, WorkspaceId]
    channels: dict[str, ChannelId]
    messages: dict[str, MessageId]
    files: dict[str, FileId]

    def name(self, some_id: str) -> str:
        everything = (self.workspaces, self.channels, self.messages, self.files)
        return next(k for names in everything for k, v in names.items() if v == some_id)

    async def answer(
        self, ask: Callable[[UnitOfWork], Awaitable[T]], lock: bool = False
    ) -> T | Refused:
        """What `ask` returns inside a unit of work (a writing one when it locks), or how it
        refused."""
        async with self.core.posting.uow(read_only=not lock) as uow:
            try:
                return await ask(uow)
            except DomainError as exc:
                return Refused(type(exc), exc.code, exc.detail)


async def chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def upload(core: Tertulia, who: User, ws: WorkspaceId, name: str) -> FileId:
    return (await core.files.upload(who.id, ws, name, chunks(b"notas de la reunion\n"))).id


@pytest.fixture
async def world(
    core: Tertulia,
    ws: WorkspaceId,
    ana: User,
    bruno: User,
    carla: User,
    olga: User,
    general: ChannelId,
    plaza: ChannelId,
    secreto: ChannelId,
) -> World:
    adri, gina, leo = [await person(core, name) for name in ("adri", "gina", "leo")]
    await enrol(core, ws, ana, adri, Role.ADMIN)
    await enrol(core, ws, ana, gina, Role.GUEST, [general])
    await enrol(core, ws, ana, leo)
    patio = (await core.channels.create(bruno.id, ws, "patio", ChannelKind.PUBLIC)).channel.id
    await core.channels.add_member(bruno.id, patio, gina.id)
    dm = (await core.channels.open_dm(bruno.id, ws, [carla.id]))[0].channel.id
    other_ws = (await core.workspaces.create(olga.id, "Otro Equipo"))[0].id
    other = next(r.channel.id for r in (await core.channels.browse(olga.id, other_ws)).items)

    root = await say(core, bruno, general, "hola")
    messages = {
        "in #general": root.id,
        "a reply in #general": (await reply(core, carla, root, "buenas")).id,
        "in #plaza": (await say(core, bruno, plaza, "plaza")).id,
        "in #secreto": (await say(core, bruno, secreto, "secreto")).id,
        "in the DM": (await say(core, bruno, dm, "psst")).id,
        "in Olga's workspace": (await say(core, olga, other, "hola")).id,
    }
    files = {
        "Bruno's unattached": await upload(core, bruno, ws, "borrador.txt"),
        "Leo's unattached": await upload(core, leo, ws, "mio.txt"),
    }
    for name, who, channel in [
        ("in #general", carla, general),
        ("in #plaza", bruno, plaza),
        ("in #secreto", bruno, secreto),
        ("Leo's in #general", leo, general),
        ("deleted", bruno, general),
    ]:
        files[name] = await upload(core, who, ws, "adjunto.txt")
        await say(core, who, channel, "adjunto", file_ids=(files[name],))
    await core.files.delete(bruno.id, files["deleted"])
    await core.workspaces.remove(leo.id, ws, leo.id)

    people = {u.username: u.id for u in (ana, adri, bruno, carla, gina, leo, olga)}
    return World(
        core,
        people=people,
        workspaces={"Ana's": ws, "Olga's": other_ws, "missing": WorkspaceId(new_id())},
        channels={
            "#general": general,
            "#plaza": plaza,
            "#secreto": secreto,
            "#patio": patio,
            "the DM": dm,
            "Olga's #general": other,
            "missing": ChannelId(new_id()),
        },
        messages={**messages, "missing": MessageId(new_id())},
        files={**files, "missing": FileId(new_id())},
    )


@pytest.mark.parametrize(
    ("who", "workspace", "expected"),
    [
        case("the owner", "ana", "Ana's", Role.OWNER),
        case("an admin", "adri", "Ana's", Role.ADMIN),
        case("a member", "bruno", "Ana's", Role.MEMBER),
        case("a guest", "gina", "Ana's", Role.GUEST),
        case("someone who left the workspace", "leo", "Ana's", NO_WORKSPACE),
        case("someone never in it", "olga", "Ana's", NO_WORKSPACE),
        case("a member of another workspace", "bruno", "Olga's", NO_WORKSPACE),
        case("a workspace that does not exist", "ana", "missing", NO_WORKSPACE),
    ],
)
async def test_require_membership(world: World, who: str, workspace: str, expected: object) -> None:
    async def ask(uow: UnitOfWork) -> Role:
        membership = await access.require_membership(
            uow, world.workspaces[workspace], world.people[who]
        )
        assert (membership.workspace_id, membership.user_id) == (
            world.workspaces[workspace],
            world.people[who],
        )
        return membership.role

    assert await world.answer(ask) == expected


@either_way
@pytest.mark.parametrize(
    ("who", "channel", "expected"),
    [
        case("a member of a public channel", "bruno", "#plaza", Sees("#plaza", True)),
        case("a full member not in a public one sees it", "carla", "#plaza", Sees("#plaza", False)),
        case("the owner not in a public one sees it", "ana", "#plaza", Sees("#plaza", False)),
        case("a guest not in a public channel", "gina", "#plaza", NO_CHANNEL),
        case("a guest in a public channel", "gina", "#patio", Sees("#patio", True)),
        case("a guest in #general", "gina", "#general", Sees("#general", True)),
        case("a member of a private channel", "bruno", "#secreto", Sees("#secreto", True)),
        case("a full member not in a private one", "carla", "#secreto", NO_CHANNEL),
        case("an admin not in a private one", "adri", "#secreto", NO_CHANNEL),
        case("the owner not in a private one", "ana", "#secreto", NO_CHANNEL),
        case("someone outside the workspace", "olga", "#general", NO_CHANNEL),
        case("someone who left the workspace", "leo", "#general", NO_CHANNEL),
        case("a channel that does not exist", "ana", "missing", NO_CHANNEL),
        case("a DM one is in", "carla", "the DM", Sees("the DM", True)),
        case("a DM one is not in, even the owner", "ana", "the DM", NO_CHANNEL),
        case("a channel of another workspace", "bruno", "Olga's #general", NO_CHANNEL),
        case("one's own other workspace", "olga", "Olga's #general", Sees("Olga's #general", True)),
    ],
)
async def test_require_channel(
    world: World, who: str, channel: str, lock: bool, expected: object
) -> None:
    async def ask(uow: UnitOfWork) -> Sees:
        seen = await access.require_channel(uow, world.channels[channel], world.people[who], lock)
        return Sees(world.name(seen.channel.id), seen.is_member)

    assert await world.answer(ask, lock) == expected


@pytest.mark.parametrize(
    ("who", "channel", "doing", "expected"),
    [
        case("a member of a public channel", "bruno", "#plaza", "post here", None),
        case("a guest in its channel", "gina", "#patio", "react", None),
        case("a full member only looking", "carla", "#plaza", "post here", NOT_MEMBER),
        case("the owner only looking", "ana", "#plaza", "pin messages", NOT_MEMBER),
        case("an admin only looking", "adri", "#patio", "mark it read", NOT_MEMBER),
    ],
)
async def test_require_member(
    world: World, who: str, channel: str, doing: str, expected: object
) -> None:
    async def ask(uow: UnitOfWork) -> None:
        seen = await access.require_channel(uow, world.channels[channel], world.people[who])
        access.require_member(seen, doing)

    got = await world.answer(ask)
    assert got == expected
    if isinstance(got, Refused):
        assert got.detail == f"Only members of a channel can {doing}."


@either_way
@pytest.mark.parametrize(
    ("who", "message", "expected"),
    [
        case("in a channel one is in", "carla", "in #general", Sees("in #general", True)),
        case("in a public channel one looks at", "ana", "in #plaza", Sees("in #plaza", False)),
        case("a thread reply", "bruno", "a reply in #general", Sees("a reply in #general", True)),
        case("in a private channel one is not in", "carla", "in #secreto", NO_MESSAGE),
        case("the owner, in a private channel", "ana", "in #secreto", NO_MESSAGE),
        case("a guest, in a public channel not theirs", "gina", "in #plaza", NO_MESSAGE),
        case("a guest, in their channel", "gina", "in #general", Sees("in #general", True)),
        case("in a DM one is in", "carla", "in the DM", Sees("in the DM", True)),
        case("in a DM one is not in", "ana", "in the DM", NO_MESSAGE),
        case("someone outside the workspace", "olga", "in #general", NO_MESSAGE),
        case("someone who left the workspace", "leo", "in #general", NO_MESSAGE),
        case("in another workspace", "bruno", "in Olga's workspace", NO_MESSAGE),
        case("a message that does not exist", "bruno", "missing", NO_MESSAGE),
    ],
)
async def test_require_message(
    world: World, who: str, message: str, lock: bool, expected: object
) -> None:
    async def ask(uow: UnitOfWork) -> Sees:
        found, seen = await access.require_message(
            uow, world.people[who], world.messages[message], lock
        )
        assert seen.channel.id == found.channel_id
        if message.startswith("a reply"):
            assert found.thread_root_id == world.messages["in #general"]
        return Sees(world.name(found.id), seen.is_member)

    assert await world.answer(ask, lock) == expected


@either_way
@pytest.mark.parametrize(
    ("who", "file", "expected"),
    [
        case("its uploader, unattached", "bruno", "Bruno's unattached", Sees("Bruno's unattached")),
        case("someone else, unattached", "carla", "Bruno's unattached", NO_FILE),
        case("the owner, someone's unattached", "ana", "Bruno's unattached", NO_FILE),
        case("in a channel one is in", "bruno", "in #general", Sees("in #general")),
        case("in a public channel one looks at", "carla", "in #plaza", Sees("in #plaza")),
        case("in a private channel one is not in", "carla", "in #secreto", NO_FILE),
        case("the owner, in a private channel", "ana", "in #secreto", NO_FILE),
        case("a guest, in a public channel not theirs", "gina", "in #plaza", NO_FILE),
        case("a guest, in their channel", "gina", "in #general", Sees("in #general")),
        case("someone outside the workspace", "olga", "in #general", NO_FILE),
        case("someone who left, another's file", "leo", "in #general", NO_FILE),
        # leaving a workspace leaves its files, one's own included: nothing of it is
        # readable any more (the uploader's right lasts as long as their membership)
        case("who left, their unattached file", "leo", "Leo's unattached", NO_FILE),
        case("who left, their attached file", "leo", "Leo's in #general", NO_FILE),
        case("a deleted file, its uploader", "bruno", "deleted", NO_FILE),
        case("a deleted file, in one's channel", "carla", "deleted", NO_FILE),
        case("a file that does not exist", "bruno", "missing", NO_FILE),
    ],
)
async def test_require_file(
    world: World, who: str, file: str, lock: bool, expected: object
) -> None:
    async def ask(uow: UnitOfWork) -> Sees:
        found = await access.require_file(uow, world.people[who], world.files[file], lock)
        return Sees(world.name(found.id))

    assert await world.answer(ask, lock) == expected


NAMES = ("ana", "adri", "bruno", "carla", "gina", "leo", "olga")  # Leo left; Olga never came
CHANNELS = ("general", "plaza", "patio", "secreto")  # #secreto is private: nobody links it


@pytest.mark.parametrize(
    ("who", "channel", "people", "places"),
    [
        case(
            "a member resolves everyone and every public channel",
            "bruno",
            "#patio",
            {"ana": False, "adri": False, "bruno": True, "carla": False, "gina": True},
            {"general", "plaza", "patio"},
        ),
        case(
            "an admin, even where they only look",
            "adri",
            "#plaza",
            {"ana": False, "adri": False, "bruno": True, "carla": False, "gina": False},
            {"general", "plaza", "patio"},
        ),
        case(
            "a guest resolves only who is in the channel, and only it",
            "gina",
            "#patio",
            {"bruno": True, "gina": True},
            {"patio"},
        ),
        case(
            "a guest in #general, where everyone is",
            "gina",
            "#general",
            {"ana": True, "adri": True, "bruno": True, "carla": True, "gina": True},
            {"general"},
        ),
    ],
)
async def test_mentionable(
    world: World,
    who: str,
    channel: str,
    people: dict[str, bool],
    places: set[str],
) -> None:
    ws = world.workspaces["Ana's"]

    async def ask(uow: UnitOfWork) -> tuple[dict[str, bool], set[str]]:
        seen = await access.require_channel(uow, world.channels[channel], world.people[who])
        named = await uow.channel_members.named(ws, seen.channel.id, NAMES)
        linked = await uow.channels.public_named(ws, CHANNELS)
        assert set(named) == set(NAMES) - {"leo", "olga"}  # what there was to filter
        assert set(linked) == set(CHANNELS) - {"secreto"}
        kept_people, kept_places = access.mentionable(seen, named, linked)
        assert all(n.user_id == world.people[name] for name, n in kept_people.items())
        assert all(c == world.channels[f"#{name}"] for name, c in kept_places.items())
        return {name: n.in_channel for name, n in kept_people.items()}, set(kept_places)

    assert await world.answer(ask) == (people, places)
