"""Benchmark: 20 signed-in inspectors on the case-file audit, served by gunicorn.

Sets up (not timed) a database of its own on the embedded PostgreSQL: migrations as the owner
role, reference data, an Essex inspection in fieldwork with a lead and 20 inspectors, a
synthetic extract imported and a sample drawn and allocated (5 cases each). Serves it with
gunicorn (sync workers, DEBUG off) on a free loopback port and signs each inspector in through
the sign-in page. Then:

* load: for 60 s each inspector loops worklist -> assessment form of one of their cases ->
  draft save (posted as the page's autosave does, ``X-Autosave: 1``, following the returned
  version), pausing 1 s after each action. Per page: p50, p95, throughput, errors. Every form
  read is checked against what the inspector last saved, and afterwards the database:
  each assessment's version is 1 + the saves acknowledged for it and its answers, notes,
  grade and rationale are the last ones sent (no lost or duplicated save).
* saturation: no pauses, N clients on ``/healthz``, then on the signed-in home page, then on
  the assessment form (alternating rounds); requests per second of each, the form's ratio to
  ``/healthz``, and server CPU per request. The home page (layout, session and user, no case
  data) is the floor of any signed-in page: its own ratio to ``/healthz`` is printed beside.

Everything (server, database, temporary folder) is torn down at the end, even on failure.

    CPINSPECT_VAR_DIR=var .venv/bin/python benchmarks/audit_load.py [--workers 5]

Prints JSON. Targets: p95 of the assessment form <= 150 ms under the paced load, no errors,
no lost or duplicated save, saturation ratio (form / healthz) >= 0.25. The load generator runs
on the same machine as the server (2 cores here): say what else was running with the figures.
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import os
import platform
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = {"form_p95_ms": 150.0, "errors": 0, "lost_or_duplicated_saves": 0, "ratio": 0.25}
PASSWORD = "audit-load-" + secrets.token_urlsafe(12)
ESSEX = "E23000028"
HOST = "127.0.0.1"
SEED = 2026  # the inspectors' choices of answers and notes


# --- set-up and checks inside Django (this process) ------------------------------------------


def _environment(db_name: str, casefiles_dir: Path) -> dict:
    """The environment of the set-up, the server and the checks: identical for all three."""
    from cryptography.fernet import Fernet

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cpinspect.settings",
        "CPINSPECT_DB_NAME": db_name,
        "CPINSPECT_SECRET_KEY": secrets.token_urlsafe(50),
        "CPINSPECT_SECURE_COOKIES": "0",  # plain HTTP on loopback; no TLS proxy in front
        "CPINSPECT_EVIDENCE_KEYS": Fernet.generate_key().decode(),
        "CPINSPECT_PSEUDONYM_KEY": secrets.token_hex(32),
        "CPINSPECT_CASEFILES_DIR": str(casefiles_dir),
        "CPINSPECT_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),  # this checkout's code, not whatever is installed
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("DATABASE_URL", "DATABASE_OWNER_URL", "CPINSPECT_DEBUG", "CPINSPECT_DEMO"):
        env.pop(name, None)  # always the embedded server; DEBUG and demo mode off
    return env


def setup_data(inspectors: int, cases_each: int) -> dict:
    """The inspection, its team and its allocated sample. Returns what the driver needs."""
    import datetime as dt

    import pghistory
    from django.db import connections

    from cpinspect.accounts.models import Role, User
    from cpinspect.assessments import services as audit_services
    from cpinspect.casefiles import generator, sampling
    from cpinspect.casefiles import services as casefiles_services
    from cpinspect.programmes import services as programmes
    from cpinspect.programmes.lifecycle import MAIN_PATH, transition_between
    from cpinspect.programmes.models import InspectionType, Programme, Status, TeamRole
    from cpinspect.registry.models import Force

    def user(key, role, name):
        return User.objects.create_user(
            f"{key}@audit-load.invalid", PASSWORD, full_name=name, role=role
        )

    with pghistory.context(source="benchmark"):
        planner = user("planner", Role.PROGRAMME_MANAGER, "Pat Planner")
        lead = user("lead", Role.LEAD_INSPECTOR, "Lee Lead")
        people = [
            user(f"inspector{i:02d}", Role.INSPECTOR, f"Inspector {i:02d}")
            for i in range(1, inspectors + 1)
        ]
        programme = Programme.objects.create(
            name="Audit load", starts_on=dt.date(2026, 4, 1), ends_on=dt.date(2027, 3, 31)
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
        for person in people:
            programmes.team_member_add(
                planner, inspection=inspection, person=person, role=TeamRole.INSPECTOR
            )
        current = Status.PLANNED
        for status in MAIN_PATH[1 : MAIN_PATH.index(Status.FIELDWORK) + 1]:
            move = transition_between(current, status)
            actor = lead if "inspection_lead" in move.actors else planner
            programmes.inspection_transition(actor, inspection=inspection, target=status)
            current = status

        until = inspection.fieldwork_starts_on - dt.timedelta(days=14)
        councils = sorted(essex.councils.values_list("code", flat=True))
        frame = generator.generate(rows=4000, seed=2026, councils=councils, until=until)
        extract = casefiles_services.extract_import(
            inspection=inspection,
            user=lead,
            data=frame.write_csv().encode("utf-8"),
            profile_name="canonical",
            via="cli",
            today=until,
        )
        size = inspectors * cases_each
        sample = casefiles_services.sample_draw(
            extract=extract,
            user=lead,
            design=sampling.Design(size=size, method="equal", minimum=1),
            seed=2026,
        )
        audits = audit_services.cases_allocate(inspection=inspection, user=lead)
    cases = defaultdict(list)
    for audit in audits:
        cases[audit.examiner_id].append(audit.case_id)
    result = {
        "inspection": inspection.pk,
        "sample_size": sample.total_size,
        "allocated": len(audits),
        "inspectors": [
            {"email": p.email, "cases": sorted(cases[p.pk])} for p in people if cases[p.pk]
        ],
    }
    connections.close_all()  # nothing of this process stays open during the load
    return result


def check_saves(inspection_id: int, expected: dict[int, dict]) -> dict:
    """Compare each first examination with what the driver had acknowledged for its case."""
    from django.db import connections

    from cpinspect.assessments.models import Assessment, Kind

    stored = {
        a.audit.case_id: a
        for a in Assessment.objects.filter(
            audit__inspection_id=inspection_id, kind=Kind.FIRST
        ).select_related("audit")
    }
    problems = []
    checked = saves = 0
    for case_id, want in expected.items():
        got = stored.get(case_id)
        if got is None:
            if want["saves"]:
                problems.append({"case": case_id, "problem": "no assessment stored"})
            continue
        checked += 1
        saves += want["saves"]
        writing = got.writing or {}
        if got.version != 1 + want["saves"]:
            kind = "lost" if got.version < 1 + want["saves"] else "duplicated"
            problems.append(
                {
                    "case": case_id,
                    "problem": f"{kind} save: version {got.version}, expected {1 + want['saves']}",
                }
            )
        if want["saves"] == 0:
            continue
        last = want["last"]
        differences = [
            name
            for name, stored_value, sent in (
                ("answers", got.answers, last["answers"]),
                ("notes", writing.get("notes", {}), last["notes"]),
                ("texts", writing.get("text", {}), last["texts"]),
                ("overall_grade", got.overall_grade, last["grade"]),
                ("rationale", writing.get("rationale", ""), last["rationale"]),
            )
            if stored_value != sent
        ]
        if differences:
            problems.append({"case": case_id, "problem": f"stored {differences} differ"})
    connections.close_all()
    return {
        "assessments_checked": checked,
        "saves_acknowledged": saves,
        "problems": len(problems),
        "problem_examples": problems[:5],
    }


# --- HTTP --------------------------------------------------------------------------------------


class Browser:
    """One person's browser: a cookie jar and a connection (re-opened when the server closes
    it, as gunicorn's sync workers do after every response)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        self.reconnects = 0

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method, path, fields=None, headers=None, cookies=True):
        """(status, headers, body, seconds); seconds from sending to the last byte read."""
        body = urllib.parse.urlencode(fields) if fields is not None else None
        sent = {"Host": f"{HOST}:{self.port}", "User-Agent": "cpinspect-audit-load"}
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Origin"] = f"http://{HOST}:{self.port}"
        if cookies and self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        sent.update(headers or {})
        for attempt in (1, 2):
            reused = self.conn is not None
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body, sent)
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if reused and attempt == 1:  # an idle keep-alive connection the server closed
                    self.reconnects += 1
                    continue
                raise
            except Exception:
                self.close()
                raise
            seconds = time.perf_counter() - started
            break
        if cookies:
            for header in response.headers.get_all("Set-Cookie") or []:
                pair, _, attributes = header.partition(";")
                name, _, value = pair.strip().partition("=")
                if "max-age=0" in attributes.lower().replace(" ", ""):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
        if response.will_close:
            self.close()
        return response.status, response.headers, data, seconds


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION_INPUT = re.compile(r'<input type="hidden" name="version" value="(\d+)">')
RADIO = re.compile(r'name="(answer-[^"]+)" type="radio" value="([^"]*)"( checked)?')
GRADE = "answer-overall_grade"  # the case's overall grade: the core set's last question
TEXTAREA = re.compile(r'<textarea[^>]*\sname="([^"]+)"[^>]*>(.*?)</textarea>', re.S)
ASSESS_LINK = re.compile(r'href="/inspections/\d+/fieldwork/cases/(\d+)/assess/"')


