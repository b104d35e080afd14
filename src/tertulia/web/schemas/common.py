"""What every body is made of, and the models several capabilities share.

Requests are strict: unknown fields, wrong types and strings with NUL or unpaired surrogates
are refused before any use case runs. The domain then checks the rules (lengths, characters).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tertulia.domain.users import User
from tertulia.domain.workspaces import Role
from tertulia.usecases.ports.workspaces import MemberRow
from tertulia.web.schemas.params import EXAMPLE_TIME, EXAMPLE_USER


def _reject_nul(value: Any) -> Any:
    """NUL cannot be stored in PostgreSQL text and has no place in any field."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("Text may not contain the NUL character.")
    elif isinstance(value, dict):
        for item in value.values():
            _reject_nul(item)
    elif isinstance(value, list):
        for item in value:
            _reject_nul(item)
    return value


class In(BaseModel):
    """Base of request bodies: no unknown fields, no NUL characters; numbers and booleans are
    strict (``"5"`` is not a number, ``"yes"`` not a boolean)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return _reject_nul(value)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=False)


class UserOut(Out):
    """A person as other members see them."""

    id: str = Field(description="User id.", examples=[EXAMPLE_USER])
    username: str = Field(description="Unique handle, lowercase.", examples=["ana.garcia"])
    display_name: str = Field(
        description="Name shown in the interface.", examples=["Ana García 🌻"]
    )
    title: str = Field(description="Job title; may be empty.", examples=["Backend engineer"])
    timezone: str = Field(description="IANA time zone; may be empty.", examples=["Europe/Madrid"])
    created_at: datetime = Field(
        description="When the account was created.", examples=[EXAMPLE_TIME]
    )

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            title=user.title,
            timezone=user.timezone,
            created_at=user.created_at,
        )


class MemberOut(Out):
    user: UserOut = Field(description="The person.")
    role: Role = Field(description="Role in the workspace.", examples=["member"])
    joined_at: datetime = Field(
        description="When they joined the workspace.", examples=[EXAMPLE_TIME]
    )

    @classmethod
    def of(cls, row: MemberRow) -> MemberOut:
        return cls(
            user=UserOut.of(row.user), role=row.membership.role, joined_at=row.membership.joined_at
        )


T = TypeVar("T")


class PageOut(Out, Generic[T]):
    items: list[T] = Field(description="This page, in the list's order.")
    next_cursor: str | None = Field(
        description="Pass as `after` for the next page; null on the last.",
        examples=["Z2VuZXJhbB8wMUpENVpCMENIQU5ORTEwMDAwMDAwMDAwQQ"],
    )
