"""Moderators decide the comments the rules could not."""
import re

from sqlalchemy import select

from moderation.extensions import db
from moderation.models import Comment, Review, Story, User
from moderation.operations import classify_comment, submit_comment
from tests.conftest import post_form


def queued_comment(app, make_user, make_story, text="Stop the killing of innocent people in the war."):
    """A comment waiting for review, as the pipeline leaves it."""
    author_id, _ = make_user()
    slug = make_story()
    with app.app_context():
        story = db.session.scalar(select(Story).where(Story.slug == slug))
        comment = submit_comment(story, db.session.get(User, author_id), text)
        classify_comment(comment)
        comment.status = "review"  # whatever the score, put it in the queue for this test
        db.session.commit()
        return comment.id


def status_of(app, comment_id):
    with app.app_context():
        return db.session.get(Comment, comment_id).status


def test_queue_shows_scores_and_reasons(client, login, make_user, make_story, app):
    comment_id = queued_comment(app, make_user, make_story)
    login("moderator")
    page = client.get("/review/").get_data(as_text=True)
    assert "Stop the killing of innocent people" in re.sub(r"</?mark>", "", page)
    assert "1 waiting" in page
    for rule_text in ("in English", "full sentences", "abusive", "personal"):
        assert rule_text in page
    assert f'action="/review/{comment_id}' in page


def test_approve_publishes_and_records_who_and_why(client, login, make_user, make_story, app):
    comment_id = queued_comment(app, make_user, make_story)
    moderator_id, _ = login("moderator")
    response = post_form(client, f"/review/{comment_id}", {"action": "approve"}, follow_redirects=True)
    assert f"Comment {comment_id} approved." in response.get_data(as_text=True)
    assert status_of(app, comment_id) == "published"
    with app.app_context():
        review = db.session.scalar(select(Review))
        assert (review.moderator_id, review.action, review.previous_status) == (moderator_id, "approve", "review")


def test_reject_needs_a_reason_and_keeps_the_note(client, login, make_user, make_story, app):
    comment_id = queued_comment(app, make_user, make_story)
    login("moderator")
    response = post_form(client, f"/review/{comment_id}", {"action": "reject"}, follow_redirects=True)
    assert "Choose a reason" in response.get_data(as_text=True)
    assert status_of(app, comment_id) == "review"
    post_form(client, f"/review/{comment_id}", {"action": "reject", "reason": "abuse", "note": "No violence talk."})
    assert status_of(app, comment_id) == "rejected"
    with app.app_context():
        review = db.session.scalar(select(Review))
        assert (review.reason, review.note) == ("abuse", "No violence talk.")


def test_second_moderator_is_told_it_was_already_decided(client, app, login, make_user, make_story):
    comment_id = queued_comment(app, make_user, make_story)
    other = app.test_client()
    _, email = make_user("moderator")
    post_form(other, "/auth/login", {"email": email, "password": "correct horse battery"})
    login("moderator")
    post_form(other, f"/review/{comment_id}", {"action": "reject", "reason": "abuse"})
    response = post_form(client, f"/review/{comment_id}", {"action": "approve"}, follow_redirects=True)
    assert "already decided" in response.get_data(as_text=True)
    assert status_of(app, comment_id) == "rejected"
    with app.app_context():
        assert len(db.session.scalars(select(Review)).all()) == 1
