"""Benchmark: peak memory of the web process and of the worker while a 2 GB CSV is uploaded
and imported (issue 11, ADR 0022).

Sets up (not measured) a database of its own on the embedded PostgreSQL (migrations,
reference data, an Essex inspection in fieldwork with its lead), and writes a synthetic
extract to disk: ``--rows`` canonical rows with a free-text ``notes`` column (a column the
profile does not know, as forces' extracts have) padding the file to ``--mb`` megabytes.
Then starts, as separate processes, the web app (``gunicorn cpinspect.wsgi:application``,
one sync worker, DEBUG off) and the worker (``cpinspect db_worker``), signs the lead in
through the sign-in page, and uploads the file through the upload page's form over HTTP,
streamed from disk in 1 MB pieces with its Content-Length. The resident set size (RSS) of
gunicorn's processes and of the worker (and of any process it forks: the pseudonymising
child) is sampled every 50 ms with psutil from before the upload until the import is done.

    CPINSPECT_VAR_DIR=var .venv/bin/python benchmarks/upload_memory.py [--mb 2048] [--rows 500000]

Prints JSON: the peak RSS of each, its baseline before the upload, the upload's and the
import's seconds and outcome. Target: each peak under 600 MB. A quick run: ``--mb 200``.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from audit_load import HOST, Browser, _environment, _free_port, sign_in  # noqa: E402

TARGET_MB = 600
PASSWORD = "upload-memory-" + secrets.token_urlsafe(12)
ESSEX = "E23000028"
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def setup_data() -> dict:
    import datetime as dt

    import pghistory
    from django.db import connections

    from cpinspect.accounts.models import Role, User
    from cpinspect.programmes import services as programmes
    from cpinspect.programmes.lifecycle import MAIN_PATH, transition_between
    from cpinspect.programmes.models import InspectionType, Programme, Status, TeamRole
    from cpinspect.registry.models import Force

    with pghistory.context(source="benchmark"):
        planner = User.objects.create_user(
            "planner@upload-memory.invalid", PASSWORD, full_name="Pat Planner",
            role=Role.PROGRAMME_MANAGER,
        )  # fmt: skip
        lead = User.objects.create_user(
            "lead@upload-memory.invalid", PASSWORD, full_name="Lee Lead",
            role=Role.LEAD_INSPECTOR,
        )  # fmt: skip
        programme = Programme.objects.create(
            name="Upload memory", starts_on=dt.date(2026, 4, 1), ends_on=dt.date(2027, 3, 31)
        )
        essex = Force.objects.get(code=ESSEX)
        inspection = programmes.inspection_create(
            planner,
            programme=programme,
            kind=InspectionType.CHILD_PROTECTION,
            force=essex,
            fieldwork_starts_on=dt.date(2026, 10, 5),
        )
        programmes.team_member_add(planner, inspection=inspection, person=lead, role=TeamRole.LEAD)
        current = Status.PLANNED
        for status in MAIN_PATH[1 : MAIN_PATH.index(Status.FIELDWORK) + 1]:
            move = transition_between(current, status)
            actor = lead if "inspection_lead" in move.actors else planner
            programmes.inspection_transition(actor, inspection=inspection, target=status)
            current = status
    councils = sorted(essex.councils.values_list("code", flat=True))
    connections.close_all()
    return {"inspection": inspection.pk, "email": lead.email, "councils": councils}


def write_extract(path: Path, *, rows: int, megabytes: int, councils: list[str]) -> int:
    """The synthetic extract, written a slice at a time; returns its size in bytes."""
    import datetime as dt

    import polars as pl

    from cpinspect.casefiles import generator

    frame = generator.generate(rows=rows, seed=2026, councils=councils, until=dt.date(2026, 9, 21))
    base = len(frame.head(1000).write_csv()) / 1000
    pad = max(int(megabytes * 1024**2 / rows - base - 12), 0)
    filler = ("Summary of the referral and the actions taken. " * (pad // 48 + 1))[:pad]
    with path.open("wb") as out:
        for start in range(0, rows, 20_000):
            part = frame.slice(start, 20_000)
            first = pl.int_range(start, start + part.height).cast(pl.String)
            notes = pl.format("{} {}", first, pl.lit(filler)).str.slice(0, pad)
            part = part.with_columns(notes.alias("notes"))
            out.write(part.write_csv(include_header=start == 0).encode("utf-8"))
    return path.stat().st_size


class Peaks:
    """RSS of processes sampled every 50 ms: peak of each group (the largest single process
    of the group, and the group's sum at its largest)."""

    def __init__(self, groups: dict[str, psutil.Process]):
        self.groups = groups
        self.peak = {name: 0 for name in groups}
        self.peak_sum = {name: 0 for name in groups}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def now(self) -> dict[str, int]:
        out = {}
        for name, root in self.groups.items():
            sizes = []
            with contextlib.suppress(psutil.Error):
                for process in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        sizes.append(process.memory_info().rss)
            out[name] = sizes
        return out

    def _run(self):
        while not self.stopping.is_set():
            for name, sizes in self.now().items():
                if sizes:
                    self.peak[name] = max(self.peak[name], max(sizes))
                    self.peak_sum[name] = max(self.peak_sum[name], sum(sizes))
            time.sleep(0.05)

    def start(self):
        self.thread.start()

    def stop(self):
        self.stopping.set()
        self.thread.join()


def _mb(count: int) -> float:
    return round(count / 1024**2, 1)


def upload(port: int, browser: Browser, inspection: int, path: Path) -> tuple[int, str, float]:
    """Post the file through the upload page's form, streamed from disk."""
    home = f"/inspections/{inspection}/extract/"
    action = f"/inspections/{inspection}/extract/upload/"
    status, _, body, _ = browser.request("GET", home)
    page = body.decode()
    form = page[page.index(f'action="{action}"') :]
    form = form[: form.index("</form>")]
    fields = {k: html.unescape(v) for k, v in HIDDEN.findall(form)}
    fields["profile"] = "canonical"
    boundary = uuid.uuid4().hex
    head = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"'
        "\r\nContent-Type: text/csv\r\n\r\n"
    )
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head.encode()) + path.stat().st_size + len(tail)
    conn = http.client.HTTPConnection(HOST, port, timeout=1800)
    started = time.perf_counter()
    conn.putrequest("POST", action)
    for name, value in {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(length),
        "Cookie": "; ".join(f"{k}={v}" for k, v in browser.cookies.items()),
        "Origin": f"http://{HOST}:{port}",
        "Referer": f"http://{HOST}:{port}{home}",
    }.items():
        conn.putheader(name, value)
    conn.endheaders()
    conn.send(head.encode())
    with path.open("rb") as source:
        while piece := source.read(1024 * 1024):
            conn.send(piece)
    conn.send(tail)
    response = conn.getresponse()
    response.read()
    seconds = time.perf_counter() - started
    conn.close()
    return response.status, response.headers.get("Location", ""), seconds


