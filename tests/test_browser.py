"""End to end in real headless Chromium: register, comment civilly, get rejected for abuse."""
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"

if not os.path.exists(CHROMIUM):
    if os.environ.get("REQUIRE_BROWSER"):
        raise RuntimeError("REQUIRE_BROWSER is set but /usr/bin/chromium is missing (apt-get install chromium)")
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def page():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield browser.new_page(viewport={"width": 1100, "height": 900})
        browser.close()


def test_reader_registers_comments_and_is_told_why_a_comment_is_rejected(live_server, page, make_story, tmp_path):
    slug = make_story("Council approves new cycle lanes")
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="Council approves new cycle lanes").click()
    page.get_by_role("link", name="register", exact=True).click()
    page.get_by_label("Email").fill("reader@example.com")
    page.get_by_label("Display name").fill("Riverside Reader")
    page.get_by_label("Password", exact=True).fill("correct horse battery")
    page.get_by_label("Repeat password").fill("correct horse battery")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(f"{live_server}/stories/{slug}")

    civil = "I think the new cycle lanes will make the riverside much safer for children."
    page.get_by_label("Your comment").fill(civil)
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_role("status")).to_contain_text("Your comment is published.")
    expect(page.locator("article.comment .text")).to_have_text(civil)

    abusive = "You are a fucking idiot and a stupid moron, shut up."
    page.get_by_label("Your comment").fill(abusive)
    page.get_by_role("button", name="Post comment").click()
    alert = page.locator(".rejection")
    expect(alert).to_contain_text("Your comment was not published")
    expect(alert).to_contain_text("must not be")
    expect(alert.locator("mark").first).to_be_visible()
    expect(page.get_by_label("Your comment")).to_have_value(abusive)
    # SCREENSHOT_DIR=docs/screenshots refreshes the picture in the README.
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    page.screenshot(path=str(folder / "rejected-comment.png"), full_page=True)
