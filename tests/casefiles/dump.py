"""A dump of the whole database (``COPY ... TO STDOUT`` of every table, as ``pg_dump`` writes
the data) and a search of it, of files and of captured text for raw references.

COPY runs on the test's own connection, so it sees the rows the test wrote in its
transaction; bytea columns come out as hex, JSON as its text.
"""

from __future__ import annotations

from pathlib import Path

from django.db import connection

PREFIX = 12  # also look for the first 12 characters of each reference


def database_dump() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        tables = [name for (name,) in cursor.fetchall()]
        assert "casefiles_extractevent" in tables and "casefiles_extract" in tables
        parts = []
        for table in tables:
            with cursor.copy(f'COPY "{table}" TO STDOUT') as copy:
                data = b"".join(bytes(block) for block in copy)
            parts.append(f"-- {table}\n" + data.decode("utf-8", errors="replace"))
    return "\n".join(parts)


def needles(references) -> set[str]:
    """Each reference, and its first characters (what a truncated echo would hold)."""
    found = set()
    for ref in references:
        if ref:
            found.add(ref)
            if len(ref) > PREFIX:
                found.add(ref[:PREFIX])
    return found


def leaks_in_text(text: str, references) -> list[str]:
    return sorted(n for n in needles(references) if n in text)


def leaks_in_files(folder: Path, references) -> list[str]:
    wanted = [n.encode() for n in needles(references)]
    hits = []
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            blob = path.read_bytes()
            hits += [f"{path.name}: {n.decode()}" for n in wanted if n in blob]
    return hits


def leaks_in_database(references) -> list[str]:
    dump = database_dump()
    hits = []
    table = "?"
    needles_ = needles(references)
    for line in dump.splitlines():
        if line.startswith("-- "):
            table = line[3:]
            continue
        hits += [f"{table}: {n}" for n in needles_ if n in line]
    return sorted(set(hits))
