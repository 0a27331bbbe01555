"""Browser-test fixtures: the real app served over HTTP in a thread, and headless Chromium."""
import shutil
import sqlite3
import tempfile
from contextlib import closing
import threading
from datetime import datetime, timedelta, timezone
from importlib import import_module
from pathlib import Path

import pytest
import time_machine
from werkzeug.serving import make_server

from processes.accounts.services import seed_demo
from tests.conftest import make_config
from webapp import create_app
from webapp.extensions import db as _db
from webapp.extensions import get_engine

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
REPO = Path(__file__).resolve().parents[2]
BPMN_DIR = REPO / "tests" / "data" / "bpmn"
E2E_DATA = Path(__file__).resolve().parent / "data"
OUTPUT_DIR = REPO / "test-output"

if not CHROMIUM.exists():
    pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM}", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")


@pytest.fixture
def live_app(tmp_path):
    """The app with real CSRF on a fresh SQLite file, demo users seeded; stops the server after."""
    app = create_app(make_config(tmp_path, WTF_CSRF_ENABLED=True))
    with app.app_context():
        _db.create_all()
        seed_demo(_db.session)
        _db.session.commit()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def base_url(live_app):
    """The root URL of `live_app`, served by werkzeug on a free loopback port in a thread."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def run_engine(live_app):
    """Call `fn(engine)` inside an app context of `live_app` (deploy, start, escalate...)."""

    def run(fn):
        with live_app.app_context():
            try:
                return fn(get_engine())
            finally:
                _db.session.remove()

    return run


@pytest.fixture
def deploy(run_engine):
    """Deploy a BPMN file to tenant demo; returns the process keys."""

    def deploy_file(path):
        path = Path(path)
        return run_engine(lambda eng: [d.key for d in eng.deploy(
            path.read_bytes(), path.name, "demo", actor="e2e", dry_run=False)])

    return deploy_file


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium driven by Playwright, with a throwaway profile."""
    profile = tempfile.mkdtemp(prefix="parkops-e2e-")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1280, "height": 800})
        yield context
        context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser):
    """A fresh tab with no cookies (each test logs in on its own)."""
    browser.clear_cookies()
    tab = browser.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    tab.close()


@pytest.fixture
def screenshot():
    """Save a full-page screenshot under test-output/ and print its path."""
    OUTPUT_DIR.mkdir(exist_ok=True)

    def shoot(tab, name):
        path = OUTPUT_DIR / f"{name}.png"
        tab.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")
        return path

    return shoot


# -- A seeded demo world at a fixed moment, shared by the tests of one module ---------------
# Monday 2 March 2026, 10:00 in Brussels; the module's clock ticks on from DEMO_NOW, a few
# minutes after the demo data was made (the seeders' "today" is the same day).
DEMO_SEEDED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
DEMO_NOW = DEMO_SEEDED_AT + timedelta(minutes=5)
DEMO_SEEDERS = ("processes.bookings.demo:seed", "processes.seasonparking.demo:seed")
LIBRARY_DIR = REPO / "library"


class DemoSite:
    """A live server over a copy of the demo database: `url`, `app`, `run(fn(engine))`."""

    def __init__(self, app, url):
        self.app, self.url = app, url

    def run(self, fn):
        """Call `fn(engine)` in an app context (the worker's part: jobs, timers, look-ups)."""
        with self.app.app_context():
            try:
                return fn(get_engine())
            finally:
                _db.session.remove()

    def query(self, fn):
        """Call `fn(session)` on the app's database and return its result."""
        with self.app.app_context():
            try:
                return fn(_db.session)
            finally:
                _db.session.remove()


def _cheap_hashing(patcher):
    from processes.accounts import defaults as account_defaults
    patcher.setattr(account_defaults, "PASSWORD_HASH_METHOD", "scrypt:1024:8:1")


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory):
    """A SQLite file holding the demo users, the library and the bookings and season-parking
    demo data, made once per test session (about 5 s) and copied by each module."""
    folder = tmp_path_factory.mktemp("demo-db")
    with time_machine.travel(DEMO_SEEDED_AT, tick=True), pytest.MonkeyPatch.context() as patch:
        _cheap_hashing(patch)
        app = create_app(make_config(folder))
        with app.app_context():
            _db.create_all()
            seed_demo(_db.session)
            _db.session.commit()
            eng = get_engine()
            for path in sorted(LIBRARY_DIR.glob("*.dmn")) + sorted(LIBRARY_DIR.glob("*.bpmn")):
                eng.deploy(path.read_bytes(), path.name, "demo", actor="e2e", dry_run=False)
            for spec in DEMO_SEEDERS:
                module, _, name = spec.partition(":")
                getattr(import_module(module), name)(_db.session, "demo")
                _db.session.commit()
            _db.session.remove()
            _db.engine.dispose()
    return folder / "parkops.db"


@pytest.fixture(scope="module")
def demo_site(demo_database, tmp_path_factory):
    """The app on a copy of the demo database, served on a free port, its clock at DEMO_NOW
    and ticking; real CSRF; invoicing runs on a background thread as in production."""
    folder = tmp_path_factory.mktemp("demo-site")
    with closing(sqlite3.connect(demo_database)) as source, \
            closing(sqlite3.connect(folder / "parkops.db")) as copy:
        source.backup(copy)
    with time_machine.travel(DEMO_NOW, tick=True), pytest.MonkeyPatch.context() as patch:
        _cheap_hashing(patch)
        app = create_app(make_config(folder, WTF_CSRF_ENABLED=True, INVOICING_RUN_INLINE=False))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield DemoSite(app, f"http://127.0.0.1:{server.server_port}")
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()


def log_in(page, base_url, username):
    """Fill the login form as a person would (organisation demo, password = user name)."""
    page.goto(f"{base_url}/auth/login")
    page.get_by_label("Organisation").fill("demo")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(username)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "/auth/login" not in page.url, page.content()
