"""Events of accounts: a changed profile, a session logged out."""

from __future__ import annotations

from collections.abc import Iterable

from tertulia.domain.events import data
from tertulia.domain.events.base import Event, Kind, person
from tertulia.domain.ids import SessionId, UserId
from tertulia.domain.users import User


class UserUpdated(Kind):
    __slots__ = ()
    TYPE = "user.updated"
    DATA = data.UserData
    SUMMARY = "Someone changed their profile."
    RECEIVED_BY = "Everyone who shares a workspace with them."
    IN_WORKSPACE = IN_CHANNEL = False

    @classmethod
    def of(cls, user: User, audience: Iterable[str]) -> Event:
        return cls.make(data.user_data(user), tuple(audience))


class SessionRevoked(Kind):
    __slots__ = ()
    TYPE = "session.revoked"
    DATA = data.SessionRevoked
    SUMMARY = "One of your sessions was logged out; its sockets are closed with 4403."
    RECEIVED_BY = "Your own devices."
    IN_WORKSPACE = IN_CHANNEL = False

    @classmethod
    def of(cls, user: UserId, session_id: SessionId) -> Event:
        body: data.SessionRevoked = {"session_id": session_id}
        return cls.make(body, (person(user),))
