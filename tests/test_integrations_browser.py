"""In real headless Chromium: an admin creates an API key, copies it once, and a client's calls show up as usage."""
import json
import os
import re
import urllib.request
from pathlib import Path

from playwright.sync_api import expect

from tests.conftest import PASSWORD


def test_admin_creates_a_key_and_sees_its_usage(app, live_server, page, make_user, tmp_path):
    _, email = make_user("admin")
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server}/admin/")
    page.get_by_role("link", name="Integrations").click()
    page.get_by_label("Name").fill("coral")
    page.get_by_role("button", name="Create key").click()
    key = page.locator("#new-key").inner_text()
    assert re.fullmatch(r"mk_[0-9a-f]{8}_\S+", key)

    # A Perspective client, as Coral calls it, with the key just copied.
    body = json.dumps({"comment": {"text": "You are a complete idiot and a moron."}, "doNotStore": True,
                       "requestedAttributes": {"TOXICITY": {}}, "languages": ["en"]}).encode()
    request = urllib.request.Request(f"{live_server}/v1alpha1/comments:analyze?key={key}", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        assert json.load(response)["attributeScores"]["TOXICITY"]["summaryScore"]["value"] > 0.8

    page.goto(f"{live_server}/admin/integrations/")  # the key is never shown again; its usage is
    expect(page.locator("#new-key")).to_have_count(0)
    row = page.locator("table.keys tr", has_text="coral")
    expect(row).to_contain_text("reject 1")
    expect(page.locator("code", has_text=f"{live_server}/v1alpha1").first).to_be_visible()  # the guide
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    page.screenshot(path=str(folder / "admin-integrations.png"), full_page=True)

    page.get_by_role("button", name="Revoke coral").click()
    expect(page.locator("p.flash.success")).to_contain_text("Revoked the key coral")
