"""The time limit of one import (``CPINSPECT_IMPORT_TIME_LIMIT``, ADR 0022).

The pipeline asks its deadline between its steps and between the blocks of the file it
reads; past the limit the import stops there with ``ImportTimeLimit``, whose message says
what the limit is and where the import had got to. Nothing is half-written: the import's
database writes all happen at its end, and its files are discarded. A single step is never
interrupted midway, so the row limit (``CPINSPECT_MAX_ROWS``) is what bounds each one.
"""

from __future__ import annotations

import time

from cpinspect.casefiles import conf
from cpinspect.casefiles.readers import ExtractFileError


class ImportTimeLimit(ExtractFileError):
    pass


class Deadline:
    def __init__(self, seconds: float | None = None):
        self.seconds = conf.import_time_limit() if seconds is None else seconds
        self.started = time.monotonic()

    def __call__(self, where: str) -> None:
        elapsed = time.monotonic() - self.started
        if elapsed > self.seconds:
            raise ImportTimeLimit(
                f"The import was stopped after {elapsed:,.1f} seconds, while {where}: an "
                f"import may take at most {self.seconds:g} seconds "
                "(CPINSPECT_IMPORT_TIME_LIMIT). Nothing was imported. Try again when the "
                "service is less busy, or ask the force for a smaller extract."
            )
