"""Tests of the Accounts use case on a real SQLite database: registering, logging in, refreshing
and revoking sessions, profiles, who may see whom, and login throttling."""

from __future__ import annotations

import dataclasses
import hmac
import json
from datetime import datetime, timedelta
from typing import Any, Protocol

import pytest
from sqlalchemy import text

from tertulia.adapters.passwords import common_passwords
from tertulia.adapters.sql.database import Database
from tertulia.adapters.sql.ratelimits import SqlRateLimiter
from tertulia.adapters.sql.uow import SqlUnitOfWorkFactory
from tertulia.domain.channels import ChannelKind
from tertulia.domain.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    Unauthenticated,
)
from tertulia.domain.ids import SessionId, UserId, WorkspaceId, is_id
from tertulia.domain.users import ProfileChange, User
from tertulia.domain.workspaces import Role
from tertulia.usecases.accounts import (
    WRONG_CREDENTIALS,
    Accounts,
    AuthPolicy,
    Client,
    Grant,
    Limit,
    Registration,
    SessionCache,
)
from tertulia.usecases.core import Tertulia
from tertulia.usecases.workspaces import InvitationDraft
from tests.twins import FastHasher

PASSWORD = "tortilla-de-patatas-2026"
NEW_PASSWORD = "gazpacho-y-salmorejo-7"
CLIENT = Client(ip="203.0.113.7", user_agent="pytest")


class HandClock(Protocol):
    """The conftest clock: called for the time, moved with advance()."""

    def __call__(self) -> datetime: ...

    def advance(self, **delta: float) -> None: ...


class CountingHasher(FastHasher):
    """The fast twin, counting how often a password is hashed and verified."""

    def __init__(self) -> None:
        self.hashed = 0
        self.verified = 0

    async def hash(self, password: str) -> str:
        self.hashed += 1
        return await super().hash(password)

    async def verify(self, password_hash: str, password: str) -> bool:
        # The twin's verify hashes through self.hash; count it as a verification only.
        self.verified += 1
        return hmac.compare_digest(password_hash, await FastHasher.hash(self, password))


@dataclasses.dataclass
class Counted:
    accounts: Accounts
    hasher: CountingHasher


@pytest.fixture
async def counted(database: Database, clock: HandClock) -> Counted:
    """Accounts built as conftest builds `core`, but with a hasher that counts its calls."""
    hasher = CountingHasher()
    accounts = Accounts(
        uow=SqlUnitOfWorkFactory(database),
        hasher=hasher,
        limiter=SqlRateLimiter(database),
        clock=clock,
        common_passwords=common_passwords(),
        dummy_hash=await FastHasher().hash("dummy"),
        policy=AuthPolicy(),
        sessions=SessionCache(ttl=30),
    )
    return Counted(accounts, hasher)


async def register(
    core: Tertulia, name: str, password: str = PASSWORD, display_name: str | None = None
) -> User:
    return await core.accounts.register(
        Registration(name, f"{name}@example.com", password, display_name)
    )


@pytest.fixture
async def ana(core: Tertulia) -> User:
    return await register(core, "ana")


@pytest.fixture
async def bob(core: Tertulia) -> User:
    return await register(core, "bob")


async def login(core: Tertulia, who: User, password: str = PASSWORD) -> Grant:
    return await core.accounts.login(who.username, password, CLIENT)


async def logged(database: Database) -> list[tuple[str, list[str], dict[str, Any]]]:
    """Every event in the log, oldest first: type, audience and data."""
    async with database.reader.connect() as conn:
        rows = (
            await conn.execute(text("SELECT type, audience, data FROM events ORDER BY id"))
        ).all()
    return [(row.type, row.audience.split(), json.loads(row.data)) for row in rows]


async def logged_types(database: Database) -> list[str]:
    return [type_ for type_, _, _ in await logged(database)]


async def share_workspace(core: Tertulia, owner: User, *others: User) -> WorkspaceId:
    """A workspace the owner creates and the others join as members."""
    workspace, _ = await core.workspaces.create(owner.id, "Equipo Núcleo")
    for other in others:
        _, token = await core.workspaces.invite(owner.id, workspace.id, InvitationDraft())
        await core.workspaces.accept(other.id, token)
    return workspace.id


async def assert_session_ended(core: Tertulia, grant: Grant) -> None:
    """The session behind the grant no longer authenticates, and its token no longer refreshes."""
    with pytest.raises(Unauthenticated) as checked:
        await core.accounts.check_session(grant.user.id, grant.session_id)
    assert checked.value.code == "auth.session_ended"
    with pytest.raises(Unauthenticated) as refreshed:
        await core.accounts.refresh(grant.refresh_token)
    assert refreshed.value.code == "auth.session_ended"


