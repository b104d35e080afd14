"""Events of files: uploaded, optimised (or not), deleted. A file's events name no channel:
the channel rides in the data, and the audience reaches it once the file is shared."""

from __future__ import annotations

from tertulia.domain.attachments import StoredFile, file_data
from tertulia.domain.events import data
from tertulia.domain.events.base import Event, Kind, channel_members, person

SHARED = "Its uploader, and once shared, the members of its channel."


def audience(file: StoredFile) -> tuple[str, ...]:
    """Who hears about a file: its uploader, and once shared, the members of its channel."""
    scopes = [person(file.uploader_id)]
    if file.channel_id is not None:
        scopes.append(channel_members(file.channel_id))
    return tuple(scopes)


class _FileShown(Kind):
    __slots__ = ()
    DATA = data.FileData
    RECEIVED_BY = SHARED
    IN_CHANNEL = False

    @classmethod
    def of(cls, file: StoredFile) -> Event:
        return cls.make(file_data(file), audience(file), workspace_id=file.workspace_id)


class FileCreated(_FileShown):
    __slots__ = ()
    TYPE = "file.created"
    SUMMARY = "You uploaded a file (share it by posting its id in `file_ids`)."
    RECEIVED_BY = "Your own devices."


class FileReady(_FileShown):
    __slots__ = ()
    TYPE = "file.ready"
    SUMMARY = "An image was optimised: its thumbnails and placeholder are ready."


class FileFailed(_FileShown):
    __slots__ = ()
    TYPE = "file.failed"
    SUMMARY = "An image could not be processed; it stays a plain download (`problem` says why)."


class FileDeleted(Kind):
    __slots__ = ()
    TYPE = "file.deleted"
    DATA = data.FileDeleted
    SUMMARY = "A file was deleted: drop it from its message."
    RECEIVED_BY = SHARED
    IN_CHANNEL = False

    @classmethod
    def of(cls, file: StoredFile) -> Event:
        body: data.FileDeleted = {
            "id": file.id,
            "message_id": file.message_id,
            "channel_id": file.channel_id,
        }
        return cls.make(body, audience(file), workspace_id=file.workspace_id)
