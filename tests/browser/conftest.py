"""Starts AutoCRM the way the README does (`autocrm serve`) on a free port with a throw-away data dir,
and drives Debian's chromium through Playwright's sync API.

Never runs `playwright install`: the browser is /usr/bin/chromium. The session app talks to a local
OpenAI-compatible test server as its LLM (`browser_llm`), so the AI screens run as with a configured model.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.llm_server import LLMServer, running_llm_server

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("AUTOCRM_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
DEMO_PASSWORD = "autocrm-demo"
ADMIN = "admin@demo.autocrm.dev"
AGENT = "maya.agent@demo.autocrm.dev"
START_TIMEOUT = float(os.environ.get("AUTOCRM_TEST_START_TIMEOUT", "300"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _project_env() -> dict[str, str]:
    """The environment scripts/env.sh sets up (bun on PATH, Reflex caches, offline switches)."""
    out = subprocess.run(
        ["bash", "-c", f"source {ROOT / 'scripts' / 'env.sh'} && env -0"], capture_output=True, check=True
    ).stdout
    env = dict(item.split("=", 1) for item in out.decode().split("\0") if "=" in item)
    for key in ("AUTOCRM_DATABASE_URL", "AUTOCRM_REDIS_URL", "REFLEX_REDIS_URL", "AUTOCRM_SECRET_KEY"):
        env.pop(key, None)  # a fresh SQLite desk in the temp data dir, Reflex's own state manager
    return env


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def served_app(
    extra_env: dict[str, str] | None = None,
    *,
    log_name: str = "server.log",
    own_build: bool = False,
    serve_args: tuple[str, ...] = ("--demo",),
) -> Iterator[str]:
    """`autocrm serve` on a free port with a throw-away data dir (the demo desk unless `serve_args` say
    otherwise); yields the base URL."""
    with served_app_and_log(extra_env, log_name=log_name, own_build=own_build, serve_args=serve_args) as (base, _):
        yield base


@contextmanager
def served_app_and_log(
    extra_env: dict[str, str] | None = None,
    *,
    log_name: str = "server.log",
    own_build: bool = False,
    serve_args: tuple[str, ...] = ("--demo",),
) -> Iterator[tuple[str, Path]]:
    """`autocrm serve` on a free port with a throw-away data dir; yields the base URL.

    A second app running at the same time needs `own_build`: the frontend build names its backend's
    port, so two apps sharing the project's `.web` would send one app's pages to the other's port.
    """
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is not installed (scripts/bootstrap.sh --dev installs it)")
    port = int(os.environ.get("AUTOCRM_TEST_PORT") or _free_port())
    base = f"http://localhost:{port}"
    data_dir = Path(tempfile.mkdtemp(prefix="autocrm-browser-"))
    env = (
        _project_env()
        | {
            "AUTOCRM_DATA_DIR": str(data_dir),
            "AUTOCRM_BASE_URL": base,
            "AUTOCRM_LOGIN_FREE_FAILURES_PER_CLIENT": "1000",  # the tests sign in many times from one address
            "AUTOCRM_ACCOUNT_MAILS_PER_CLIENT_PER_HOUR": "1000",  # and sign up many times
        }
        | (extra_env or {})
    )
    if own_build:
        env |= {"REFLEX_WEB_WORKDIR": str(data_dir / "web"), "REFLEX_STATES_WORKDIR": str(data_dir / "states")}
    log_path = data_dir / "server.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "autocrm"), "serve", "--port", str(port), *serve_args],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not (_answers(f"{base}/ping") and _answers(f"{base}/login")):
            if process.poll() is not None:
                pytest.fail(f"autocrm serve exited with {process.returncode}:\n{log_path.read_text()[-4000:]}")
            if time.monotonic() > deadline:
                pytest.fail(
                    f"autocrm serve did not answer within {START_TIMEOUT:.0f} s:\n{log_path.read_text()[-4000:]}"
                )
            time.sleep(0.5)
        yield base, log_path
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        log.close()
        SCREENSHOTS.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(log_path, SCREENSHOTS.parent / log_name)  # kept for CI artifacts
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def browser_llm() -> Iterator[LLMServer]:
    """The session app's LLM: the local OpenAI-compatible test server (a test sets `reply` and resets it)."""
    with running_llm_server() as llm:
        yield llm