# registering ---------------------------------------------------------------------------------


async def test_registering_normalises_the_account(core: Tertulia, clock: HandClock) -> None:
    """Someone signing up as 'Ana' with a capitalised email gets 'ana' and a lowercase email,
    and their display name is their username until they choose one."""
    user = await core.accounts.register(Registration("  Ana ", " Ana@Example.COM ", PASSWORD))
    assert is_id(user.id)
    assert user.username == "ana"
    assert user.email == "ana@example.com"
    assert user.display_name == "ana"
    assert user.title == ""
    assert user.timezone == ""
    assert user.created_at == clock()
    assert user.updated_at == clock()
    assert await core.accounts.me(user.id) == user


async def test_registering_keeps_a_chosen_display_name(core: Tertulia) -> None:
    """A display name given at sign-up is kept (tidied), in any script and with emoji."""
    user = await register(core, "ana", display_name="  Ana   García 👩\u200d💻 ")
    assert user.display_name == "Ana García 👩\u200d💻"
    assert (await core.accounts.me(user.id)).display_name == "Ana García 👩\u200d💻"


async def test_a_taken_username_is_refused(core: Tertulia, ana: User) -> None:
    """Signing up as 'ANA' when 'ana' exists is refused, and no second account appears."""
    with pytest.raises(Conflict) as caught:
        await core.accounts.register(Registration("ANA", "other@example.com", PASSWORD))
    assert caught.value.code == "user.username_taken"
    with pytest.raises(Unauthenticated):
        await core.accounts.login("other@example.com", PASSWORD, CLIENT)


async def test_a_taken_email_is_refused(core: Tertulia, ana: User) -> None:
    """Signing up with an email already in use, in any case, is refused."""
    with pytest.raises(Conflict) as caught:
        await core.accounts.register(Registration("bob", "ANA@example.com", PASSWORD))
    assert caught.value.code == "user.email_taken"
    with pytest.raises(Unauthenticated):
        await core.accounts.login("bob", PASSWORD, CLIENT)


@pytest.mark.parametrize(
    ("username", "email", "password", "code"),
    [
        ("ana", "ana@example.com", "short", "password.too_short"),
        ("ana", "ana@example.com", "i-am-ana-2026", "password.personal"),
        ("ana", "ana@example.com", "QwertyUiop", "password.common"),
        ("ana", "ana@example.com", "aaaaaaaaaaaa", "password.repetitive"),
        ("ana", "not-an-email", PASSWORD, "email.invalid"),
        ("ana", "ana@localhost", PASSWORD, "email.invalid"),
        ("ana", "ana @example.com", PASSWORD, "email.invalid"),
        ("admin", "admin@example.com", PASSWORD, "username.reserved"),
        ("a", "a@example.com", PASSWORD, "username.invalid"),
    ],
)
async def test_bad_registrations_are_refused(
    core: Tertulia, database: Database, username: str, email: str, password: str, code: str
) -> None:
    """A sign-up with a weak password, a bad email or a bad username is refused with the reason,
    and leaves nothing behind: the same person can then sign up properly."""
    with pytest.raises(Invalid) as caught:
        await core.accounts.register(Registration(username, email, password))
    assert caught.value.code == code
    assert await logged_types(database) == []
    user = await core.accounts.register(Registration("ana", "ana@example.com", PASSWORD))
    assert user.username == "ana"


async def test_a_bad_display_name_is_refused_at_sign_up(core: Tertulia) -> None:
    """A display name hiding a right-to-left override is refused when signing up."""
    with pytest.raises(Invalid) as caught:
        await register(core, "ana", display_name="Ana\u202enimda")
    assert caught.value.code == "text.bad_character"


# logging in ----------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["ana", "ANA", " ana ", "ana@example.com", "Ana@Example.COM"])
async def test_logging_in_by_username_or_email(
    core: Tertulia, ana: User, clock: HandClock, typed: str
) -> None:
    """Ana can log in with her username or her email, in any case, and gets a live session."""
    grant = await core.accounts.login(typed, PASSWORD, CLIENT)
    assert grant.user == ana
    assert is_id(grant.session_id)
    assert grant.refresh_token
    assert grant.refresh_expires_at == clock() + AuthPolicy().refresh_ttl
    await core.accounts.check_session(ana.id, grant.session_id)