def sign_in(browser: Browser, email: str, password: str) -> None:
    status, _, body, _ = browser.request("GET", "/sign-in/")
    token = CSRF_INPUT.search(body.decode())
    if status != 200 or token is None:
        raise RuntimeError(f"sign-in page: {status}")
    status, headers, _, _ = browser.request(
        "POST",
        "/sign-in/",
        {
            "csrfmiddlewaretoken": html.unescape(token.group(1)),
            "username": email,
            "password": password,
        },
    )
    if status != 302 or "sessionid" not in browser.cookies:
        raise RuntimeError(f"sign-in of {email} failed: {status} {headers.get('Location')}")


class Form:
    """The assessment form as the browser holds it: every field's current value."""

    def __init__(self, page: str):
        self.csrf = html.unescape(CSRF_INPUT.search(page).group(1))
        self.version = int(VERSION_INPUT.search(page).group(1))
        self.choices: dict[str, list[str]] = defaultdict(list)
        self.checked: dict[str, str] = {}
        for name, value, checked in RADIO.findall(page):
            value = html.unescape(value)
            self.choices[name].append(value)
            if checked:
                self.checked[name] = value
        self.texts = {name: html.unescape(text) for name, text in TEXTAREA.findall(page)}

    def state(self) -> dict:
        """What the server shows as saved, in the terms of ``check_saves``."""
        answers = {n[7:]: v for n, v in self.checked.items() if n.startswith("answer-")}
        free = {n[7:]: v for n, v in self.texts.items() if n.startswith("answer-") and v}
        notes = {n[5:]: v for n, v in self.texts.items() if n.startswith("note-") and v}
        return {
            "answers": answers,
            "texts": free,
            "notes": notes,
            "grade": self.checked.get(GRADE, ""),
            "rationale": self.texts.get("rationale", ""),
        }

    def change(self, rng: random.Random, label: str) -> None:
        """A few answers changed and a note written, as a person does between autosaves."""
        radios = [n for n in self.choices if n != GRADE]
        for name in rng.sample(radios, min(3, len(radios))):
            self.checked[name] = rng.choice(self.choices[name])
        notes = [n for n in self.texts if n.startswith("note-")]
        self.texts[rng.choice(notes)] = f"{label}: seen in record entry {rng.randint(1, 99)}."
        free = [n for n in self.texts if n.startswith("answer-")]
        if free and rng.random() < 0.3:
            self.texts[rng.choice(free)] = f"{label}: the child was seen the same day."
        if GRADE in self.choices and rng.random() < 0.3:
            self.checked[GRADE] = rng.choice(self.choices[GRADE])
        self.texts["rationale"] = f"{label}: the reasons so far."

    def fields(self) -> list[tuple[str, str]]:
        """What ``new FormData(form)`` posts: checked radios, every textarea, the hidden
        inputs, and the autosave's ``action=save``."""
        fields = [("csrfmiddlewaretoken", self.csrf), ("version", str(self.version))]
        fields += list(self.checked.items())
        fields += list(self.texts.items())
        fields.append(("action", "save"))
        return fields


