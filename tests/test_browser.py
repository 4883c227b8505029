"""The chat in real headless Chromium: pick a persona, send two replies by keyboard, watch them stream."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page
from sqlmodel import Session, SQLModel

import app.models  # noqa: F401  (registers the tables)
from app.auth.accounts import create_user
from app.config import PROJECT_ROOT
from app.db import make_engine

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT = Path("/tmp/chat.png")
USERNAME, PASSWORD = "browser", "browser-password"


def sign_in(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"the app did not answer on {url}")


@contextmanager
def serving(database_url: str, log_path: Path) -> Iterator[str]:
    """The app under uvicorn on a free port, on this database; its base URL while the block runs."""
    port = free_port()
    env = {
        **os.environ,
        "PEER_DATABASE_URL": database_url,
        "PEER_CONTENT_DIR": str(PROJECT_ROOT),
        "PEER_STREAM_DELAY_MS": "10",
        "PEER_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)]
    log = log_path.open("wb")
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/", process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    """The app with its own SQLite file and one trainee."""
    database_url = f"sqlite:///{tmp_path / 'browser.db'}"
    engine = make_engine(database_url)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as db:
        create_user(db=db, username=USERNAME, password=PASSWORD, role="trainee", display_name="Browser Trainee")
        db.commit()
    engine.dispose()
    with serving(database_url, tmp_path / "server.log") as url:
        yield url


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt-get install chromium)")
def test_chat_two_turns_streams_replies_and_shows_grades(base_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.set_default_timeout(15_000)

        sign_in(page, base_url)
        persona = page.locator(".persona-card").nth(1)
        persona_name = persona.locator(".persona-name").inner_text().split(",")[0]
        persona.click()
        page.get_by_role("button", name="Start the conversation").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(persona_name)

        composer = page.get_by_label(f"Your reply to {persona_name.split()[0]}")
        expect(composer).to_be_focused()
        replies = [
            "Thanks for coming in. It sounds like a lot is on your mind. What would be most useful to talk about?",
            "That sounds really hard, and it took courage to say it.\nWhat feels like the next small step for you?",
        ]
        for number, text in enumerate(replies, start=1):
            first_line, _, second_line = text.partition("\n")
            composer.press_sequentially(first_line)
            if second_line:
                composer.press("Shift+Enter")
                composer.press_sequentially(second_line)
            expect(composer).to_have_value(text)
            expect(page.locator("[data-count]")).to_have_text(str(len(text)))
            composer.press("Enter")

            exchange = page.locator(".exchange").nth(number)
            expect(exchange.locator(".message-trainee .text")).to_have_text(text)
            expect(exchange.locator(".chip")).to_have_count(5)
            expect(exchange.locator(".coaching")).to_have_attribute("open", "")
            expect(exchange.locator(".typing")).to_have_count(0)
            expect(exchange.locator(".message-peer")).not_to_have_attribute("aria-busy", "true")
            expect(exchange.locator(".message-peer .text")).not_to_be_empty()
            expect(composer).to_have_value("")
            expect(composer).to_be_focused()

        expect(page.locator(".message-peer")).to_have_count(3)
        expect(page.locator(".exchange").nth(1).locator(".coaching")).not_to_have_attribute("open", "")
        expect(page.locator("#persona-state [role=meter]")).to_have_count(1)
        streamed = page.locator(".message-peer .text").all_inner_texts()

        # A blank message is refused next to the form, and the text stays.
        composer.fill("   ")
        composer.press("Enter")
        expect(page.locator("#composer-error")).to_contain_text("empty")
        page.screenshot(path=str(SCREENSHOT), full_page=True)

        # What streamed is what was saved: a reload shows the same words.
        page.reload()
        expect(page.locator(".exchange .chip")).to_have_count(10)
        assert page.locator(".message-peer .text").all_inner_texts() == streamed

        page.get_by_role("button", name="End session and see summary").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("How your conversation")
        page.goto(base_url + "/supervisor")
        page.get_by_role("link", name="Browser Trainee", exact=True).click()
        expect(page.locator(".replay-step")).to_have_count(5)
        page.wait_for_load_state("load")
        page.keyboard.press("j")
        page.keyboard.press("j")
        expect(page.locator("#t2")).to_be_focused()
        page.get_by_role("link", name="Next →").nth(1).click()
        expect(page).to_have_url(f"{page.url.split('#')[0]}#t3")
        browser.close()

    assert problems == []


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (apt-get install chromium)")
def test_chat_works_without_javascript(base_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(java_script_enabled=False).new_page()
        page.set_default_timeout(15_000)
        sign_in(page, base_url)
        page.locator(".persona-card").first.click()
        page.get_by_role("button", name="Start the conversation").click()
        page.locator("#message").fill("What would you like to talk about today?")
        page.get_by_role("button", name="Send").click()
        exchange = page.locator(".exchange").nth(1)
        expect(exchange.locator(".message-trainee .text")).to_have_text("What would you like to talk about today?")
        expect(exchange.locator(".chip")).to_have_count(5)
        expect(exchange.locator(".message-peer .text")).not_to_be_empty()

        page.locator("#message").fill("   ")
        page.get_by_role("button", name="Send").click()
        expect(page.locator("#composer-error")).to_contain_text("empty")
        page.get_by_role("button", name="End session and see summary").click()
        expect(page.locator(".bar-row")).to_have_count(5)
        browser.close()