async def test_each_login_is_its_own_session(core: Tertulia, ana: User) -> None:
    """Logging in on two devices gives two sessions with different refresh tokens."""
    laptop, phone = await login(core, ana), await login(core, ana)
    assert laptop.session_id != phone.session_id
    assert laptop.refresh_token != phone.refresh_token


async def test_a_wrong_password_and_an_unknown_account_look_the_same(
    counted: Counted, core: Tertulia
) -> None:
    """Whether the account exists or the password is wrong, the answer is the same, and each
    costs exactly one password verification, so neither words nor timing tell them apart."""
    accounts, hasher = counted.accounts, counted.hasher
    await accounts.register(Registration("ana", "ana@example.com", PASSWORD))
    hasher.verified = hasher.hashed = 0

    with pytest.raises(Unauthenticated) as wrong_password:
        await accounts.login("ana", "not-the-password", CLIENT)
    assert hasher.verified == 1

    with pytest.raises(Unauthenticated) as unknown_account:
        await accounts.login("nobody", "not-the-password", CLIENT)
    assert hasher.verified == 2

    with pytest.raises(Unauthenticated) as unknown_email:
        await accounts.login("nobody@example.com", PASSWORD, CLIENT)
    assert hasher.verified == 3

    assert wrong_password.value.code == "auth.invalid_credentials"
    assert unknown_account.value.code == wrong_password.value.code
    assert unknown_email.value.code == wrong_password.value.code
    assert wrong_password.value.detail == WRONG_CREDENTIALS
    assert unknown_account.value.detail == wrong_password.value.detail
    assert unknown_email.value.detail == wrong_password.value.detail
    assert hasher.hashed == 0


async def test_the_dummy_password_opens_nothing(counted: Counted) -> None:
    """The password the unknown-account path verifies against does not log anyone in."""
    with pytest.raises(Unauthenticated) as caught:
        await counted.accounts.login("nobody", "dummy", CLIENT)
    assert caught.value.code == "auth.invalid_credentials"


async def test_a_right_login_verifies_once(counted: Counted) -> None:
    """A successful login checks the password once and does not rehash a current hash."""
    accounts, hasher = counted.accounts, counted.hasher
    await accounts.register(Registration("ana", "ana@example.com", PASSWORD))
    hasher.verified = hasher.hashed = 0
    await accounts.login("ana", PASSWORD, CLIENT)
    assert hasher.verified == 1
    assert hasher.hashed == 0


async def test_a_session_belongs_to_its_user(core: Tertulia, ana: User, bob: User) -> None:
    """Ana's session id does not authenticate Bob."""
    grant = await login(core, ana)
    with pytest.raises(Unauthenticated) as caught:
        await core.accounts.check_session(bob.id, grant.session_id)
    assert caught.value.code == "auth.session_ended"


async def test_an_unknown_session_does_not_authenticate(core: Tertulia, ana: User) -> None:
    """A session id that was never issued is refused."""
    with pytest.raises(Unauthenticated):
        await core.accounts.check_session(ana.id, SessionId("01JDSE00000000000000000000"))


# refreshing ----------------------------------------------------------------------------------


async def test_refreshing_rotates_the_token(core: Tertulia, ana: User, clock: HandClock) -> None:
    """Each refresh gives a new token for the same session, good for another refresh_ttl."""
    grant = await login(core, ana)
    clock.advance(days=1)
    renewed = await core.accounts.refresh(grant.refresh_token)
    assert renewed.refresh_token != grant.refresh_token
    assert renewed.session_id == grant.session_id
    assert renewed.user == ana
    assert renewed.refresh_expires_at == clock() + AuthPolicy().refresh_ttl
    again = await core.accounts.refresh(renewed.refresh_token)
    assert again.refresh_token not in (grant.refresh_token, renewed.refresh_token)
    await core.accounts.check_session(ana.id, grant.session_id)


async def test_a_replayed_refresh_token_revokes_the_session(
    core: Tertulia, database: Database, ana: User
) -> None:
    """Using a refresh token twice looks like theft: it is refused, the whole session ends
    (the newer token too), and Ana's devices hear that the session was revoked."""
    grant = await login(core, ana)
    renewed = await core.accounts.refresh(grant.refresh_token)

    with pytest.raises(Unauthenticated) as replayed:
        await core.accounts.refresh(grant.refresh_token)
    assert replayed.value.code == "auth.refresh_reused"

    with pytest.raises(Unauthenticated) as newer:
        await core.accounts.refresh(renewed.refresh_token)
    assert newer.value.code == "auth.session_ended"
    with pytest.raises(Unauthenticated) as checked:
        await core.accounts.check_session(ana.id, grant.session_id)
    assert checked.value.code == "auth.session_ended"

    assert await logged(database) == [
        ("session.revoked", [f"user:{ana.id}"], {"session_id": grant.session_id})
    ]


