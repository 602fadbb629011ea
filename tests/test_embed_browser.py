"""In real Chromium, third-party cookies blocked: the embed on a newsroom's page of another origin, a reader signed
in by the newsroom's SSO posts, is rejected with the marked words, edits, is published, and a webhook receiver on
loopback gets the signed events."""
import os
import re
import socket
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from moderation.extensions import db
from moderation.models import Comment, Story, User
from moderation.sites.operations import add_endpoint, find_site
from moderation.webhooks import delivery
from tests.conftest import CHROMIUM, PASSWORD

DOCS = Path(__file__).resolve().parents[1] / "docs"
sys.path[:0] = [str(DOCS), str(DOCS / "embed")]
import newsroom  # noqa: E402  (the example newsroom server in docs/embed)
from webhook_receiver import Receiver  # noqa: E402

ABUSIVE = "You are a fucking idiot and a stupid moron, shut up."
CIVIL = "I think the new cycle lanes will make the riverside much safer for children."
STORY_ID = "2026-12-cycle-lanes"  # the CMS's story id on the example article page


@pytest.fixture
def cookieless_page():
    """Chromium with third-party cookies blocked, as Safari and Firefox block them by default."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"REQUIRE_BROWSER is set but {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip("Debian's chromium is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--test-third-party-cookie-phaseout"])
        context = browser.new_context(viewport={"width": 1000, "height": 900})
        yield context.new_page()
        browser.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_embed_on_another_origin_with_sso_and_webhooks(live_server, cookieless_page, make_site, app, tmp_path):
    page = cookieless_page
    port = free_port()
    origin = f"http://localhost:{port}"  # another site than the service's 127.0.0.1
    secret = make_site("herald", [origin])
    receiver = Receiver(secret="")
    hooks = receiver.serve()
    with app.app_context():
        endpoint = add_endpoint(find_site("herald"), None, f"http://127.0.0.1:{hooks.server_port}/", [])
        receiver.secret = endpoint.secret
        db.session.commit()
    articles = newsroom.serve(live_server, "herald", secret, port)
    try:
        page.goto(f"{origin}/news/cycle-lanes?reader=alice")
        frame = page.frame_locator("iframe.moderation-embed")
        expect(frame.locator(".who")).to_contain_text("Signed in as Alice Riverside")
        expect(frame.get_by_role("region", name="House rules")).to_be_visible()

        frame.get_by_label("Your comment").fill(ABUSIVE)
        frame.get_by_role("button", name="Post comment").click()
        rejection = frame.locator(".rejection")
        expect(rejection).to_contain_text("Your comment was not published")
        expect(rejection.locator("mark").first).to_be_visible()
        expect(frame.get_by_label("Your comment")).to_have_value(ABUSIVE)

        frame.get_by_label("Your comment").fill(CIVIL)
        frame.get_by_role("button", name="Post comment").click()
        expect(frame.get_by_role("status")).to_contain_text("Your comment is published.")
        expect(frame.locator("article.comment .text")).to_have_text(CIVIL)
        expect(frame.get_by_label("Your comment")).to_have_value("")

        # The iframe follows its content's height (no inner scroll bar).
        inner = next(f for f in page.frames if "/embed/frame" in f.url)
        expect(page.locator("iframe.moderation-embed")).to_have_attribute(
            "style", re.compile(r"height: \d+px"))
        page.wait_for_function("() => Math.abs(document.querySelector('iframe').getBoundingClientRect().height - "
                               f"{inner.evaluate('document.documentElement.scrollHeight')}) <= 2")
        assert "#sso=" not in inner.url  # the token left the frame's address at once
        assert [c for c in page.context.cookies() if "127.0.0.1" in c["domain"]] == []  # nothing relied on one

        folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
        page.screenshot(path=str(folder / "embed-on-newsroom-page.png"), full_page=True)
    finally:
        articles.shutdown()
    with app.app_context():
        assert delivery.deliver_due() >= 4
    hooks.shutdown()
    types = [event["type"] for event in receiver.events]
    assert receiver.refused == 0
    assert types.count("comment.created") == 2 and "comment.rejected" in types and "comment.published" in types
    assert types[0] == "story.created"
    rejected = next(e for e in receiver.events if e["type"] == "comment.rejected")["data"]["comment"]
    assert rejected["text"] == ABUSIVE and rejected["author"]["user_id"] == "cms-user-1"


def test_a_reader_registers_inside_the_embed_on_first_use_of_a_story(live_server, cookieless_page, make_site, app):
    """A site without SSO: the first page view registers the story; a new reader registers in the frame (POST
    /embed/register answers with the embed's token, no cookie), sees a refusal in the form, and posts at once."""
    page = cookieless_page
    port = free_port()
    origin = f"http://localhost:{port}"
    make_site("herald", [origin], sso=False)
    with app.app_context():
        assert find_site("herald").id and not db.session.scalar(select(Story).where(Story.external_id == STORY_ID))
    articles = newsroom.serve(live_server, "herald", "", port)
    try:
        page.goto(f"{origin}/news/cycle-lanes")
        frame = page.frame_locator("iframe.moderation-embed")
        expect(frame.get_by_text("Log in to comment, or register below.")).to_be_visible()
        with app.app_context():
            story = db.session.scalar(select(Story).where(Story.external_id == STORY_ID))
            assert story.site.slug == "herald" and story.url == f"{origin}/news/cycle-lanes"
            assert story.title == "Council approves new cycle lanes"

        frame.get_by_text("New here? Register").click()
        register = frame.locator("#embed-register")
        register.get_by_label("Email").fill("nia@example.com")
        register.get_by_label("Display name").fill("Nia Brook")
        register.get_by_label("Password", exact=True).fill(PASSWORD)
        register.get_by_label("Repeat password").fill(PASSWORD + "x")
        register.get_by_role("button", name="Register").click()
        expect(register.get_by_role("alert")).to_contain_text("do not match")

        register.get_by_label("Repeat password").fill(PASSWORD)
        register.get_by_role("button", name="Register").click()
        expect(frame.locator(".who")).to_contain_text("Signed in as Nia Brook")
        frame.get_by_label("Your comment").fill(CIVIL)
        frame.get_by_role("button", name="Post comment").click()
        expect(frame.get_by_role("status")).to_contain_text("Your comment is published.")
        expect(frame.locator("article.comment")).to_contain_text("Nia Brook")
        assert [c for c in page.context.cookies() if "127.0.0.1" in c["domain"]] == []  # the token, not a cookie
    finally:
        articles.shutdown()
    with app.app_context():
        nia = db.session.scalar(select(User).where(User.email == "nia@example.com"))
        assert nia.site_id is None and nia.display_name == "Nia Brook"
        assert db.session.scalar(select(Comment.text).where(Comment.author_id == nia.id)) == CIVIL
