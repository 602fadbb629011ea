"""In real headless Chromium: an admin trains a version, watches its progress, and tries thresholds."""
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, TEST_VERSION
from tests.model_helpers import decide_comments, isolated_app


@pytest.fixture
def app(trained_instance, tmp_path):
    yield from isolated_app(trained_instance, tmp_path)


def test_admin_watches_a_training_job_and_tries_thresholds(app, worker, live_server, page, make_user, tmp_path):
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