async def test_a_replay_ends_only_that_session(core: Tertulia, ana: User) -> None:
    """A stolen laptop token ends the laptop's session; Ana's phone stays logged in."""
    laptop, phone = await login(core, ana), await login(core, ana)
    await core.accounts.refresh(laptop.refresh_token)
    with pytest.raises(Unauthenticated):
        await core.accounts.refresh(laptop.refresh_token)
    await core.accounts.check_session(ana.id, phone.session_id)
    renewed = await core.accounts.refresh(phone.refresh_token)
    assert renewed.session_id == phone.session_id


async def test_an_unknown_refresh_token_is_refused(core: Tertulia, ana: User) -> None:
    """A made-up refresh token is refused and revokes nothing."""
    grant = await login(core, ana)
    with pytest.raises(Unauthenticated) as caught:
        await core.accounts.refresh("not-a-token")
    assert caught.value.code == "auth.refresh_invalid"
    await core.accounts.check_session(ana.id, grant.session_id)


async def test_refreshing_never_outlives_the_session(
    core: Tertulia, ana: User, clock: HandClock
) -> None:
    """However often Ana refreshes, her session ends session_max_age after she logged in."""
    policy = AuthPolicy()
    started = clock()
    grant = await login(core, ana)
    step = policy.refresh_ttl - timedelta(days=1)
    while clock() + step < started + policy.session_max_age:
        clock.advance(seconds=step.total_seconds())
        grant = await core.accounts.refresh(grant.refresh_token)
        assert grant.refresh_expires_at <= started + policy.session_max_age
    assert grant.refresh_expires_at == started + policy.session_max_age

    clock.advance(seconds=(started + policy.session_max_age - clock()).total_seconds() + 1)
    with pytest.raises(Unauthenticated) as caught:
        await core.accounts.refresh(grant.refresh_token)
    assert caught.value.code == "auth.session_ended"


async def test_an_unused_refresh_token_expires(core: Tertulia, ana: User, clock: HandClock) -> None:
    """A device that stays away longer than refresh_ttl must log in again."""
    grant = await login(core, ana)
    clock.advance(seconds=AuthPolicy().refresh_ttl.total_seconds())
    with pytest.raises(Unauthenticated) as caught:
        await core.accounts.refresh(grant.refresh_token)
    assert caught.value.code == "auth.session_ended"


# logging out ---------------------------------------------------------------------------------


async def test_logging_out_ends_the_session(core: Tertulia, database: Database, ana: User) -> None:
    """After logging out, the session no longer authenticates or refreshes, other devices stay
    logged in, and Ana's devices hear which session was revoked."""
    laptop, phone = await login(core, ana), await login(core, ana)
    await core.accounts.check_session(ana.id, laptop.session_id)  # cached as live

    await core.accounts.logout(ana.id, laptop.session_id, everywhere=False)

    await assert_session_ended(core, laptop)
    await core.accounts.check_session(ana.id, phone.session_id)
    assert await logged(database) == [
        ("session.revoked", [f"user:{ana.id}"], {"session_id": laptop.session_id})
    ]


async def test_logging_out_everywhere_ends_every_session(
    core: Tertulia, database: Database, ana: User, bob: User
) -> None:
    """'Log out everywhere' ends all of Ana's sessions and none of Bob's."""
    grants = [await login(core, ana) for _ in range(3)]
    bobs = await login(core, bob)

    await core.accounts.logout(ana.id, grants[0].session_id, everywhere=True)

    for grant in grants:
        await assert_session_ended(core, grant)
    await core.accounts.check_session(bob.id, bobs.session_id)
    events = await logged(database)
    assert sorted(data["session_id"] for _, _, data in events) == sorted(
        g.session_id for g in grants
    )
    assert {type_ for type_, _, _ in events} == {"session.revoked"}
    assert all(audience == [f"user:{ana.id}"] for _, audience, _ in events)


# profiles ------------------------------------------------------------------------------------


