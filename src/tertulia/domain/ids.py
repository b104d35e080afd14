"""Identifiers: opaque, URL-safe strings that sort by creation time (ULIDs)."""

from __future__ import annotations

import os
import re
import time
from typing import NewType

UserId = NewType("UserId", str)
WorkspaceId = NewType("WorkspaceId", str)
ChannelId = NewType("ChannelId", str)
SessionId = NewType("SessionId", str)
InvitationId = NewType("InvitationId", str)
MessageId = NewType("MessageId", str)
FileId = NewType("FileId", str)
UploadId = NewType("UploadId", str)

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
ID_PATTERN = r"^[0-9A-HJKMNP-TV-Z]{26}$"
_ID_RE = re.compile(ID_PATTERN)


def new_id(now_ms: int | None = None) -> str:
    """A ULID: 48 bits of milliseconds then 80 random bits, as 26 base32 characters."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    value = (ms << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def is_id(value: str) -> bool:
    """Whether the string has the shape of an id (it may still name nothing)."""
    return bool(_ID_RE.fullmatch(value))
