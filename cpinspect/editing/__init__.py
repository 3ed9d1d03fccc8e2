"""Safe editing, shared by every app (ADR 0020): versions that refuse a stale save, one-time
tokens that make a double submit create one row, and unique-constraint races turned into
clear messages."""