async def test_updating_the_profile(
    core: Tertulia, database: Database, ana: User, bob: User, clock: HandClock
) -> None:
    """Ana changes her display name, title and time zone; she and her workspaces hear it,
    without her email."""
    workspace = await share_workspace(core, ana, bob)
    grant = await login(core, ana)
    clock.advance(minutes=5)
    before = len(await logged(database))

    updated = await core.accounts.update_profile(
        ana.id,
        grant.session_id,
        ProfileChange(display_name=" Ana  García ", title="Diseñadora", timezone="Europe/Madrid"),
    )

    assert updated.display_name == "Ana García"
    assert updated.title == "Diseñadora"
    assert updated.timezone == "Europe/Madrid"
    assert updated.updated_at == clock()
    assert updated.created_at == ana.created_at
    assert await core.accounts.me(ana.id) == updated
    assert (await core.accounts.user(bob.id, ana.id)).display_name == "Ana García"
    new = (await logged(database))[before:]
    assert [type_ for type_, _, _ in new] == ["user.updated"]
    _, audience, data = new[0]
    her_channels = await core.channels.browse(ana.id, workspace, only_member=True)
    assert sorted(audience) == sorted(
        [f"user:{ana.id}", f"ws-full:{workspace}"]
        + [f"ch:{row.channel.id}" for row in her_channels.items]
    ), "full members and the people of her channels hear it; guests elsewhere do not"
    assert data["display_name"] == "Ana García"
    assert data["title"] == "Diseñadora"
    assert data["timezone"] == "Europe/Madrid"
    assert "email" not in data


async def test_title_and_time_zone_can_be_cleared(
    core: Tertulia, ana: User, clock: HandClock
) -> None:
    """Setting the title or time zone to nothing clears it; fields not named stay as they were."""
    grant = await login(core, ana)
    await core.accounts.update_profile(
        ana.id, grant.session_id, ProfileChange(title="Chef", timezone="America/Bogota")
    )
    clock.advance(minutes=1)
    cleared = await core.accounts.update_profile(
        ana.id, grant.session_id, ProfileChange(title="", timezone=" ")
    )
    assert cleared.title == ""
    assert cleared.timezone == ""
    assert cleared.display_name == ana.display_name
    assert cleared.email == ana.email


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (ProfileChange(timezone="Mars/Olympus_Mons"), "timezone.unknown"),
        (ProfileChange(timezone="../../etc/passwd"), "timezone.unknown"),
        (ProfileChange(timezone="Europe"), "timezone.unknown"),
        (ProfileChange(display_name="Ana", timezone="Nowhere/Atall"), "timezone.unknown"),
        (ProfileChange(display_name="   "), "text.empty"),
        (ProfileChange(display_name="Ana\u202enimda"), "text.bad_character"),
        (ProfileChange(title="x" * 101), "text.too_long"),
    ],
)
async def test_bad_profile_changes_are_refused(
    core: Tertulia,
    database: Database,
    ana: User,
    clock: HandClock,
    change: ProfileChange,
    code: str,
) -> None:
    """A bad time zone or name is refused, nothing of the change is kept, and nobody hears of it."""
    grant = await login(core, ana)
    clock.advance(minutes=1)
    with pytest.raises(Invalid) as caught:
        await core.accounts.update_profile(ana.id, grant.session_id, change)
    assert caught.value.code == code
    assert await core.accounts.me(ana.id) == ana
    assert await logged_types(database) == []


async def test_saving_an_unchanged_profile_tells_nobody(
    core: Tertulia, database: Database, ana: User, bob: User, clock: HandClock
) -> None:
    """Saving the profile form without changing anything stores nothing and sends no event."""
    await share_workspace(core, ana, bob)
    grant = await login(core, ana)
    before = await logged(database)
    clock.advance(hours=1)
    same = await core.accounts.update_profile(
        ana.id, grant.session_id, ProfileChange(display_name=ana.display_name, title="")
    )
    assert same.display_name == ana.display_name
    assert await logged(database) == before


@pytest.mark.parametrize(
    ("change", "new_password"),
    [(ProfileChange(email="ana@new.example.com"), None), (ProfileChange(), NEW_PASSWORD)],
)
async def test_sensitive_changes_need_the_current_password(
    core: Tertulia,
    database: Database,
    ana: User,
    clock: HandClock,
    change: ProfileChange,
    new_password: str | None,
) -> None:
    """Changing the email or password without the current password, or with a wrong one, is
    refused; the account keeps its email and password and nobody hears of it."""
    grant = await login(core, ana)
    clock.advance(minutes=1)
    for missing in (None, ""):
        with pytest.raises(Invalid) as caught:
            await core.accounts.update_profile(
                ana.id, grant.session_id, change, new_password, current_password=missing
            )
        assert caught.value.code == "auth.current_password_required"
        assert [e.field for e in caught.value.errors] == ["current_password"]
    with pytest.raises(Forbidden) as wrong:
        await core.accounts.update_profile(
            ana.id, grant.session_id, change, new_password, current_password="not-my-password"
        )
    assert wrong.value.code == "auth.current_password_wrong"

    assert await core.accounts.me(ana.id) == ana
    await login(core, ana, PASSWORD)
    await core.accounts.check_session(ana.id, grant.session_id)
    assert await logged_types(database) == []


