"""Notification mails (a reply to your comment, a moderator's decision on your waiting comment) with a one-click
signed unsubscribe link and a preference page; mails read from a real SMTP server on loopback."""
import time

import pytest
from sqlalchemy import select

from moderation.accounts.operations import confirm_email
from moderation.extensions import db
from moderation.models import Comment, User
from moderation.operations import review_comment
from tests.conftest import build_app, mail_config, post_form

CIVIL = "I think the new cycle lanes will make the riverside much safer for children."
REPLY = "I agree with you, and the evidence from other cities supports that view."


@pytest.fixture
def app(trained_instance, tmp_path, smtp_server):
    yield from build_app(*trained_instance, tmp_path, mail_config(smtp_server))


def latest_comment(app):
    with app.app_context():
        return db.session.scalar(select(Comment.id).order_by(Comment.id.desc()))


def test_a_published_reply_mails_the_parent_author_with_a_one_click_unsubscribe(app, smtp_server, make_story,
                                                                              reader):
    slug = make_story()
    _, ann, ann_client = reader()
    _, _, bo_client = reader()
    post_form(ann_client, f"/stories/{slug}/comments", {"text": CIVIL})
    parent_id = latest_comment(app)
    post_form(ann_client, f"/stories/{slug}/comments", {"text": REPLY, "parent_id": str(parent_id)})
    assert smtp_server.to(ann) == []  # no mail for replying to oneself
    response = post_form(bo_client, f"/stories/{slug}/comments", {"text": REPLY, "parent_id": str(parent_id)})
    assert response.status_code == 302
    [message] = smtp_server.to(ann)
    assert message["Subject"] == "A reply to your comment"
    text = message.get_content()
    assert REPLY in text and f"http://news.example/stories/{slug}#c{latest_comment(app)}" in text
    unsubscribe = message["List-Unsubscribe"].strip("<>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" and unsubscribe in text
    # A mail client's one-click POST (RFC 8058): no session, no CSRF token, only the signed link.
    anonymous = app.test_client()
    path = unsubscribe.removeprefix("http://news.example")
    assert "Stop mails about replies" in anonymous.get(path).get_data(as_text=True)
    response = anonymous.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "no more mails about replies" in response.get_data(as_text=True)
    post_form(bo_client, f"/stories/{slug}/comments", {"text": REPLY + " Again.", "parent_id": str(parent_id)})
    assert len(smtp_server.to(ann)) == 1
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == ann))
        assert not user.notify_replies and user.notify_decisions  # only that kind was turned off


def test_an_altered_unsubscribe_link_changes_nothing(app, client, reader):
    user_id, _, _ = reader()
    for token in ("nonsense", "a" * 1000):
        assert client.post(f"/account/unsubscribe/{token}").status_code == 400
    with app.app_context():
        assert db.session.get(User, user_id).notify_replies


def test_no_notification_goes_to_an_unconfirmed_address(app, smtp_server, make_story, reader):
    slug = make_story()
    _, ann, ann_client = reader(confirmed=False)
    _, _, bo_client = reader()
    post_form(ann_client, f"/stories/{slug}/comments", {"text": CIVIL})
    post_form(bo_client, f"/stories/{slug}/comments", {"text": REPLY, "parent_id": str(latest_comment(app))})
    assert smtp_server.to(ann) == []


def test_a_moderators_decision_on_a_waiting_comment_mails_its_author(app, smtp_server, make_comment, make_user,
                                                                     reader):
    author_id, author, _ = reader()
    moderator_id, _ = make_user("moderator")
    rejected = make_comment(author_id=author_id, status="review")
    approved = make_comment(author_id=author_id, status="review")
    with app.app_context():
        moderator = db.session.get(User, moderator_id)
        review_comment(rejected, moderator, "reject", "personal_attack", "Please address the argument.")
        review_comment(approved, moderator, "approve")
        assert smtp_server.messages == []  # nothing leaves before the commit
        db.session.commit()
    no, yes = smtp_server.to(author)
    assert no["Subject"] == "Your comment was not published"
    assert "Comments must not be personal." in no.get_content()
    assert "The moderator's note: Please address the argument." in no.get_content()
    assert yes["Subject"] == "Your comment is published" and f"#c{approved}" in yes.get_content()
    # Reversing the rejection later is no decision on a waiting comment: the one mail says its statement of
    # reasons no longer stands (tests/test_legal_mails.py), not a second "is published" decision mail.
    with app.app_context():
        comment = db.session.get(Comment, rejected)
        review_comment(rejected, db.session.get(User, moderator_id), "approve", revision=comment.revision)
        db.session.commit()
    [_, _, reversal] = smtp_server.to(author)
    assert reversal["Subject"].startswith("Your comment is published (") and "reversed" in reversal["Subject"]


def test_a_reply_approved_by_a_moderator_mails_the_parent_author(app, smtp_server, make_comment, make_user, reader):
    parent_author_id, parent_author, _ = reader(confirmed=False)
    parent = make_comment(CIVIL, author_id=parent_author_id, status="published")
    reply = make_comment(REPLY, parent_id=parent, status="review")  # the factory's classification mails no one
    moderator_id, _ = make_user("moderator")
    with app.app_context():
        confirm_email(db.session.get(User, parent_author_id))
        review_comment(reply, db.session.get(User, moderator_id), "approve")
        db.session.commit()
    [message] = smtp_server.to(parent_author)
    assert message["Subject"] == "A reply to your comment" and REPLY in message.get_content()


def test_the_preference_page_turns_each_kind_off_and_on(app, smtp_server, make_comment, make_user, reader):
    author_id, author, client = reader()
    page = client.get("/account/notifications").get_data(as_text=True)
    assert page.count('checked') == 2
    assert post_form(client, "/account/notifications", {"replies": "y"}).status_code == 302
    moderator_id, _ = make_user("moderator")
    waiting = make_comment(author_id=author_id, status="review")
    with app.app_context():
        review_comment(waiting, db.session.get(User, moderator_id), "approve")
        db.session.commit()
        user = db.session.get(User, author_id)
        assert user.notify_replies and not user.notify_decisions
    assert smtp_server.to(author) == []
    assert client.get("/account/notifications").get_data(as_text=True).count('checked') == 1


def test_a_reply_mail_leaves_from_the_worker_and_not_from_the_request(app, smtp_server, make_story, reader, worker):
    app.config["MAIL_FROM_WORKER"] = True
    slug = make_story()
    _, ann, ann_client = reader()
    _, _, bo_client = reader()
    post_form(ann_client, f"/stories/{slug}/comments", {"text": CIVIL})
    post_form(bo_client, f"/stories/{slug}/comments", {"text": REPLY, "parent_id": str(latest_comment(app))})
    deadline = time.time() + 20
    while not smtp_server.to(ann) and time.time() < deadline:
        time.sleep(0.1)
    [message] = smtp_server.to(ann)
    assert message["Subject"] == "A reply to your comment"