@pytest.fixture(scope="session")
def served(browser_llm: LLMServer) -> Iterator[tuple[str, Path]]:
    llm_env = {
        "AUTOCRM_LLM_BASE_URL": browser_llm.url,
        "AUTOCRM_LLM_MODEL": "test-model",
        "AUTOCRM_LLM_MAX_RETRIES": "0",
        # Presence lapses 6 s after a tab's last heartbeat (beats every 2 s), so test_presence waits seconds.
        "AUTOCRM_PRESENCE_TTL_SECONDS": "6",
    }
    with served_app_and_log(llm_env) as started:
        yield started


@pytest.fixture(scope="session")
def server(served) -> str:
    return served[0]


@pytest.fixture(scope="session")
def outbox(served) -> Path:
    """The served app's outbox folder: every mail it sent, as .eml files."""
    return served[1].parent / "outbox"


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class UI:
    """A browser tab on the running app, with the few moves every test makes."""

    def __init__(self, browser, base: str, locale: str | None = None) -> None:
        self.base = base
        # `locale` is the browser's language (navigator.language and the Accept-Language it sends).
        self.context = browser.new_context(viewport=DESKTOP, base_url=base, **({"locale": locale} if locale else {}))
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        # Chromium logs every refusal of the Content-Security-Policy: the app must work under its own policy.
        self.page.on("console", lambda m: self.errors.append(m.text) if "Content Security Policy" in m.text else None)

    def goto(self, path: str) -> None:
        self.page.goto(self.base + path)

    def wait_ready(self, selector: str) -> None:
        """Prod pages are pre-rendered: wait for something only the hydrated, loaded state renders."""
        self.page.locator(selector).filter(visible=True).first.wait_for(state="visible")

    def login(self, email: str, password: str = DEMO_PASSWORD, expect: str = "") -> None:
        self.goto("/login")
        self.page.wait_for_selector("#login-form button.submit:not([disabled])")
        self.page.fill("#email", email)
        self.page.fill("#password", password)
        self.page.click("#login-form button.submit")
        if expect:
            self.page.wait_for_url(f"**{expect}**")

    def signup(self, name: str, email: str, password: str = "correct-horse-9") -> None:
        self.goto("/signup")
        self.page.wait_for_selector("#signup-form button.submit:not([disabled])")
        self.page.fill("#name", name)
        self.page.fill("#email", email)
        self.page.fill("#password", password)
        self.page.click("#signup-form button.submit")
        self.page.locator(".signup-sent").wait_for()  # the same answer for any address: then sign in
        self.login(email, password, expect="/portal")

    def shoot(self, name: str, *, phone: bool = True) -> None:
        """Screenshots at 1366x768 and 390x844; at phone width nothing may overflow sideways."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.wait_for_timeout(250)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}-1366x768.png"))
        if phone:
            self.page.set_viewport_size(PHONE)
            self.page.wait_for_timeout(350)
            self.page.screenshot(path=str(SCREENSHOTS / f"{name}-390x844.png"))
            overflow = self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            self.page.set_viewport_size(DESKTOP)
            self.page.wait_for_timeout(150)
            assert overflow <= 1, f"{name}: the page is {overflow}px wider than a 390px phone"

    def toast(self, text: str) -> None:
        self.page.locator("[data-sonner-toast]").filter(has_text=text).first.wait_for(state="visible")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def open_ui(server, browser):
    opened: list[UI] = []

    def make(locale: str | None = None) -> UI:
        ui = UI(browser, server, locale)
        opened.append(ui)
        return ui

    yield make
    for ui in opened:
        errors = list(ui.errors)
        ui.close()
        assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:8]


def editor_text(page, element_id: str) -> str:
    """A composer's text as its rich-text editor gives it (paragraphs a blank line apart)."""
    return page.evaluate("(id) => (window.autocrmEditor ? window.autocrmEditor.text(id) : '')", element_id)


def expect_editor_text(page, element_id: str, expected: str | re.Pattern[str], timeout: float = 15_000) -> None:
    """Waits until the composer's text is `expected` (a string, or a pattern it must match)."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        text = editor_text(page, element_id)
        if expected.search(text) if isinstance(expected, re.Pattern) else text == expected:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"#{element_id} holds {text!r}, not {expected!r}")
        page.wait_for_timeout(100)
