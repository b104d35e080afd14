"""The stores of the unit of work: each serves a port of `tertulia.usecases.ports` on the
connection of one transaction, turning rows of a few tables into domain objects and back. A
module here is named as the ports module it serves.

- accounts.py: users (with their password hashes) and sessions (with their refresh tokens)
- workspaces.py: workspaces, their members, and the invitations to join them
- channels.py: channels, and what a person may do in one (`access`)
- channel_members.py: who is in each channel and how far they have read (apart: see there)
- messages.py: messages (with their edits), their reactions, and the notifications they make
- threads.py: who follows which thread and how far they have read (apart: see there)
- files.py: files with their thumbnails, and the runs of words of their names file search uses
- jobs.py: the durable queue of background work
- rows.py: the row type; mappers several stores share (users, members, channels, messages)
- statements.py: statements several stores build alike (ON CONFLICT, capped unread counts)
"""
