"""Browser-test fixtures: the real app served over HTTP in a thread, and headless Chromium."""
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
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
