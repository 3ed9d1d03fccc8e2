"""Browser tests: the demo, served for real, driven by Debian's headless Chromium.

One session sets up a database of its own (``cpinspect_browser_<pid>``) on the embedded
PostgreSQL with ``cpinspect demo --no-serve``, serves it with ``cpinspect runserver`` on a free
loopback port and drops the database at the end. Playwright drives /usr/bin/chromium; no
browser is ever downloaded.

The commands run as ``python -m cpinspect.cli`` from the checkout the tests are in, so that
checkout's code is what is served (the venv's ``cpinspect`` script imports whichever checkout
the editable install points at, which in a git worktree is another one).
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from browser_tests.support import DEMO_DOMAIN, sign_in

ROOT = Path(__file__).resolve().parent.parent
# The console command, run from ROOT so that ROOT's package is the one imported.
CPINSPECT = [sys.executable, "-m", "cpinspect.cli"]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
STARTUP_TIMEOUT = 60  # seconds for the app server to answer /healthz
DEFAULT_TIMEOUT_MS = 10_000  # for every Playwright action and expectation

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _drop_database(name: str, env: dict) -> None:
    code = (
        "import sys; from cpinspect import database; database.drop_embedded_database(sys.argv[1])"
    )
    subprocess.run([sys.executable, "-c", code, name], cwd=ROOT, env=env, check=False, timeout=60)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            "make test-browser needs Debian's chromium at /usr/bin/chromium "
            "(apt-get install chromium, as root); these tests never download a browser.",
            pytrace=False,
        )
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def app(chromium_path):
    """The demo, served on a free loopback port: yields {"url", "password"}."""
    db_name = f"cpinspect_browser_{os.getpid()}"
    password = secrets.token_urlsafe(18)
    env = {
        **os.environ,
        "CPINSPECT_DEMO": "1",
        "CPINSPECT_DB_NAME": db_name,
        "CPINSPECT_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DATABASE_URL", None)  # always the embedded server, never someone's real database
    env.pop("DATABASE_OWNER_URL", None)
    server = worker = None
    with tempfile.TemporaryDirectory(prefix="cpinspect-browser-") as tmp:
        log_path = Path(tmp) / "server.log"
        try:
            setup = subprocess.run(
                [*CPINSPECT, "demo", "--no-serve", "--password", password],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,  # the demo takes about a minute alone; much longer on a busy machine
            )
            if setup.returncode != 0:
                pytest.fail(
                    f"`cpinspect demo --no-serve` failed ({setup.returncode}):\n"
                    f"{setup.stdout}\n{setup.stderr}",
                    pytrace=False,
                )
            port = _free_port()
            base_url = f"http://127.0.0.1:{port}"
            with log_path.open("wb") as log:
                server = subprocess.Popen(
                    [*CPINSPECT, "runserver", f"127.0.0.1:{port}", "--noreload"],
                    cwd=ROOT,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
                # the background worker runs uploaded imports, as `make demo` does
                worker = subprocess.Popen(
                    [*CPINSPECT, "db_worker", "--no-reload", "--interval", "0.5"],
                    cwd=ROOT,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            deadline = time.monotonic() + STARTUP_TIMEOUT
            while not _healthy(f"{base_url}/healthz"):
                if server.poll() is not None or time.monotonic() > deadline:
                    state = (
                        f"it exited with status {server.returncode}"
                        if server.poll() is not None
                        else f"no 200 from {base_url}/healthz within {STARTUP_TIMEOUT}s"
                    )
                    pytest.fail(
                        f"The app server did not start ({state}). Its output:\n"
                        f"{log_path.read_text(errors='replace')}",
                        pytrace=False,
                    )
                time.sleep(0.2)
            yield {"url": base_url, "password": password, "log": log_path}
        finally:
            for process in (worker, server):
                if process is not None and process.poll() is None:
                    # SIGINT lets each exit normally, so that it leaves the embedded
                    # PostgreSQL (which stops when the last process using it exits).
                    process.send_signal(signal.SIGINT)
                    try:
                        process.wait(timeout=15)
                    except subprocess.TimeoutExpired:
                        process.kill()
                        process.wait()
            _drop_database(db_name, env)


@pytest.fixture(scope="session")
def base_url(app) -> str:
    return app["url"]


@pytest.fixture(scope="session")
def password(app) -> str:
    return app["password"]


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def new_page(browser, base_url):
    """Open pages in fresh browser contexts (no cookies); ``storage_state`` signs one in.

    Whatever the Content Security Policy blocked on any of them fails the test: Chromium
    reports each refusal on the console."""
    contexts, refused = [], []

    def watch(message):
        if "Content Security Policy" in message.text:
            refused.append(f"{message.location.get('url')}: {message.text}")

    def open_page(storage_state=None):
        context = browser.new_context(
            base_url=base_url,
            storage_state=storage_state,
            viewport={"width": 1280, "height": 900},
            locale="en-GB",
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.on("console", watch)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
    assert not refused, "The Content Security Policy refused:\n" + "\n".join(refused)


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture(scope="session")
def signed_in_state(browser, base_url, password):
    """Sign a demo user in once, through the form; later tests reuse the session cookie."""
    states = {}

    def state_for(key: str):
        if key not in states:
            context = browser.new_context(base_url=base_url)
            context.set_default_timeout(DEFAULT_TIMEOUT_MS)
            page = context.new_page()
            sign_in(page, f"{key}@{DEMO_DOMAIN}", password)
            states[key] = context.storage_state()
            context.close()
        return states[key]

    return state_for


@pytest.fixture
def page_as(new_page, signed_in_state):
    """``page_as("lead")``: a page whose browser is signed in as that demo user."""

    def open_as(key: str):
        return new_page(storage_state=signed_in_state(key))

    return open_as
