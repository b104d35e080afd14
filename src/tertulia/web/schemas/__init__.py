"""Request and response bodies: every field described, with examples, for `/docs`.

One module per capability, next to its router, so that a router and its bodies change
together; a router imports its bodies from its module (nothing is re-exported here):

- `params`: field types and example values several capabilities share (`IdStr`, the example
  ids and time).
- `common`: the bases `In` (strict request bodies) and `Out`; `PageOut`, the envelope of a
  page of a list; `UserOut` and `MemberOut`, people as several capabilities show them.
- `accounts`: registering, logging in, sessions and their tokens, your profile (`web/accounts.py`).
- `workspaces`: workspaces, roles, presence, invitation links (`web/workspaces.py`).
- `channels`: channels, direct messages, channel members (`web/channels.py`).
- `messages`: messages, their edits, reactions and pins; threads; read state, mutes and
  unreads; notifications (`web/messages.py`). `MessageOut` is also how other capabilities
  show a message.
- `files`: files and their thumbnails (`web/files.py`), resumable uploads (`web/tus.py`).
- `search`: messages and files found, suggestions while typing (`web/search.py`).

`web/boot.py` builds its bodies from these; the socket's event bodies are `web/eventdata.py`.
"""
