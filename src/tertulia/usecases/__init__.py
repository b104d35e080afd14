"""What Tertulia does: load, let the domain decide, write and append events, commit."""
