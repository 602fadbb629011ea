"""In real headless Chromium: an admin trains a version, watches its progress, and tries thresholds."""
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, TEST_VERSION
from tests.model_helpers import decide_comments, isolated_app

CHROMIUM = "/usr/bin/chromium"
if not os.path.exists(CHROMIUM):
    if os.environ.get("REQUIRE_BROWSER"):
        raise RuntimeError("REQUIRE_BROWSER is set but /usr/bin/chromium is missing (apt-get install chromium)")
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402


@pytest.fixture
def app(trained_instance, tmp_path):
    yield from isolated_app(trained_instance, tmp_path)


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
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield browser.new_page(viewport={"width": 1100, "height": 900})
        browser.close()


def test_admin_watches_a_training_job_and_tries_thresholds(app, live_server, page, make_user, tmp_path):
    decide_comments(app, [("I think the new bus lanes are a sensible idea.", "approve", None),
                          ("You are a worthless idiot, go away.", "reject", "abuse")])
    _, email = make_user("admin")
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(f"{live_server}/admin/models")
    page.get_by_label("Rows per corpus file").fill("300")
    page.get_by_role("button", name="Train a new version").click()
    expect(page.locator("progress#job-progress")).to_be_visible()
    page.reload()  # the bar survives a reload
    expect(page.locator("progress#job-progress")).to_be_visible()
    # The script polls the job and reloads the page when it ends: the new version appears.
    expect(page.locator("td a[href$='/admin/models/v2']").first).to_be_visible(timeout=120_000)
    expect(page.get_by_role("button", name="Train a new version")).to_be_visible()

    # SCREENSHOT_DIR=docs/screenshots keeps pictures of the pages.
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    page.screenshot(path=str(folder / "admin-models.png"), full_page=True)
    page.goto(f"{live_server}/admin/models/v2")
    page.screenshot(path=str(folder / "admin-model-card.png"), full_page=True)

    page.goto(f"{live_server}/admin/models/{TEST_VERSION}")
    rejected = page.locator('#what-if [data-count="reject"]')
    expect(page.locator('#what-if [data-count="replayed"]')).to_have_text("2")
    for kind in ("review", "reject"):
        page.get_by_label(f"abuse {kind} threshold").fill("0")
    expect(rejected).to_have_text("2")  # shown before saving
    page.get_by_label("abuse review threshold").fill("0.9")
    expect(page.locator("#what-if-error")).to_contain_text("must not exceed")
