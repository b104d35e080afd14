"""Cursor pagination: opaque cursors that carry the sort key of the last item seen."""

from __future__ import annotations

import base64
import binascii
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from tertulia.domain.errors import Invalid

T = TypeVar("T")
MAX_LIMIT = 200
_SEP = "\x1f"


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """A slice of a list; `next_cursor` is None on the last page."""

    items: list[T]
    next_cursor: str | None


def page_of(rows: list[T], limit: int, key: Callable[[T], tuple[str, ...]]) -> Page[T]:
    """The first `limit` rows; a cursor to the next page if a row beyond them was fetched
    (stores are asked for limit + 1 rows)."""
    items = rows[:limit]
    return Page(items, encode(*key(items[-1])) if len(rows) > limit else None)


def encode(*parts: str) -> str:
    return base64.urlsafe_b64encode(_SEP.join(parts).encode()).decode().rstrip("=")


def decode(cursor: str, parts: int, field: str = "after") -> tuple[str, ...]:
    """The sort key inside a cursor; Invalid if it is not one we could have made."""
    invalid = Invalid.field(field, "cursor.invalid", "This cursor is not valid.")
    try:
        padded = (cursor + "=" * (-len(cursor) % 4)).encode("ascii")
        raw = base64.b64decode(padded, altchars=b"-_", validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise invalid from None
    values = tuple(raw.split(_SEP))
    if len(values) != parts or any(
        unicodedata.category(ch) in ("Cc", "Cs") for value in values for ch in value
    ):
        raise invalid
    return values


def place(value: str, field: str = "after") -> int:
    """A place in the log carried by a cursor: a whole number a database column can hold."""
    if not (value.isascii() and value.isdigit()) or len(value) > 19 or int(value) >= 2**63:
        raise Invalid.field(field, "cursor.invalid", "This cursor is not valid.")
    return int(value)


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid.field("limit", "limit.out_of_range", f"limit is between 1 and {MAX_LIMIT}.")
    return limit


class Dated(Protocol):
    """Something listed newest first: by when it was made, then by id."""

    @property
    def id(self) -> str: ...

    @property
    def created_at(self) -> datetime: ...


def time_cursor(item: Dated) -> tuple[str, str]:
    """Where a list newest first (files, say) goes on after `item`."""
    return item.created_at.isoformat(), item.id


def time_key(cursor: str | None) -> tuple[datetime, str] | None:
    """The (created_at, id) a `time_cursor` holds; Invalid if it holds none."""
    if cursor is None:
        return None
    at, item_id = decode(cursor, 2, "cursor")
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise Invalid.field("cursor", "cursor.invalid", "This cursor is not valid.")
    return when, item_id