async def test_changing_the_email(core: Tertulia, ana: User, clock: HandClock) -> None:
    """With her password, Ana moves to a new address (lowercased); she logs in with the new
    one and no longer with the old one."""
    grant = await login(core, ana)
    clock.advance(minutes=1)
    updated = await core.accounts.update_profile(
        ana.id,
        grant.session_id,
        ProfileChange(email="Ana@New.Example.com"),
        current_password=PASSWORD,
    )
    assert updated.email == "ana@new.example.com"
    assert (await core.accounts.login("ana@new.example.com", PASSWORD, CLIENT)).user.id == ana.id
    with pytest.raises(Unauthenticated):
        await core.accounts.login("ana@example.com", PASSWORD, CLIENT)
    await core.accounts.check_session(ana.id, grant.session_id)


async def test_a_taken_email_is_refused_and_nothing_is_kept(
    core: Tertulia, database: Database, ana: User, bob: User, clock: HandClock
) -> None:
    """Moving to Bob's address is refused, and the display name asked for with it is not kept."""
    grant = await login(core, ana)
    clock.advance(minutes=1)
    with pytest.raises(Conflict) as caught:
        await core.accounts.update_profile(
            ana.id,
            grant.session_id,
            ProfileChange(display_name="Ana Nueva", email="BOB@example.com"),
            current_password=PASSWORD,
        )
    assert caught.value.code == "user.email_taken"
    assert await core.accounts.me(ana.id) == ana
    assert await logged_types(database) == []


async def test_a_new_password_ends_the_other_sessions(
    core: Tertulia, database: Database, ana: User, clock: HandClock
) -> None:
    """After Ana changes her password on her laptop, her phone and tablet are logged out, the
    laptop stays in, and only the new password works from then on."""
    laptop, phone, tablet = [await login(core, ana) for _ in range(3)]
    await core.accounts.check_session(ana.id, phone.session_id)  # cached as live
    clock.advance(minutes=1)

    await core.accounts.update_profile(
        ana.id, laptop.session_id, ProfileChange(), NEW_PASSWORD, current_password=PASSWORD
    )

    await assert_session_ended(core, phone)
    await assert_session_ended(core, tablet)
    await core.accounts.check_session(ana.id, laptop.session_id)
    assert (await core.accounts.refresh(laptop.refresh_token)).session_id == laptop.session_id
    with pytest.raises(Unauthenticated):
        await login(core, ana, PASSWORD)
    assert (await login(core, ana, NEW_PASSWORD)).user.id == ana.id
    revoked = [
        data["session_id"]
        for type_, audience, data in await logged(database)
        if type_ == "session.revoked" and audience == [f"user:{ana.id}"]
    ]
    assert sorted(revoked) == sorted([phone.session_id, tablet.session_id])


async def test_changing_only_the_password_is_not_announced_as_a_profile_change(
    core: Tertulia, database: Database, ana: User, bob: User, clock: HandClock
) -> None:
    """A password change sends Ana's workspaces no 'user.updated': nothing they see changed."""
    await share_workspace(core, ana, bob)
    grant = await login(core, ana)
    clock.advance(minutes=1)
    before = len(await logged(database))
    await core.accounts.update_profile(
        ana.id, grant.session_id, ProfileChange(), NEW_PASSWORD, current_password=PASSWORD
    )
    assert "user.updated" not in [type_ for type_, _, _ in (await logged(database))[before:]]


@pytest.mark.parametrize(
    ("new_password", "code"),
    [
        ("short", "password.too_short"),
        ("ana-forever-2026", "password.personal"),
        ("ana@example.com", "password.personal"),
        ("1234567890", "password.common"),
    ],
)
async def test_a_weak_new_password_changes_nothing(
    core: Tertulia,
    database: Database,
    ana: User,
    clock: HandClock,
    new_password: str,
    code: str,
) -> None:
    """A weak new password is refused: the old one still works and no session is ended."""
    laptop, phone = await login(core, ana), await login(core, ana)
    clock.advance(minutes=1)
    with pytest.raises(Invalid) as caught:
        await core.accounts.update_profile(
            ana.id, laptop.session_id, ProfileChange(), new_password, current_password=PASSWORD
        )
    assert caught.value.code == code
    await core.accounts.check_session(ana.id, phone.session_id)
    await core.accounts.refresh(phone.refresh_token)
    await login(core, ana, PASSWORD)
    assert await logged_types(database) == []


