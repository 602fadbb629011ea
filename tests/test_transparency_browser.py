"""In real headless Chromium: an admin reads the transparency report's charts and downloads its JSON; a reader
downloads their own data from the account page."""
import json

from playwright.sync_api import expect

from tests.browser_helpers import axe_problems, log_in, screenshot
from tests.test_transparency import EXPECTED, seed_history

KIND = "The council should publish the full budget before the vote on Thursday."


def test_admin_report_page_and_reader_data_download(app, live_server, browser, make_user, make_story,
                                                    make_comment, tmp_path):
    seed_history(app, make_user, make_story)
    _, admin_email = make_user("admin")
    reader_id, reader_email = make_user()
    make_comment(KIND, author_id=reader_id, status="published")

    admin = browser.new_page(viewport={"width": 1100, "height": 900})
    blocked = []
    admin.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text
             else None)
    log_in(admin, live_server, admin_email, "/admin/")
    admin.get_by_role("link", name="Transparency report").click()
    admin.get_by_label("From").fill("2026-11-01")
    admin.get_by_label("to", exact=True).fill("2026-11-30")
    admin.get_by_role("button", name="Show").click()
    expect(admin.locator("#auto-reject")).to_have_text("2")
    expect(admin.locator("#reports-received")).to_have_text("4")
    expect(admin.locator("#accuracy")).to_contain_text("33.3%")
    expect(admin.get_by_role("img", name="Automated rejections per rule")).to_be_visible()
    assert admin.locator("svg.chart rect").count() >= 10
    assert not axe_problems(admin)
    screenshot(admin, "transparency-report.png", tmp_path)
    with admin.expect_download() as download:
        admin.locator("#export-json").click()
    assert json.loads(open(download.value.path()).read()) == EXPECTED
    assert not blocked

    reader = browser.new_context().new_page()
    log_in(reader, live_server, reader_email, "/account/")
    with reader.expect_download() as download:
        reader.get_by_role("link", name="Download my data").click()
    data = json.loads(open(download.value.path()).read())
    assert data["account"]["email"] == reader_email
    assert [comment["text"] for comment in data["comments"]] == [KIND]
