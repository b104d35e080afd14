"""The application as the web layer and the command line see it: every use case, built once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tertulia.usecases.accounts import Accounts
from tertulia.usecases.boot import Boot
from tertulia.usecases.channels import Channels
from tertulia.usecases.files import Files
from tertulia.usecases.filework import FileWork
from tertulia.usecases.jobs import Jobs
from tertulia.usecases.limits import Limits
from tertulia.usecases.messaging import History, Inbox, Posting, Reactions, Reading, Threads
from tertulia.usecases.ports.files import BlobStore
from tertulia.usecases.realtime import Live
from tertulia.usecases.search import Reindex, Search
from tertulia.usecases.uploads import Uploads
from tertulia.usecases.workspaces import Workspaces


class NotReady(Exception):
    """A dependency (database, broker, storage) does not answer."""

    def __init__(self, dependency: str, cause: BaseException) -> None:
        super().__init__(f"{dependency}: {type(cause).__name__}")
        self.dependency = dependency


@dataclass(frozen=True, slots=True)
class Tertulia:
    """What Tertulia can do. Built by `bootstrap.open_tertulia`; nothing here is global."""

    accounts: Accounts
    limits: Limits  # what people do, counted against their rate limits
    workspaces: Workspaces
    channels: Channels
    posting: Posting  # messages: post, edit, delete
    history: History  # messages as a reader sees them
    threads: Threads
    reactions: Reactions  # and pins
    reading: Reading  # read markers, mutes, unreads
    inbox: Inbox  # one's notifications
    search: Search
    reindex: Reindex
    live: Live
    boot: Boot  # a client's first screen, in one call
    files: Files
    uploads: Uploads  # resumable (tus) uploads, made into files by `files`
    file_work: FileWork  # the handlers of file jobs
    jobs: Jobs  # the one worker, run by open_tertulia on every node
    blobs: BlobStore
    check_ready: Callable[[], Awaitable[dict[str, str]]]  # raises if a dependency is down
