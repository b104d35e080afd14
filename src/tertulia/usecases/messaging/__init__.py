"""Messaging: what is said in channels and threads, and who has read it. Every change is one
transaction that appends its events.

Modules, one per part of a conversation (the routers in `web/` and the tests follow the same
cut):
- `posting`: post, edit and delete a message (`Posting`);
- `views`: messages as a reader sees them, and reading them (`History`: one, a page, edits);
- `threads`: replies, thread summaries, following (`Threads`);
- `reactions`: reactions and pins (`Reactions`);
- `reading`: read markers, mutes, unreads (`Reading`);
- `inbox`: one's notifications (`Inbox`);
- `mentions`: whom a message names and notifies (helpers of posting);
- `indexing`: the search index kept in step (helpers of posting).
Who may see or do what is decided in `usecases/access.py`.
"""

from tertulia.usecases.messaging.inbox import Inbox, Inboxed
from tertulia.usecases.messaging.posting import Posted, Posting, StaleEdit
from tertulia.usecases.messaging.reactions import Reactions
from tertulia.usecases.messaging.reading import Reading, Unreads
from tertulia.usecases.messaging.threads import Threads
from tertulia.usecases.messaging.views import Edit, History, Slice, View

__all__ = [
    "Edit",
    "History",
    "Inbox",
    "Inboxed",
    "Posted",
    "Posting",
    "Reactions",
    "Reading",
    "Slice",
    "StaleEdit",
    "Threads",
    "Unreads",
    "View",
]
