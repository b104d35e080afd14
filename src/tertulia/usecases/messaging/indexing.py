"""The search index kept in step with messages, in the transaction that changes them."""

from __future__ import annotations

import re

from tertulia.domain.messages import Message
from tertulia.usecases.ports import UnitOfWork
from tertulia.usecases.ports.search import SearchDocument

_LINK = re.compile(r'<a [^>]*href="(?:https?|ftp|mailto):', re.IGNORECASE)


def search_document(message: Message) -> SearchDocument:
    """What the index keeps of a message."""
    return SearchDocument(
        message_id=message.id,
        workspace_id=message.workspace_id,
        channel_id=message.channel_id,
        author_id=message.author_id,
        created_at=message.created_at,
        text=message.text,
        has_link=bool(_LINK.search(message.html)),
        has_file=bool(message.file_ids),
    )


async def index_message(uow: UnitOfWork, message: Message) -> None:
    """Keep the index in step with a message, in the transaction that changed it."""
    if message.is_deleted:
        await uow.search.drop(message.id)
    else:
        await uow.search.put(search_document(message))
