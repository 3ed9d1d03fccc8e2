"""Backup and restore of an installation: the database, its keys and its files (ADR 0019)."""
