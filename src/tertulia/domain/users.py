"""People: who they are, and what makes an acceptable password."""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from tertulia.domain import text
from tertulia.domain.errors import Invalid
from tertulia.domain.ids import UserId

PASSWORD_MIN = 10
PASSWORD_MAX = 256
DISPLAY_NAME_MAX = 64
TITLE_MAX = 100


@dataclass(frozen=True, slots=True)
class User:
    """Someone with an account. The password hash never leaves the accounts use case."""

    id: UserId
    username: str
    email: str
    display_name: str
    title: str
    timezone: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ProfileChange:
    """What a person asked to change in their profile; None leaves a field alone."""

    display_name: str | None = None
    title: str | None = None
    timezone: str | None = None
    email: str | None = None


def check_password(
    password: str, *, username: str, email: str, common: Collection[str], field: str = "password"
) -> None:
    """Raise Invalid unless the password is long enough, not the user's name, not common."""
    if len(password) < PASSWORD_MIN:
        raise Invalid.field(
            field, "password.too_short", f"A password has at least {PASSWORD_MIN} characters."
        )
    if len(password) > PASSWORD_MAX:
        raise Invalid.field(
            field, "password.too_long", f"A password has at most {PASSWORD_MAX} characters."
        )
    folded = password.casefold()
    local_part = email.split("@", 1)[0].casefold()
    if username.casefold() in folded or folded in (email.casefold(), local_part):
        raise Invalid.field(
            field,
            "password.personal",
            "A password may not contain your username or be your email address.",
        )
    if folded in common:
        raise Invalid.field(
            field,
            "password.common",
            "This password is among the most common ones; choose another.",
        )
    if len(set(password)) < 4:
        raise Invalid.field(
            field, "password.repetitive", "A password needs at least 4 different characters."
        )


def display_name(value: str) -> str:
    """Normalise a display name (any script, emoji welcome; nothing invisible or spoofing)."""
    return text.display_text(value, field="display_name", max_length=DISPLAY_NAME_MAX)


def title(value: str) -> str:
    """Normalise a job title; may be empty."""
    return text.display_text(value, field="title", max_length=TITLE_MAX, allow_empty=True)


def timezone(value: str) -> str:
    """An IANA time zone name such as 'Europe/Madrid', or '' for none."""
    name = value.strip()
    if not name:
        return ""
    if not _TZ_RE.match(name):
        raise Invalid.field("timezone", "timezone.unknown", f"Unknown time zone '{name[:64]}'.")
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise Invalid.field(
            "timezone", "timezone.unknown", f"Unknown time zone '{name}'."
        ) from None
    return name


_TZ_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+){0,2}$")
