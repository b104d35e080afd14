"""The rules of Tertulia: plain data and functions that decide, with no I/O."""