# --- the paced load ----------------------------------------------------------------------------


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.error_examples: list[str] = []

    def ok(self, kind: str, seconds: float):
        with self.lock:
            self.latencies[kind].append(seconds)

    def error(self, kind: str, what: str, seconds: float | None = None):
        """A failed request (its latency, if it was answered, is left out of the figures)."""
        with self.lock:
            self.errors[kind] += 1
            if len(self.error_examples) < 10:
                self.error_examples.append(f"{kind}: {what}")


class Inspector:
    """A signed-in inspector working through their cases: the driver's record of what was
    saved (and acknowledged) for each case is what the database is checked against."""

    def __init__(self, index: int, email: str, cases: list[int], inspection: int, port: int):
        self.index, self.email, self.cases, self.inspection = index, email, cases, inspection
        self.browser = Browser(port)
        self.rng = random.Random(f"{SEED}/{index}")
        self.turn = 0
        self.saved = {c: {"saves": 0, "version": None, "last": None} for c in cases}

    def assess_path(self, case_id: int) -> str:
        return f"/inspections/{self.inspection}/fieldwork/cases/{case_id}/assess/"

    def worklist(self, rec: Recorder):
        path = f"/inspections/{self.inspection}/fieldwork/worklist/"
        try:
            status, _, body, seconds = self.browser.request("GET", path)
        except Exception as exc:  # noqa: BLE001 (every failure is counted, none stops the run)
            rec.error("worklist", repr(exc))
            return
        if status != 200:
            rec.error("worklist", f"status {status}", seconds)
        elif sorted(map(int, ASSESS_LINK.findall(body.decode()))) != sorted(self.cases):
            rec.error("worklist", "the worklist does not list the inspector's cases", seconds)
        else:
            rec.ok("worklist", seconds)

    def open_form(self, rec: Recorder, case_id: int) -> Form | None:
        try:
            status, _, body, seconds = self.browser.request("GET", self.assess_path(case_id))
        except Exception as exc:  # noqa: BLE001
            rec.error("assessment_form", repr(exc))
            return None
        if status != 200:
            rec.error("assessment_form", f"status {status}", seconds)
            return None
        form = Form(body.decode())
        mine = self.saved[case_id]
        if mine["version"] is not None and form.version != mine["version"]:
            rec.error("assessment_form", f"version {form.version}, saved {mine['version']}")
        elif mine["last"] is not None and form.state() != mine["last"]:
            rec.error("assessment_form", "the form does not show the last save")
        else:
            rec.ok("assessment_form", seconds)
        mine["version"] = form.version
        return form

    def save(self, rec: Recorder, case_id: int, form: Form, label: str):
        mine = self.saved[case_id]
        form.change(self.rng, label)
        try:
            status, headers, body, seconds = self.browser.request(
                "POST", self.assess_path(case_id), form.fields(), {"X-Autosave": "1"}
            )
        except Exception as exc:  # noqa: BLE001 (an unanswered save: the check will say)
            rec.error("draft_save", repr(exc))
            return
        answer = {}
        if headers.get("Content-Type", "").startswith("application/json"):
            answer = json.loads(body)
        if status == 200 and answer.get("saved") and answer.get("version") == form.version + 1:
            rec.ok("draft_save", seconds)
            form.version = answer["version"]
            mine["version"] = form.version
            mine["saves"] += 1
            mine["last"] = form.state()
        else:
            rec.error("draft_save", f"status {status} {answer}", seconds)

    def run(self, rec: Recorder, start: float, end: float, pause: float):
        time.sleep(max(0.0, start - time.monotonic()))
        while time.monotonic() < end:
            self.worklist(rec)
            time.sleep(pause)
            if time.monotonic() >= end:
                break
            case_id = self.cases[self.turn % len(self.cases)]
            self.turn += 1
            form = self.open_form(rec, case_id)
            time.sleep(pause)
            if form is None or time.monotonic() >= end:
                continue
            self.save(rec, case_id, form, f"{self.email} case {case_id} turn {self.turn}")
            time.sleep(pause)