async def test_a_new_password_is_checked_against_the_new_email(core: Tertulia, ana: User) -> None:
    """Changing email and password at once, the password may not be the new email."""
    grant = await login(core, ana)
    with pytest.raises(Invalid) as caught:
        await core.accounts.update_profile(
            ana.id,
            grant.session_id,
            ProfileChange(email="ana.garcia@example.org"),
            "ana.garcia@example.org",
            current_password=PASSWORD,
        )
    assert caught.value.code == "password.personal"


# who may see whom ----------------------------------------------------------------------------


async def test_strangers_are_not_found(core: Tertulia, ana: User, bob: User) -> None:
    """Bob, who shares no workspace with Ana, cannot look her up: she does not exist for him."""
    await core.workspaces.create(ana.id, "Solo Ana")
    with pytest.raises(NotFound) as caught:
        await core.accounts.user(bob.id, ana.id)
    assert caught.value.code == "user.not_found"


async def test_a_stranger_and_a_missing_user_look_the_same(core: Tertulia, bob: User) -> None:
    """Looking up an id nobody has answers exactly as looking up a stranger does."""
    with pytest.raises(NotFound) as caught:
        await core.accounts.user(bob.id, UserId("01JDUS00000000000000000000"))
    assert caught.value.code == "user.not_found"


async def test_coworkers_see_each_other(core: Tertulia, ana: User, bob: User) -> None:
    """Once Bob joins Ana's workspace, each can see the other's profile."""
    await share_workspace(core, ana, bob)
    assert await core.accounts.user(bob.id, ana.id) == ana
    assert await core.accounts.user(ana.id, bob.id) == bob


async def test_everyone_sees_themself(core: Tertulia, ana: User) -> None:
    """Ana sees her own profile even before joining any workspace."""
    assert await core.accounts.user(ana.id, ana.id) == ana


async def test_guests_see_only_the_people_of_their_channels(
    core: Tertulia, ana: User, bob: User
) -> None:
    """A guest in #diseño sees Ana who is in it, not Bob who is only in the workspace; Bob, a
    full member, sees the guest."""
    guest = await register(core, "gina")
    workspace = await share_workspace(core, ana, bob)
    design = await core.channels.create(ana.id, workspace, "diseño", ChannelKind.PRIVATE)
    _, token = await core.workspaces.invite(
        ana.id, workspace, InvitationDraft(role=Role.GUEST, channel_ids=(design.channel.id,))
    )
    await core.workspaces.accept(guest.id, token)

    assert await core.accounts.user(guest.id, ana.id) == ana
    with pytest.raises(NotFound):
        await core.accounts.user(guest.id, bob.id)
    assert await core.accounts.user(bob.id, guest.id) == guest


# throttling ----------------------------------------------------------------------------------


async def guess(accounts: Accounts, login_: str, ip: str, password: str = "wrong-guess-99") -> str:
    """Try a password; what happened, as the code of the refusal or 'ok'."""
    try:
        await accounts.login(login_, password, Client(ip=ip))
    except (Unauthenticated, RateLimited) as refused:
        return refused.code
    return "ok"


async def test_guesses_at_one_account_from_one_address_are_limited(
    core: Tertulia, ana: User
) -> None:
    """Ten wrong passwords for Ana from one address, then even the right one waits there;
    from another address Ana still gets in, and by username or email it is one count."""
    limit = AuthPolicy().login_per_account
    tries = [
        await guess(core.accounts, "ana" if n % 2 else "ANA@example.com", "198.51.100.1")
        for n in range(limit.count)
    ]
    assert tries == ["auth.invalid_credentials"] * limit.count

    with pytest.raises(RateLimited) as caught:
        await core.accounts.login("ana", PASSWORD, Client(ip="198.51.100.1"))
    assert caught.value.code == "auth.rate_limited"
    assert 1 <= caught.value.retry_after <= limit.seconds
    assert caught.value.limit == limit.count
    assert await guess(core.accounts, "ana", "192.0.2.99", PASSWORD) == "ok"


async def test_a_right_password_clears_the_count_of_its_address(core: Tertulia, ana: User) -> None:
    """Ana mistypes nine times, then gets it right: her next typos start counting afresh."""
    limit = AuthPolicy().login_per_account
    for _ in range(limit.count - 1):
        await guess(core.accounts, "ana", "198.51.100.1")
    assert await guess(core.accounts, "ana", "198.51.100.1", PASSWORD) == "ok"
    tries = [await guess(core.accounts, "ana", "198.51.100.1") for _ in range(limit.count)]
    assert tries == ["auth.invalid_credentials"] * limit.count


