"""The stores of the unit of work: each serves a port of `tertulia.usecases.ports` on the
connection of one transaction, turning rows of a few tables into domain objects and back. A
module is named as the ports module it serves; where that would make one over 500 lines, a store
has a module of its own, named as its port (channel_members, threads, uploads).

- accounts.py: users (with their password hashes) and sessions (with their refresh tokens)
- workspaces.py: workspaces, their members, and the invitations to join them
- channels.py: channels, and what a person may do in one (`access`)
- channel_members.py: who is in each channel and how far they have read (apart: see there)
- messages.py: messages (with their edits), their reactions, and the notifications they make
- threads.py: who follows which thread and how far they have read (apart: see there)
- files.py: files with their thumbnails, and the words of their names that file search looks up
- uploads.py: resumable uploads and their parts (apart: see there)
- jobs.py: the durable queue of background work
- rows.py: the row type; mappers several stores share (users, members, channels, messages)
- statements.py: statements several stores build alike (ON CONFLICT, capped unread counts)
"""
