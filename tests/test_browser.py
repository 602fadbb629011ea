"""End to end in real headless Chromium: register, comment civilly, get rejected for abuse."""
import os
from pathlib import Path

from playwright.sync_api import expect


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