async def test_guesses_from_many_addresses_are_limited_per_account(
    core: Tertulia, ana: User, bob: User
) -> None:
    """Spreading guesses over addresses does not help: the account's total is capped too,
    and other accounts are not affected."""
    accounts = dataclasses.replace(
        core.accounts, policy=AuthPolicy(login_per_account_total=Limit(5, 900))
    )
    tries = [await guess(accounts, "ana", f"198.51.100.{n}") for n in range(6)]
    assert tries == ["auth.invalid_credentials"] * 5 + ["auth.rate_limited"]
    assert await guess(accounts, "bob", "198.51.100.1", PASSWORD) == "ok"


async def test_guesses_at_unknown_accounts_are_counted_too(core: Tertulia) -> None:
    """Probing a name that does not exist is limited like a real one (and looks the same)."""
    limit = AuthPolicy().login_per_account
    tries = [await guess(core.accounts, "nadie", "198.51.100.1") for _ in range(limit.count + 1)]
    assert tries == ["auth.invalid_credentials"] * limit.count + ["auth.rate_limited"]


async def test_the_current_password_check_counts_as_a_guess(core: Tertulia, ana: User) -> None:
    """A stolen access token cannot guess the password through the profile endpoint."""
    grant = await login(core, ana)
    limit = AuthPolicy().login_per_account
    for _ in range(limit.count):
        with pytest.raises(Forbidden):
            await core.accounts.update_profile(
                ana.id,
                grant.session_id,
                ProfileChange(email="mine@example.com"),
                current_password="not-it-at-all",
                client=CLIENT,
            )
    with pytest.raises(RateLimited):
        await core.accounts.update_profile(
            ana.id,
            grant.session_id,
            ProfileChange(email="mine@example.com"),
            current_password=PASSWORD,
            client=CLIENT,
        )


async def test_login_attempts_per_address_are_limited(core: Tertulia) -> None:
    """One address trying many accounts is stopped at login_per_address, whatever the accounts;
    each try says how many remain."""
    accounts = dataclasses.replace(core.accounts, policy=AuthPolicy(login_per_address=Limit(3, 60)))
    remaining = [(await accounts.throttle("login", "198.51.100.1")).remaining for _ in range(3)]
    assert remaining == [2, 1, 0]
    with pytest.raises(RateLimited) as caught:
        await accounts.throttle("login", "198.51.100.1")
    assert caught.value.code == "auth.rate_limited"
    assert (await accounts.throttle("login", "198.51.100.2")).allowed


async def test_registrations_per_address_are_limited(core: Tertulia) -> None:
    """Sign-ups from one address are counted apart from logins and stop at their own limit."""
    limit = AuthPolicy().register_per_address
    for _ in range(limit.count):
        await core.accounts.throttle("register", "198.51.100.1")
    with pytest.raises(RateLimited):
        await core.accounts.throttle("register", "198.51.100.1")
    assert (await core.accounts.throttle("login", "198.51.100.1")).allowed


# housekeeping --------------------------------------------------------------------------------


async def count_rows(database: Database, table: str) -> int:
    async with database.reader.connect() as conn:
        return int(await conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0)  # noqa: S608


async def test_old_sessions_are_deleted_when_their_owner_logs_in(
    core: Tertulia, database: Database, ana: User, clock: HandClock
) -> None:
    """A session logged out long ago does not stay in the database forever."""
    old = await login(core, ana)
    await core.accounts.logout(ana.id, old.session_id, everywhere=False)
    await login(core, ana)
    assert await count_rows(database, "sessions") == 2
    clock.advance(days=31)

    await login(core, ana)

    assert await count_rows(database, "sessions") == 2  # the one from before, and the new one
    with pytest.raises(Unauthenticated):
        await core.accounts.refresh(old.refresh_token)


async def test_long_used_refresh_tokens_are_forgotten(
    core: Tertulia, database: Database, ana: User, clock: HandClock
) -> None:
    """A device refreshing for weeks keeps a bounded trail; a token used over a week ago is
    no longer recognised (refused as invalid) rather than kept forever."""
    grant = await login(core, ana)
    first = grant.refresh_token
    for _ in range(10):
        grant = await core.accounts.refresh(grant.refresh_token)
        clock.advance(days=1)
    assert await count_rows(database, "refresh_tokens") < 10

    with pytest.raises(Unauthenticated) as caught:
        await core.accounts.refresh(first)
    assert caught.value.code == "auth.refresh_invalid"
    assert (await core.accounts.refresh(grant.refresh_token)).user.id == ana.id
