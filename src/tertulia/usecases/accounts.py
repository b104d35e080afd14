"""Accounts: registering, logging in, refreshing and revoking sessions, profiles."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from tertulia.domain import events, text, users
from tertulia.domain.errors import Forbidden, Invalid, NotFound, RateLimited, Unauthenticated
from tertulia.domain.events.accounts import SessionRevoked, UserUpdated
from tertulia.domain.ids import SessionId, UserId, new_id
from tertulia.domain.sessions import RefreshToken, Session
from tertulia.domain.users import ProfileChange, User
from tertulia.usecases.limits import Limit
from tertulia.usecases.ports import Clock, UnitOfWork, UnitOfWorkFactory
from tertulia.usecases.ports.accounts import PasswordHasher
from tertulia.usecases.ports.limits import RateLimit, RateLimiter
from tertulia.usecases.tokens import new_token, token_hash

WRONG_CREDENTIALS = "Wrong username, email or password."
# Used refresh tokens are kept to catch a replay; after this long one is only "invalid".
USED_TOKENS_KEPT = timedelta(days=7)
# Ended sessions are kept a while for the record, then deleted with their tokens.
SESSION_RECORDS_KEPT = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class AuthPolicy:
    """How long sessions live and how fast people may try passwords."""

    refresh_ttl: timedelta = timedelta(days=30)
    session_max_age: timedelta = timedelta(days=90)
    session_check_seconds: float = 10.0
    # password guesses at one account from one address, and from anywhere; a success clears
    # the first, so nobody is locked out by someone else's guesses from one address
    login_per_account: Limit = Limit(10, 900)
    login_per_account_total: Limit = Limit(100, 900)
    login_per_address: Limit = Limit(100, 900)
    register_per_address: Limit = Limit(20, 3600)
    refresh_per_address: Limit = Limit(300, 900)
    # looking at an invitation link before accepting it (the token is the secret)
    invitation_per_address: Limit = Limit(300, 900)


@dataclass(frozen=True, slots=True)
class Registration:
    username: str
    email: str
    password: str
    display_name: str | None = None


@dataclass(frozen=True, slots=True)
class Client:
    """Where a request comes from, as the web layer saw it."""

    ip: str
    user_agent: str = ""


@dataclass(frozen=True, slots=True)
class Grant:
    """A live session and its new refresh token (shown once; only its hash is stored)."""

    user: User
    session_id: SessionId
    refresh_token: str
    refresh_expires_at: datetime


@dataclass(slots=True)
class SessionCache:
    """Sessions recently found live, so that each request need not ask the database.

    A revocation on this node evicts at once; other nodes notice within `ttl` seconds.
    """

    ttl: float
    capacity: int = 100_000
    _live: OrderedDict[SessionId, tuple[UserId, float]] = field(default_factory=OrderedDict)

    def get(self, session_id: SessionId) -> UserId | None:
        hit = self._live.get(session_id)
        if hit is None or hit[1] < time.monotonic():
            return None
        return hit[0]

    def put(self, session_id: SessionId, user_id: UserId) -> None:
        self._live[session_id] = (user_id, time.monotonic() + self.ttl)
        self._live.move_to_end(session_id)
        while len(self._live) > self.capacity:
            self._live.popitem(last=False)

    def evict(self, *session_ids: SessionId) -> None:
        for session_id in session_ids:
            self._live.pop(session_id, None)


def _email(value: str) -> str:
    """Basic shape of an address; the web edge checks it fully with email-validator."""
    email = value.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or len(email) > 254 or any(c.isspace() for c in email):
        raise Invalid.field("email", "email.invalid", "This is not a valid email address.")
    return email


@dataclass(frozen=True, slots=True)
class Accounts:
    """Who people are and how they prove it."""

    uow: UnitOfWorkFactory
    hasher: PasswordHasher
    limiter: RateLimiter
    clock: Clock
    common_passwords: frozenset[str]
    dummy_hash: str  # verified against when the account is unknown, so both cost the same
    policy: AuthPolicy = AuthPolicy()
    sessions: SessionCache = field(default_factory=lambda: SessionCache(ttl=30.0))

    async def register(self, draft: Registration) -> User:
        """Create an account; raise Invalid for a bad field and Conflict for a taken name."""
        username = text.username(draft.username)
        email = _email(draft.email)
        display_name = users.display_name(
            draft.display_name if draft.display_name is not None else username
        )
        users.check_password(
            draft.password, username=username, email=email, common=self.common_passwords
        )
        password_hash = await self.hasher.hash(draft.password)
        now = self.clock()
        user = User(
            id=UserId(new_id()),
            username=username,
            email=email,
            display_name=display_name,
            title="",
            timezone="",
            created_at=now,
            updated_at=now,
        )
        async with self.uow() as uow:
            await uow.users.add(user, password_hash)
            await uow.commit()
        return user

    async def throttle(self, action: str, ip: str) -> RateLimit:
        """Count an attempt at login, register, refresh or an invitation's preview from an
        address; raise RateLimited past the limit, else return what remains (for the
        RateLimit headers)."""
        limit = {
            "login": self.policy.login_per_address,
            "register": self.policy.register_per_address,
            "refresh": self.policy.refresh_per_address,
            "invitation": self.policy.invitation_per_address,
        }[action]
        return await self._hit(f"{action}:ip:{ip}", limit)

    async def _hit(self, key: str, limit: Limit) -> RateLimit:
        state = await self.limiter.hit(key, limit.count, limit.seconds)
        if not state.allowed:
            raise RateLimited(
                "Too many attempts; wait before trying again.",
                retry_after=state.reset_after,
                code="auth.rate_limited",
                limit=state.limit,
            )
        return state

    async def _guess(self, account: str, ip: str) -> str:
        """Count a password guess at an account (by id, or by what was typed if unknown);
        returns the key a right guess clears."""
        here = f"password:{account}:{ip}"
        await self._hit(f"password:{account}", self.policy.login_per_account_total)
        await self._hit(here, self.policy.login_per_account)
        return here

    async def login(self, login: str, password: str, client: Client) -> Grant:
        """Start a session for the right password; raise Unauthenticated otherwise.

        An unknown account costs one password verification too, so timing tells nothing.
        """
        typed = login.strip().lower()
        async with self.uow(read_only=True) as uow:
            found = await uow.users.find_login(typed)
        guess = await self._guess(found[0].id if found else typed, client.ip)
        if found is None:
            await self.hasher.verify(self.dummy_hash, password)
            raise Unauthenticated(WRONG_CREDENTIALS, "auth.invalid_credentials")
        user, password_hash = found
        if not await self.hasher.verify(password_hash, password):
            raise Unauthenticated(WRONG_CREDENTIALS, "auth.invalid_credentials")
        await self.limiter.reset(guess)
        new_hash = (
            await self.hasher.hash(password) if self.hasher.needs_rehash(password_hash) else None
        )
        now = self.clock()
        session = Session(
            id=SessionId(new_id()),
            user_id=user.id,
            created_at=now,
            expires_at=now + self.policy.session_max_age,
            revoked_at=None,
            user_agent=client.user_agent[:256],
            ip=client.ip[:64],
        )
        async with self.uow() as uow:
            if new_hash is not None:
                await uow.users.set_password(user.id, new_hash, now)
            await uow.sessions.prune_ended(user.id, now - SESSION_RECORDS_KEPT)
            await uow.sessions.add(session)
            grant = await self._issue_refresh(uow, user, session)
            await uow.commit()
        self.sessions.put(session.id, user.id)
        return grant

    async def refresh(self, refresh_token: str) -> Grant:
        """Trade a refresh token for a new one (rotation). A token used twice is taken as
        stolen: its whole session is revoked and both holders must log in again."""
        hashed = token_hash(refresh_token)
        now = self.clock()
        async with self.uow() as uow:
            stored = await uow.sessions.find_refresh(hashed)
            if stored is None:
                raise Unauthenticated("This refresh token is not valid.", "auth.refresh_invalid")
            session = await uow.sessions.find(stored.session_id)
            if session is None or not session.is_live(now) or now >= stored.expires_at:
                raise Unauthenticated("This session has ended; log in again.", "auth.session_ended")
            if stored.used_at is not None or not await uow.sessions.use_refresh(hashed, now):
                await uow.sessions.revoke(session.id, now)
                self._announce_revoked(uow, session.user_id, [session.id])
                await uow.commit()
                self.sessions.evict(session.id)
                raise Unauthenticated(
                    "This refresh token was already used; the session is revoked for safety.",
                    "auth.refresh_reused",
                )
            user = await uow.users.get(session.user_id)
            await uow.sessions.prune_used(session.id, now - USED_TOKENS_KEPT)
            grant = await self._issue_refresh(uow, user, session)
            await uow.commit()
        return grant

    async def logout(self, user_id: UserId, session_id: SessionId, everywhere: bool) -> None:
        """Revoke this session (or every session of the user); its tokens stop working."""
        now = self.clock()
        async with self.uow() as uow:
            if everywhere:
                revoked = await uow.sessions.revoke_others(user_id, None, now)
            else:
                await uow.sessions.revoke(session_id, now)
                revoked = [session_id]
            self._announce_revoked(uow, user_id, revoked)
            await uow.commit()
        self.sessions.evict(*revoked)

    async def logout_by_refresh(self, refresh_token: str, everywhere: bool) -> None:
        """End the session a refresh token belongs to (used or not: whoever holds one holds
        the session), or with `everywhere` every session of its user. A token that names no
        session live any more changes nothing: logging out twice is fine."""
        async with self.uow(read_only=True) as uow:
            stored = await uow.sessions.find_refresh(token_hash(refresh_token))
            session = await uow.sessions.find(stored.session_id) if stored else None
        if session is not None and (everywhere or session.is_live(self.clock())):
            await self.logout(session.user_id, session.id, everywhere)

    async def check_session(self, user_id: UserId, session_id: SessionId) -> None:
        """Raise Unauthenticated unless the session behind an access token is still live."""
        if self.sessions.get(session_id) == user_id:
            return
        async with self.uow(read_only=True) as uow:
            session = await uow.sessions.find(session_id)
        if session is None or session.user_id != user_id or not session.is_live(self.clock()):
            raise Unauthenticated("This session has ended; log in again.", "auth.session_ended")
        self.sessions.put(session_id, user_id)

    async def me(self, user_id: UserId) -> User:
        async with self.uow(read_only=True) as uow:
            return await uow.users.get(user_id)

    async def by_username(self, username: str) -> User:
        """The account with this username (an operator's look-up); NotFound otherwise."""
        async with self.uow(read_only=True) as uow:
            found = await uow.users.find_login(username.strip().lower())
        if found is None or "@" in username:
            raise NotFound(f"No user named '{username}'.", "user.not_found")
        return found[0]

    async def user(self, viewer: UserId, user_id: UserId) -> User:
        """Someone the viewer may see (they share a workspace); NotFound otherwise."""
        async with self.uow(read_only=True) as uow:
            user = await uow.users.find(user_id)
            if user is None or (
                user_id != viewer and not await uow.users.visible_to(viewer, user_id)
            ):
                raise NotFound("No such user.", "user.not_found")
            return user

    async def update_profile(
        self,
        user_id: UserId,
        session_id: SessionId,
        change: ProfileChange,
        new_password: str | None = None,
        current_password: str | None = None,
        client: Client = Client(ip="local"),
    ) -> User:
        """Change profile fields. Changing the email or password needs the current password
        and ends every other session of the user. Fields not named stay as they are, even if
        someone else changes them at the same moment."""
        display_name = (
            users.display_name(change.display_name) if change.display_name is not None else None
        )
        title = users.title(change.title) if change.title is not None else None
        timezone = users.timezone(change.timezone) if change.timezone is not None else None
        new_email = _email(change.email) if change.email is not None else None
        sensitive = new_email is not None or new_password is not None
        async with self.uow(read_only=True) as uow:
            user = await uow.users.get(user_id)
            password_hash = await uow.users.password_hash(user_id) if sensitive else ""
        if sensitive:
            await self._check_current_password(user, password_hash, current_password, client)
        if new_password is not None:
            users.check_password(
                new_password,
                username=user.username,
                email=new_email or user.email,
                common=self.common_passwords,
            )
        new_hash = await self.hasher.hash(new_password) if new_password is not None else None
        now = self.clock()
        revoked: list[SessionId] = []
        async with self.uow() as uow:
            current = await uow.users.get(user_id, lock=True)
            updated = replace(
                current,
                display_name=display_name if display_name is not None else current.display_name,
                title=title if title is not None else current.title,
                timezone=timezone if timezone is not None else current.timezone,
                email=new_email if new_email is not None else current.email,
                updated_at=now,
            )
            if replace(updated, updated_at=current.updated_at) != current:
                await uow.users.update(updated)
            if _public(updated) != _public(current):
                audience = [events.person(user_id)]
                audience += [
                    events.full_members(ws) for ws in await uow.members.workspaces_of(user_id)
                ]
                audience += [
                    events.channel_members(c)
                    for c in await uow.channel_members.channels_of(user_id)
                ]
                uow.emit(UserUpdated.of(updated, audience))
            if new_hash is not None:
                await uow.users.set_password(user_id, new_hash, now)
            if new_hash is not None or updated.email != current.email:
                revoked = await uow.sessions.revoke_others(user_id, session_id, now)
                self._announce_revoked(uow, user_id, revoked)
            await uow.commit()
        self.sessions.evict(*revoked)
        return updated

    async def _check_current_password(
        self, user: User, password_hash: str, current_password: str | None, client: Client
    ) -> None:
        """The current password, counted like a login: a stolen access token must not become
        an unlimited password oracle."""
        if not current_password:
            raise Invalid.field(
                "current_password",
                "auth.current_password_required",
                "Changing the email or password needs the current password.",
            )
        guess = await self._guess(user.id, client.ip)
        if not await self.hasher.verify(password_hash, current_password):
            raise Forbidden("The current password is wrong.", "auth.current_password_wrong")
        await self.limiter.reset(guess)

    async def _issue_refresh(self, uow: UnitOfWork, user: User, session: Session) -> Grant:
        now = self.clock()
        token = new_token()
        expires_at = min(now + self.policy.refresh_ttl, session.expires_at)
        await uow.sessions.add_refresh(
            RefreshToken(token_hash(token), session.id, now, expires_at, None)
        )
        return Grant(user, session.id, token, expires_at)

    def _announce_revoked(
        self, uow: UnitOfWork, user_id: UserId, session_ids: list[SessionId]
    ) -> None:
        """Tell the user's devices which sessions ended (they log out at once)."""
        for session_id in session_ids:
            uow.emit(SessionRevoked.of(user_id, session_id))


def _public(user: User) -> tuple[str, str, str]:
    """What others see of a profile (the email is for the person alone)."""
    return (user.display_name, user.title, user.timezone)
