"""The stores of the unit of work: each serves one port of `tertulia.usecases.ports` on the
connection of one transaction, turning rows of a few tables into domain objects and back.

- rows.py: the row type, and the mappers of rows that several stores read (users, memberships)
- statements.py: statements several stores build alike (INSERT … ON CONFLICT, capped unread
  counts)
"""