def _percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile, in milliseconds."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, int(-(-share * len(ordered) // 1)))  # ceil
    return round(ordered[rank - 1] * 1000, 1)


def _summary(latencies: list[float], errors: int, seconds: float) -> dict:
    return {
        "requests": len(latencies) + errors,
        "errors": errors,
        "p50_ms": _percentile(latencies, 0.50),
        "p95_ms": _percentile(latencies, 0.95),
        "max_ms": round(max(latencies) * 1000, 1) if latencies else None,
        "per_second": round(len(latencies) / seconds, 2),
    }


# --- server ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


class Server:
    def __init__(self, env: dict, workers: int, worker_class: str, threads: int, log: Path):
        self.port = _free_port()
        self.workers, self.worker_class, self.threads = workers, worker_class, threads
        command = [
            sys.executable, "-m", "gunicorn", "cpinspect.wsgi:application",
            "--bind", f"{HOST}:{self.port}",
            "--workers", str(workers),
            "--worker-class", worker_class,
            "--threads", str(threads),
            "--no-control-socket",
            "--log-level", "warning",
            "--timeout", "60",
        ]  # fmt: skip
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def wait_healthy(self, timeout=90):
        deadline = time.monotonic() + timeout
        browser = Browser(self.port)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                healthy = browser.request("GET", "/healthz", cookies=False)[0] == 200
                if healthy and len(_children(self.process.pid)) >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not start:\n{self.log.read_text(errors='replace')}")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # graceful: workers leave the database
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class CpuMeter:
    """CPU used during a window by gunicorn's processes and by the PostgreSQL backends serving
    this benchmark's database. Sampled every half second, because Django closes a connection
    after CONN_MAX_AGE (60 s) and the backend's CPU goes with it: a backend or worker first
    seen during the window counts from zero, one that ends counts to its last sample."""

    def __init__(self, server_pid: int, db_name: str):
        from cpinspect import database

        self.server_pid, self.db_name = server_pid, db_name
        self.conn = database._superuser_connection()
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def _sample(self) -> dict[int, tuple[str, int]]:
        found = {p: ("app", _cpu_ticks(p)) for p in [self.server_pid, *_children(self.server_pid)]}
        with self.lock:
            rows = self.conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", [self.db_name]
            ).fetchall()
        found |= {pid: ("db", _cpu_ticks(pid)) for (pid,) in rows}
        return found

    def start(self):
        self.first = self._sample()
        self.last = dict(self.first)
        self.started = time.monotonic()
        self.stopping.clear()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping.wait(0.5):
            for pid, value in self._sample().items():
                if value[1]:  # 0: the process ended before it could be read
                    self.last[pid] = value

    def stop(self) -> tuple[int, int]:
        """(app ticks, database ticks) since ``start``."""
        self.stopping.set()
        self.thread.join()
        for pid, value in self._sample().items():
            if value[1]:
                self.last[pid] = value
        totals = {"app": 0, "db": 0}
        for pid, (kind, ticks) in self.last.items():
            totals[kind] += ticks - self.first.get(pid, (kind, 0))[1]
        return totals["app"], totals["db"]

    def close(self):
        self.conn.close()


