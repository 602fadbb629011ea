"""In real Chromium: an author appeals, an anonymous reader sends a notice, another moderator decides both; the mails
arrive at a real SMTP server on loopback; axe-core finds nothing serious on the new pages."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from moderation.accounts.operations import confirm_email
from moderation.extensions import db
from moderation.legal.models import Notice, Statement
from moderation.models import Comment, User
from moderation.operations import review_comment
from tests.browser_helpers import axe_problems, log_in, screenshot
from tests.conftest import build_app, mail_config

REJECTED = "The mayor's plan for the riverside is a waste of everybody's money and time."
ILLEGAL = "The man at number 12 Mill Street is a known thief; here is his phone number, 0123 456789."


@pytest.fixture
def app(trained_instance, tmp_path, smtp_server):
    yield from build_app(*trained_instance, tmp_path, mail_config(smtp_server))


def confirmed(app, make_user, role="reader"):
    user_id, email = make_user(role)
    with app.app_context():
        confirm_email(db.session.get(User, user_id))
        db.session.commit()
    return user_id, email


def test_appeal_and_notice_decided_by_another_moderator(app, live_server, browser, smtp_server, make_user,
                                                        make_story, make_comment, tmp_path):
    slug = make_story("Council approves new cycle lanes")
    author_id, author_email = confirmed(app, make_user)
    other_id, other_email = confirmed(app, make_user)
    first_id, _ = make_user("moderator")
    _, second_email = make_user("moderator")
    rejected = make_comment(REJECTED, author_id=author_id, slug=slug)
    illegal = make_comment(ILLEGAL, status="published", author_id=other_id, slug=slug)
    with app.app_context():
        review_comment(rejected, db.session.get(User, first_id), "reject", "abuse", "Too harsh.")
        db.session.commit()
        uid = db.session.scalar(select(Statement.uid))
    problems = []

    # The author reads the statement on My comments and appeals it.
    author = browser.new_page(viewport={"width": 1100, "height": 900})
    log_in(author, live_server, author_email, "/my/comments")
    statement = author.get_by_role("region", name=f"Statement of reasons {uid}")
    expect(statement).to_contain_text("a person decided")
    expect(statement).to_contain_text("out-of-court dispute settlement")
    problems += axe_problems(author)
    statement.get_by_role("link", name="Appeal this decision").click()
    author.get_by_label("Why the decision is wrong").fill("It criticises a plan, not a person, and uses no insult.")
    problems += axe_problems(author)
    author.get_by_role("button", name="Send the appeal").click()
    expect(author.locator(".flash.success")).to_contain_text(f"Your appeal against {uid} is sent")
    expect(author.locator(".appeal-status")).to_contain_text("waiting for a moderator")

    # Someone not signed in reports the other comment as illegal, from the link under it.
    reader = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    reader.goto(f"{live_server}/stories/{slug}")
    with reader.context.expect_page() as opened:
        reader.locator(f"#c{illegal}").get_by_role("link", name="Report illegal content").click()
    notice_page = opened.value
    notice_page.wait_for_load_state()
    notice_page.get_by_label("Kind of illegal content").select_option("privacy")
    notice_page.get_by_label("Why it is illegal").fill("It publishes a private person's phone number and calls him a thief.")
    notice_page.get_by_label("Your email, for our answer").fill("neighbour@example.org")
    notice_page.get_by_label("I believe in good faith").check()
    problems += axe_problems(notice_page)
    notice_page.get_by_role("button", name="Send the notice").click()
    expect(notice_page.get_by_role("status")).to_contain_text("We received your notice")
    with app.app_context():
        notice_uid = db.session.scalar(select(Notice.uid))
    expect(notice_page.locator("h1")).to_contain_text(notice_uid)
    problems += axe_problems(notice_page)
    screenshot(notice_page, "notice-receipt-phone.png", tmp_path)

    # A second moderator (the first took the decision) reverses the appeal and removes the noticed comment.
    moderator = browser.new_page(viewport={"width": 1280, "height": 900})
    log_in(moderator, live_server, second_email, "/review/")
    moderator.get_by_role("link", name="Appeals").first.click()
    problems += axe_problems(moderator)
    moderator.get_by_role("link", name="Appeal 1").click()
    expect(moderator.locator("blockquote.explanation")).to_contain_text("criticises a plan")
    moderator.get_by_label("Reverse it: publish the comment").check()
    moderator.get_by_label("Reason, sent to them").fill("Harsh about a plan, but not abusive.")
    problems += axe_problems(moderator)
    moderator.get_by_role("button", name="Decide the appeal").click()
    expect(moderator.locator(".flash.success")).to_contain_text("Appeal 1 reversed")
    moderator.get_by_role("link", name="Notices").click()
    expect(moderator.locator("table")).to_contain_text("Unlawful disclosure of someone's personal data")
    problems += axe_problems(moderator)
    screenshot(moderator, "notices-queue.png", tmp_path)
    moderator.get_by_role("link", name=notice_uid).click()
    moderator.get_by_label("Remove the comment").check()
    moderator.get_by_label("Reason, sent to them").fill("It discloses a private phone number and accuses him of a crime.")
    moderator.get_by_role("button", name="Decide the notice").click()
    expect(moderator.locator(".flash.success")).to_contain_text(f"comment {illegal} removed")

    # Each side sees the outcome: the author on My comments, the sender on the receipt page, and all by mail.
    author.reload()
    expect(author.locator(".appeal-status")).to_contain_text("reversed")
    notice_page.reload()
    expect(notice_page.get_by_role("status")).to_contain_text("removed")
    reader.reload()
    expect(reader.locator(f"#c{rejected}")).to_be_visible()
    expect(reader.locator(f"#c{illegal}")).to_have_count(0)
    with app.app_context():
        assert db.session.get(Comment, rejected).status == "published"
        assert db.session.get(Comment, illegal).status == "rejected"
    assert smtp_server.to(author_email)[-1]["Subject"] == "Your appeal: your comment is published"
    subjects = [m["Subject"] for m in smtp_server.to("neighbour@example.org")]
    assert subjects == [f"We received your notice {notice_uid}", f"Decision on your notice {notice_uid}"]
    [statement_mail] = smtp_server.to(other_email)
    assert "Unlawful disclosure" in statement_mail.get_content() and "appeals/SOR-" in statement_mail.get_content()
    assert problems == []
