"""The ``cpinspect`` console command: Django's management commands with the project's defaults.

``cpinspect migrate`` runs as the database owner role (the only command that changes the
schema); everything else runs as the application's role.
"""

import os
import sys

OWNER_COMMANDS = {"migrate"}
# Polars allocates through jemalloc, which by default keeps freed pages for 10 s: a worker
# reading an upload block by block then holds hundreds of MB it no longer uses (ADR 0022;
# measured outside Django: a 2 GB import's peak 415 MB without, 347 MB with). Set before
# Polars is loaded; an operator's own setting wins.
JEMALLOC_CONF = "dirty_decay_ms:0,muzzy_decay_ms:0"


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpinspect.settings")
    os.environ.setdefault("_RJEM_MALLOC_CONF", JEMALLOC_CONF)
    argv[0] = "cpinspect"
    if (
        len(argv) > 1
        and argv[1] in OWNER_COMMANDS
        and not any(a.startswith("--database") for a in argv)
    ):
        argv.append("--database=owner")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