def _extract_state(pk: int) -> dict:
    from django.db import connections

    from cpinspect.casefiles.models import Extract

    row = Extract.objects.filter(pk=pk).values(
        "status", "stage", "error", "rows_read", "rows_accepted", "rows_rejected", "seconds",
        "file_bytes", "columns_dropped",
    ).first()  # fmt: skip
    connections.close_all()
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=2048, help="size of the CSV file")
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds for the import")
    args = parser.parse_args()

    db_name = f"cpinspect_uploadmem_{os.getpid()}"
    folder = Path(tempfile.mkdtemp(prefix="cpinspect-uploadmem-"))
    env = _environment(db_name, folder / "casefiles")
    env["CPINSPECT_MAX_FILE_BYTES"] = str(max(2 * 1024**3, (args.mb + 64) * 1024**2))
    os.environ.clear()
    os.environ.update(env)

    from cpinspect import database

    database.embedded_server()
    web = worker = None
    result = {"benchmark": "upload_memory"}
    try:
        database.ensure_embedded_database(db_name)
        cli = [sys.executable, "-m", "cpinspect.cli"]
        for command in (["migrate", "--verbosity", "0"], ["load_reference_data"]):
            subprocess.run(
                cli + command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=600
            )
        import django

        django.setup()
        world = setup_data()
        path = folder / "extract.csv"
        began = time.perf_counter()
        size = write_extract(path, rows=args.rows, megabytes=args.mb, councils=world["councils"])
        generate_seconds = time.perf_counter() - began

        port = _free_port()
        logs = folder / "web.log", folder / "worker.log"
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "cpinspect.wsgi:application",
             "--bind", f"{HOST}:{port}", "--workers", "1", "--worker-class", "sync",
             "--no-control-socket", "--log-level", "warning", "--timeout", "1800"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=logs[0].open("wb"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        browser = Browser(port)
        deadline = time.monotonic() + 120
        while True:
            try:
                if browser.request("GET", "/healthz", cookies=False)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or web.poll() is not None:
                raise RuntimeError(logs[0].read_text(errors="replace"))
            time.sleep(0.3)
        # the worker once the web app is up: both set the database up when they start
        worker = subprocess.Popen(
            cli + ["db_worker", "--interval", "0.5", "--no-startup-delay"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=logs[1].open("wb"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        sign_in(browser, world["email"], PASSWORD)
        browser.request("GET", f"/inspections/{world['inspection']}/extract/")  # warm the page
        time.sleep(8)  # the worker has started and polls
        peaks = Peaks({"web": psutil.Process(web.pid), "worker": psutil.Process(worker.pid)})
        baseline = {name: _mb(max(sizes or [0])) for name, sizes in peaks.now().items()}
        peaks.start()
        status, location, upload_seconds = upload(port, browser, world["inspection"], path)
        if status != 302 or not re.search(r"/extract/\d+/$", location):
            raise RuntimeError(f"upload answered {status} {location}")
        extract_id = int(location.rstrip("/").rsplit("/", 1)[1])
        began = time.perf_counter()
        while True:
            state = _extract_state(extract_id)
            if state["status"] not in ("queued", "running"):
                break
            if time.perf_counter() - began > args.timeout or worker.poll() is not None:
                raise RuntimeError(f"import not done: {state}\n{logs[1].read_text()[-3000:]}")
            time.sleep(0.5)
        import_seconds = time.perf_counter() - began
        peaks.stop()
        time.sleep(1)  # Extract.seconds is written just after the import's last transaction
        state = _extract_state(extract_id)
        uploads_left = sorted(p.name for p in (folder / "casefiles" / "uploads").iterdir())
        result |= {
            "file": {
                "megabytes": _mb(size),
                "bytes": size,
                "rows": args.rows,
                "columns": "canonical six and a free-text 'notes' column",
                "generate_seconds": round(generate_seconds, 1),
            },
            "upload": {"status": status, "seconds": round(upload_seconds, 1)},
            "import": {**state, "seconds_until_done": round(import_seconds, 1)},
            "uploads_left_behind": uploads_left,
            "rss_baseline_mb": baseline,
            "peak_rss_mb": {name: _mb(value) for name, value in peaks.peak.items()},
            "peak_rss_sum_of_processes_mb": {
                name: _mb(value) for name, value in peaks.peak_sum.items()
            },
            "target_mb": TARGET_MB,
            "meets_target": {name: _mb(v) < TARGET_MB for name, v in peaks.peak.items()},
            "machine": {
                "cpus": os.cpu_count(),
                "load_average_end": [round(x, 2) for x in os.getloadavg()],
                "python": sys.version.split()[0],
            },
        }
    finally:
        for process in (web, worker):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001,S110 (Django may not be set up yet)
            pass
        database.drop_embedded_database(db_name)
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
