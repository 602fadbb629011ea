"""In real headless Chromium, with mail read from a real SMTP server on loopback: a reader signs up, confirms the
address from the mail before the first comment, forgets the password and resets it from the mail."""
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from moderation.extensions import db
from moderation.models import Setting
from tests.conftest import PASSWORD, build_app, mail_config

CIVIL = "I think the new cycle lanes will make the riverside much safer for children."
NEW_PASSWORD = "a quiet evening by the river"


@pytest.fixture
def app(trained_instance, tmp_path, smtp_server):
    yield from build_app(*trained_instance, tmp_path, mail_config(smtp_server))


def test_reader_confirms_the_address_then_resets_a_forgotten_password(app, live_server, page, smtp_server,
                                                                       make_story, tmp_path):
    app.config["PUBLIC_URL"] = live_server  # the links in mails point at this server
    with app.app_context():
        db.session.add(Setting(key="require_verified_email", value=True))
        db.session.commit()
    slug = make_story("Council approves new cycle lanes")
    page.goto(f"{live_server}/stories/{slug}")
    page.get_by_role("link", name="Register").first.click()
    page.get_by_label("Email").fill("reader@example.com")
    page.get_by_label("Display name").fill("Riverside Reader")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text("open it to confirm your address")

    # Before confirming, the story page says why instead of offering a form that would refuse the comment.
    expect(page.locator("#no-comment")).to_contain_text("Confirm your email address before your first comment")
    expect(page.get_by_label("Your comment")).to_have_count(0)

    [welcome] = smtp_server.to("reader@example.com")
    page.goto(smtp_server.link(welcome, "/account/verify/"))
    expect(page.get_by_role("status")).to_contain_text("your email address is confirmed")
    expect(page.locator("main")).to_contain_text("confirmed")
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    page.screenshot(path=str(folder / "account.png"), full_page=True)

    page.goto(f"{live_server}/stories/{slug}")
    page.get_by_label("Your comment").fill(CIVIL)
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_role("status")).to_contain_text("Your comment is published.")

    page.get_by_role("button", name="Log out").click()
    page.get_by_role("link", name="Log in").click()
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Your account's email").fill("reader@example.com")
    page.get_by_role("button", name="Mail me a link").click()
    expect(page.get_by_role("status")).to_contain_text("If an account has that address")

    reset = smtp_server.to("reader@example.com")[-1]
    assert reset["Subject"] == "Reset your password"
    page.goto(smtp_server.link(reset, "/account/reset/"))
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_role("status")).to_contain_text("Your new password is set")

    page.get_by_role("button", name="Log out").click()
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill("reader@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("main")).to_contain_text("Wrong email or password.")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Riverside Reader (reader)")).to_be_visible()
