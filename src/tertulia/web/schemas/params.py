"""Field and parameter types that several capabilities share: ids, cursors and page sizes,
and the example values `/docs` shows for them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import Field

from tertulia.domain.ids import ID_PATTERN

EXAMPLE_USER = "01JD5Z8Q5E9V4K3M2N1P0R7S6T"
EXAMPLE_USER_2 = "01JD5Z9A1B2C3D4E5F6G7H8J9K"
EXAMPLE_WS = "01JD5ZA0WS0RKSPACE00000000"
EXAMPLE_CH = "01JD5ZB0CHANNE10000000000A"
EXAMPLE_MSG = "01JD5ZE0MESSAGE00000000000"
EXAMPLE_FILE = "01JD5ZF0F1LE00000000000000"
EXAMPLE_TIME = "2026-11-28T10:15:00Z"


IdStr = Annotated[str, Field(pattern=ID_PATTERN, examples=[EXAMPLE_USER])]

# path and query parameters of several routers
WorkspacePath = Annotated[str, Path(pattern=ID_PATTERN, description="A workspace id.")]
ChannelPath = Annotated[str, Path(pattern=ID_PATTERN, description="A channel id.")]
UserPath = Annotated[str, Path(pattern=ID_PATTERN, description="A user id.")]
MessagePath = Annotated[str, Path(pattern=ID_PATTERN, description="A message id.")]
After = Annotated[str | None, Query(max_length=512, description="Cursor from `next_cursor`.")]
Limit = Annotated[int, Query(ge=1, le=200, description="Page size (1–200).")]
