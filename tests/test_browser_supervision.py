"""Supervision in real headless Chromium: the cohort dashboard, a trainee's progress, blind review and
the printable report, by keyboard; and the chat at phone width (390×844), where the peer's reply must
stay in view above the coaching."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page
from sqlmodel import Session, SQLModel

import app.models  # noqa: F401  (registers the tables)
from app.auth.accounts import add_to_cohort, create_user, get_or_create_cohort
from app.db import make_engine
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, serving

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]

SHOTS = Path("/tmp/peer-practice-screenshots")
PASSWORD = "browser-password"
PHONE = {"width": 390, "height": 844}
REPLIES = [
    "It sounds like a lot has been on your mind this week. What feels most important to talk about?",
    "You have to go to a meeting tonight. No excuses, promise me right now.",
    "That makes sense. Feeling torn about it is understandable. What would help you decide?",
]


@pytest.fixture
def pilot_url(tmp_path: Path) -> Iterator[str]:
    """The app with a cohort 'pilot': trainee 'tia' and supervisors 'sam' and 'kim'."""
    database_url = f"sqlite:///{tmp_path / 'browser.db'}"
    engine = make_engine(database_url)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as db:
        cohort = get_or_create_cohort(db=db, name="pilot")
        for username, role, name in [
            ("tia", "trainee", "Tia Trainee"),
            ("sam", "supervisor", "Sam Supervisor"),
            ("kim", "supervisor", "Kim Supervisor"),
        ]:
            user = create_user(db=db, username=username, password=PASSWORD, role=role, display_name=name)
            add_to_cohort(db=db, cohort=cohort, user=user)
        db.commit()
    engine.dispose()
    with serving(database_url, tmp_path / "server.log") as url:
        yield url


def watch(page: Page, problems: list[str]) -> Page:
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.set_default_timeout(15_000)
    return page


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)


def api(context: BrowserContext, base_url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    token = next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")
    response = context.request.post(base_url + path, data=body, headers={"X-CSRFToken": token})
    assert response.ok, response.text()
    result: dict[str, Any] = response.json()
    return result


def practise(context: BrowserContext, base_url: str, persona: str, replies: list[str]) -> str:
    session_id: str = api(context, base_url, "/api/sessions", {"persona": persona})["id"]
    for text in replies:
        api(context, base_url, f"/api/sessions/{session_id}/turns", {"text": text})
    api(context, base_url, f"/api/sessions/{session_id}/end", {})
    return session_id


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] if page.viewport_size else True, f"page is {width}px wide"


def test_supervisor_works_the_dashboard_blind_review_and_report_by_keyboard(pilot_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)  # a shared, busy machine streams slowly
    SHOTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        trainee = browser.new_context(viewport={"width": 1280, "height": 900})
        page = watch(trainee.new_page(), problems)
        sign_in(page, pilot_url, "tia")
        session_id = practise(trainee, pilot_url, "dana-alcohol", REPLIES)
        practise(trainee, pilot_url, "marcus-buprenorphine", REPLIES[::2])

        # The trainee's progress: charts drawn by the server, a table beside each.
        page.get_by_role("link", name="My progress").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your progress")
        expect(page.locator("svg.chart")).to_have_count(4)
        expect(page.locator("figure.chart-figure table")).to_have_count(4)
        expect(page.locator("svg.chart circle").first).to_be_visible()
        page.screenshot(path=str(SHOTS / "progress.png"), full_page=True)

        supervisor = browser.new_context(viewport={"width": 1280, "height": 900})
        page = watch(supervisor.new_page(), problems)
        sign_in(page, pilot_url, "sam")
        page.get_by_role("link", name="Cohorts").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("pilot")
        row = page.locator("tbody tr", has_text="Tia Trainee")
        expect(row.locator("td").nth(2)).to_have_text("2")  # both sessions await review
        expect(row.locator("svg.spark")).to_have_count(5)
        page.screenshot(path=str(SHOTS / "cohort-dashboard.png"), full_page=True)

        # By keyboard: to the review queue, then filter it to the sessions not yet reviewed.
        page.get_by_role("link", name="Review queue").first.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Review queue")
        page.get_by_label("Persona").focus()
        page.keyboard.press("ArrowDown")  # the first persona
        page.get_by_label("Persona").select_option("dana-alcohol")
        page.get_by_role("button", name="Show").press("Enter")
        expect(page.locator("table.sessions tbody tr")).to_have_count(1)
        expect(page.locator("table.sessions tbody tr").first).to_contain_text("Not yet")
        page.screenshot(path=str(SHOTS / "review-queue.png"), full_page=True)

        # Blind review: no grades shown; each level chosen with the keyboard, saved with Enter.
        page.goto(pilot_url + "/cohorts")
        page.get_by_role("link", name="Blind review").click()
        expect(page.locator(".blind-reply")).to_be_visible()
        expect(page.locator(".chip")).to_have_count(0)
        page.screenshot(path=str(SHOTS / "blind-review.png"), full_page=True)
        for fieldset in page.locator("fieldset.level-pick").all():
            fieldset.locator("input[type=radio]").first.focus()
            page.keyboard.press("Space")
            page.keyboard.press("ArrowRight")
        page.get_by_role("button", name="Save and grade the next reply").press("Enter")
        expect(page.locator(".note")).to_contain_text("Saved")
        page.goto(pilot_url + "/cohorts")
        page.get_by_role("link", name="Agreement with the grader").click()
        expect(page.locator("table.confusion")).to_have_count(5)
        page.screenshot(path=str(SHOTS / "agreement.png"), full_page=True)

        # The printable report: the print stylesheet drops the site's chrome; one or two pages.
        page.goto(f"{pilot_url}/supervisor/sessions/{session_id}")
        page.get_by_role("link", name="Printable report").click()
        expect(page.locator(".report-turn")).to_have_count(1 + 2 * len(REPLIES))
        page.emulate_media(media="print")
        expect(page.locator(".site-header")).to_be_hidden()
        expect(page.locator(".no-print")).to_be_hidden()
        page.screenshot(path=str(SHOTS / "report-print.png"), full_page=True)
        pdf = page.pdf(format="A4")
        pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
        assert 1 <= pages <= 2, f"the report printed on {pages} pages"
        browser.close()
    assert problems == []


def test_phone_width_keeps_the_peers_reply_in_view_and_pages_fit(pilot_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)  # a shared, busy machine streams slowly
    SHOTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
        page = watch(phone.new_page(), problems)
        sign_in(page, pilot_url, "tia")
        page.locator(".persona-card").first.click()
        page.get_by_role("button", name="Start the conversation").click()
        for number, text in enumerate(REPLIES[:2], start=1):
            page.locator("#message").fill(text)
            page.get_by_role("button", name="Send").click()
            exchange = page.locator(".exchange").nth(number)
            expect(exchange.locator(".message-peer")).not_to_have_attribute("aria-busy", "true")
            peer, grade = exchange.locator(".message-peer"), exchange.locator(".exchange-grade")
            expect(peer).to_be_in_viewport()
            peer_box, grade_box = peer.bounding_box(), grade.bounding_box()
            assert peer_box and grade_box and peer_box["y"] < grade_box["y"], "the reply comes before the coaching"
            composer = page.locator("#composer").bounding_box()
            assert composer and peer_box["y"] < composer["y"], "the reply is not hidden behind the message box"
        short = "Okay, I hear you."  # a short message stays on one line: its bubble is not squeezed to its longest word
        page.locator("#message").fill(short)
        page.get_by_role("button", name="Send").click()
        text = page.locator(".exchange").nth(3).locator(".message-trainee .text")
        expect(text).to_have_text(short)
        lines = (
            "el => { const r = document.createRange(); r.selectNodeContents(el);"
            " return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }"
        )
        assert text.evaluate(lines) == 1
        page.screenshot(path=str(SHOTS / "chat-phone.png"))
        no_sideways_scroll(page)

        page.goto(pilot_url + "/progress")
        expect(page.locator("svg.chart")).to_have_count(4)
        no_sideways_scroll(page)
        page.screenshot(path=str(SHOTS / "progress-phone.png"), full_page=True)

        supervisor = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        page = watch(supervisor.new_page(), problems)
        sign_in(page, pilot_url, "sam")
        for path in ("/cohorts", "/supervisor", "/cohorts/1/agreement", "/cohorts/1/blind-review"):
            page.goto(pilot_url + path)
            expect(page.locator("h1")).to_be_visible()
            no_sideways_scroll(page)
        page.goto(pilot_url + "/cohorts")
        page.screenshot(path=str(SHOTS / "dashboard-phone.png"), full_page=True)
        browser.close()
    assert problems == []
