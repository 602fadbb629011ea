"""In real headless Chromium, a moderator clears a queue of 50 mixed comments with the keyboard alone."""
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from moderation.extensions import db
from moderation.models import Comment, Review
from tests.conftest import PASSWORD

CIVIL = [
    "I think the new cycle lanes on {place} will make the riverside safer for children.",
    "The council should publish the full budget for {place} before the next vote.",
    "My family has lived near {place} for years and the buses have improved a lot.",
]
ABUSIVE = [
    "You are a fucking idiot about {place}, shut up.",
    "Only a stupid moron would defend {place}, you pathetic loser.",
]
NOT_ENGLISH = ["Yeh {place} wala plan bilkul bekaar hai yaar, koi nahi sunta"]
PLACES = ["Mill Street", "the harbour", "Station Road", "the old market", "Elm Park", "the ring road", "Kings Cross",
          "the library", "the bridge", "the school"]
# The key a moderator presses for each kind of comment: approve, or a reason then reject.
KEYS = {"civil": ["a"], "abusive": ["3", "r"], "not_english": ["1", "r"]}
EXPECTED = {"civil": ("published", None), "abusive": ("rejected", "abuse"), "not_english": ("rejected", "not_english")}


@pytest.fixture
def page(browser):
    """A larger window, so the README's screenshot shows a whole item."""
    return browser.new_page(viewport={"width": 1280, "height": 1000})


def mixed_queue(make_comment, make_story):
    """50 comments waiting for review: civil ones, abusive ones, and romanized Hindi; some replies."""
    slugs = [make_story("Council approves new cycle lanes"), make_story("The harbour plan goes to a vote")]
    kinds, parent = {}, None
    for n in range(50):
        kind = ("civil", "abusive", "civil", "not_english", "abusive")[n % 5]
        templates = {"civil": CIVIL, "abusive": ABUSIVE, "not_english": NOT_ENGLISH}[kind]
        text = templates[n % len(templates)].format(place=PLACES[n % len(PLACES)]) + f" ({n})"
        if n == 0:
            parent = make_comment("The bridge reopens on Monday.", status="published", slug=slugs[0])
        make_comment(text, slug=slugs[n % 2], parent_id=parent if n % 10 == 1 else None)
        kinds[text] = kind
    return kinds


def kind_of(kinds, text):
    return next(kind for known, kind in kinds.items() if text.strip() == known)


def decide_current(page, kinds):
    """Read the comment in focus and press the keys a moderator would."""
    text = page.locator(".review-item.current .text").inner_text()
    keys = KEYS[kind_of(kinds, text)]
    for key in keys[:-1]:
        page.keyboard.press(key)
    with page.expect_navigation():
        page.keyboard.press(keys[-1])
    return text


def test_moderator_clears_fifty_mixed_items_with_the_keyboard(app, live_server, page, make_user, make_comment, make_story):
    kinds = mixed_queue(make_comment, make_story)
    _, email = make_user("moderator")
    page.goto(f"{live_server}/auth/login?next=/review/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.locator("h1")).to_contain_text("Review (50 waiting)")
    expect(page.locator(".review-item.current")).to_have_count(1)

    page.keyboard.press("?")  # help lists every key
    help_dialog = page.locator("#keys-help")
    expect(help_dialog).to_be_visible()
    expect(help_dialog).to_contain_text("approve")
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()
    if os.environ.get("SCREENSHOT_DIR"):  # SCREENSHOT_DIR=docs/screenshots refreshes the README picture
        page.keyboard.press("3")
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(Path(os.environ["SCREENSHOT_DIR"]) / "review-workspace.png"))
        page.reload()

    # r without a reason is refused with a hint, and nothing is sent
    first = page.locator(".review-item.current")
    page.keyboard.press("r")
    expect(first.locator(".key-message")).to_contain_text("Press 1-6")

    # j and k move the focus; decide the second comment, then the first
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    second_id = page.locator(".review-item").nth(1).get_attribute("data-id")
    expect(page.locator(".review-item.current")).to_have_attribute("data-id", second_id)
    decide_current(page, kinds)
    expect(page.get_by_role("status")).to_contain_text(f"Comment {second_id}")

    # undo the decision with u, then make it again
    with page.expect_navigation():
        page.keyboard.press("u")
    expect(page.get_by_role("status")).to_contain_text(f"comment {second_id} is back to review")
    expect(page.locator("h1")).to_contain_text("(50 waiting)")

    for remaining in range(50, 0, -1):
        expect(page.locator("h1")).to_contain_text(f"({remaining} waiting)")
        decide_current(page, kinds)
    expect(page.locator("h1")).to_contain_text("(0 waiting)")
    expect(page.locator("#queue")).to_contain_text("Nothing here")

    with app.app_context():
        comments = db.session.scalars(select(Comment).where(Comment.text.in_(list(kinds)))).all()
        reviews = {r.comment_id: r for r in db.session.scalars(select(Review))}
        assert len(comments) == 50 and len(reviews) == 50
        for comment in comments:
            status, reason = EXPECTED[kinds[comment.text]]
            assert (comment.status, reviews[comment.id].reason) == (status, reason), comment.text