# --- saturation --------------------------------------------------------------------------------


def saturate(clients: list[tuple[Browser, list[str]]], seconds: float, meter: CpuMeter) -> dict:
    """Each client requests its paths in turn with no pause; requests/s over the window."""
    counts, errors, latencies = [0] * len(clients), [0] * len(clients), []
    lock = threading.Lock()
    barrier = threading.Barrier(len(clients) + 1)
    end = [0.0]

    def client(i, browser, paths):
        mine = []
        barrier.wait()
        n = 0
        while time.monotonic() < end[0]:
            path = paths[n % len(paths)]
            n += 1
            try:
                status, _, _, took = browser.request("GET", path, cookies=bool(browser.cookies))
            except Exception:  # noqa: BLE001
                errors[i] += 1
                continue
            if status == 200:
                counts[i] += 1
                mine.append(took)
            else:
                errors[i] += 1
        with lock:
            latencies.extend(mine)

    threads = [
        threading.Thread(target=client, args=(i, b, p), daemon=True)
        for i, (b, p) in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    meter.start()
    client_before = _own_cpu()
    started = time.monotonic()
    end[0] = started + seconds
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    app_ticks, db_ticks = meter.stop()
    return {
        "requests": sum(counts),
        "errors": sum(errors),
        "seconds": elapsed,
        "app_ticks": app_ticks,
        "db_ticks": db_ticks,
        "client_seconds": _own_cpu() - client_before,
        "latencies": latencies,
    }


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _cpu_per_request(app_ticks: float, db_ticks: float, client_seconds: float, n: int) -> dict:
    """Milliseconds of CPU per request: the app (gunicorn master and workers), the database
    (the PostgreSQL backends serving the workers) and this load generator."""
    tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
    n = max(n, 1)
    return {
        "app": round(app_ticks * tick_ms / n, 2),
        "database": round(db_ticks * tick_ms / n, 2),
        "server": round((app_ticks + db_ticks) * tick_ms / n, 2),
        "load_generator": round(client_seconds * 1000 / n, 2),
    }


def _combine(rounds: list[dict]) -> dict:
    requests = sum(r["requests"] for r in rounds)
    seconds = sum(r["seconds"] for r in rounds)
    latencies = [x for r in rounds for x in r["latencies"]]
    return {
        "requests": requests,
        "errors": sum(r["errors"] for r in rounds),
        "seconds": round(seconds, 1),
        "per_second": round(requests / seconds, 1),
        "per_second_by_round": [round(r["requests"] / r["seconds"], 1) for r in rounds],
        "p50_ms": _percentile(latencies, 0.5),
        "p95_ms": _percentile(latencies, 0.95),
        "cpu_ms_per_request": _cpu_per_request(
            sum(r["app_ticks"] for r in rounds),
            sum(r["db_ticks"] for r in rounds),
            sum(r["client_seconds"] for r in rounds),
            requests,
        ),
    }


# --- main --------------------------------------------------------------------------------------


def _load_average():
    return [round(x, 2) for x in os.getloadavg()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inspectors", type=int, default=20)
    parser.add_argument("--cases-each", type=int, default=5)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--pause", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--clients", type=int, default=8, help="saturation clients")
    parser.add_argument("--saturation-seconds", type=float, default=8.0, help="per round")
    parser.add_argument("--rounds", type=int, default=2, help="saturation rounds of each")
    args = parser.parse_args()

    db_name = f"cpinspect_auditload_{os.getpid()}"
    folder = Path(tempfile.mkdtemp(prefix="cpinspect-auditload-"))
    env = _environment(db_name, folder / "casefiles")
    os.environ.clear()  # this process (set-up, checks) sees what the server sees
    os.environ.update(env)

    from cpinspect import database

    database.embedded_server()  # join (or start) it for the whole run
    server = None
    load_before = _load_average()
    result = {"benchmark": "audit_load"}
    try:
        began = time.monotonic()
        database.ensure_embedded_database(db_name)
        cli = [sys.executable, "-m", "cpinspect.cli"]
        for command in (["migrate", "--verbosity", "0"], ["load_reference_data"]):
            subprocess.run(
                cli + command, cwd=ROOT, env=env, check=True, capture_output=True, timeout=600
            )
        import django

        django.setup()
        world = setup_data(args.inspectors, args.cases_each)
        setup_seconds = time.monotonic() - began

        server = Server(env, args.workers, args.worker_class, args.threads, folder / "server.log")
        server.wait_healthy()
        people = [
            Inspector(i, p["email"], p["cases"], world["inspection"], server.port)
            for i, p in enumerate(world["inspectors"])
        ]
        for person in people:
            sign_in(person.browser, person.email, PASSWORD)
        warm = Recorder()  # every page once per case, so each worker has loaded its code
        for person in people:
            person.worklist(warm)
            for case_id in person.cases:
                person.open_form(warm, case_id)
        if warm.errors:
            raise RuntimeError(f"warm-up failed: {warm.error_examples}")
        meter = CpuMeter(server.process.pid, db_name)

        # paced load: each inspector starts at a different moment within the first pause
        rec = Recorder()
        load_start_average = _load_average()
        meter.start()
        client_before = _own_cpu()
        start = time.monotonic() + 0.5
        end = start + args.duration
        threads = [
            threading.Thread(
                target=p.run,
                args=(rec, start + args.pause * i / len(people), end, args.pause),
                daemon=True,
            )
            for i, p in enumerate(people)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - start
        load_cpu, client_cpu = meter.stop(), _own_cpu() - client_before
        load_after_average = _load_average()
        pages = {
            kind: _summary(rec.latencies[kind], rec.errors[kind], elapsed)
            for kind in ("worklist", "assessment_form", "draft_save")
        }
        errors = sum(rec.errors.values())
        total = sum(len(v) for v in rec.latencies.values()) + errors

        # saturation: no pauses; alternate rounds so that both see the same machine
        form_clients = [
            (p.browser, [p.assess_path(c) for c in p.cases]) for p in people[: args.clients]
        ]
        health_clients = [(Browser(server.port), ["/healthz"]) for _ in range(args.clients)]
        saturate(form_clients, 2.0, meter)  # settle
        # the lightest signed-in page: the home page's layout, with the session and the user
        home_clients = [(p.browser, ["/"]) for p in people[: args.clients]]
        form_rounds, health_rounds, home_rounds = [], [], []
        for _ in range(args.rounds):
            health_rounds.append(saturate(health_clients, args.saturation_seconds, meter))
            home_rounds.append(saturate(home_clients, args.saturation_seconds, meter))
            form_rounds.append(saturate(form_clients, args.saturation_seconds, meter))
        meter.close()
        saturation_average = _load_average()
        form_sat, health_sat = _combine(form_rounds), _combine(health_rounds)
        home_sat = _combine(home_rounds)
        ratio = form_sat["per_second"] / health_sat["per_second"]

        server.stop()
        server_log_tail = server.log.read_text(errors="replace")[-2000:]
        expected = {c: s for p in people for c, s in p.saved.items()}
        saves = check_saves(world["inspection"], expected)

        form_p95 = pages["assessment_form"]["p95_ms"]
        result |= {
            "setup": {
                "seconds": round(setup_seconds, 1),
                "inspectors": len(people),
                "sample": world["sample_size"],
                "allocated": world["allocated"],
                "cases_each": sorted({len(p.cases) for p in people}),
            },
            "server": {
                "command": f"gunicorn cpinspect.wsgi:application -w {args.workers} "
                f"-k {args.worker_class} --threads {args.threads}",
                "workers": args.workers,
                "worker_class": args.worker_class,
                "threads": args.threads,
                "debug": False,
            },
            "load": {
                "seconds": round(elapsed, 1),
                "pause_seconds": args.pause,
                "pages": pages,
                "requests": total,
                "per_second": round(total / elapsed, 2),
                "errors": errors,
                "error_examples": rec.error_examples,
                "reconnects": sum(p.browser.reconnects for p in people),
                "cpu_ms_per_request": _cpu_per_request(*load_cpu, client_cpu, total),
            },
            "saves": saves,
            "saturation": {
                "clients": args.clients,
                "seconds_per_round": args.saturation_seconds,
                "rounds": args.rounds,
                "assessment_form": form_sat,
                "healthz": health_sat,
                "ratio": round(ratio, 3),
                "signed_in_home": home_sat,
                "signed_in_home_ratio": round(home_sat["per_second"] / health_sat["per_second"], 3),
                "server_cpu_ratio": round(
                    health_sat["cpu_ms_per_request"]["server"]
                    / max(form_sat["cpu_ms_per_request"]["server"], 0.01),
                    3,
                ),
            },
            "targets": TARGETS,
            "meets_targets": {
                "form_p95_ms": form_p95 is not None and form_p95 <= TARGETS["form_p95_ms"],
                "errors": errors == 0,
                "lost_or_duplicated_saves": saves["problems"] == 0,
                "ratio": ratio >= TARGETS["ratio"],
            },
            "machine": {
                "cpus": os.cpu_count(),
                "load_average_before": load_before,
                "load_average_load_start": load_start_average,
                "load_average_load_end": load_after_average,
                "load_average_saturation_end": saturation_average,
                "python": sys.version.split()[0],
                "platform": platform.platform(),
                "note": "server, PostgreSQL and this load generator share the machine",
            },
        }
        if "Traceback" in server_log_tail:
            result["server_log_tail"] = server_log_tail
    finally:
        if server is not None:
            server.stop()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001,S110 (Django may not be set up yet)
            pass
        database.drop_embedded_database(db_name)
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
