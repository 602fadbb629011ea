"""The moderators' workspace: queues and lists, filters, priority, evidence, reversal, undo, bulk, holds."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from moderation.extensions import db
from moderation.models import Comment, Review, utcnow
from moderation.operations import decide_stored_comment, send_to_review
from moderation.thread.changes import edit_comment
from tests.conftest import PASSWORD, post_form

CIVIL = "The council should listen to the people who live on Mill Street."
ABUSIVE = "You are a fucking idiot and a stupid moron, shut up."


def status_of(app, comment_id):
    with app.app_context():
        return db.session.get(Comment, comment_id).status


def revision_of(app, comment_id):
    with app.app_context():
        return db.session.get(Comment, comment_id).revision


def plain(page):
    return re.sub(r"</?mark>", "", page)


def second_moderator(app, make_user):
    other = app.test_client()
    _, email = make_user("moderator")
    post_form(other, "/auth/login", {"email": email, "password": PASSWORD})
    return other


def test_queues_and_lists_hold_the_right_comments(client, login, make_comment, app):
    waiting = make_comment("Waiting for a person to decide this one, please.")
    published = make_comment("Published already and fine to read.", status="published")
    rejected = make_comment("Rejected earlier by the machine for a reason.", status="rejected")
    login("moderator")
    review_page = plain(client.get("/review/").get_data(as_text=True))
    assert "Waiting for a person" in review_page and "Published already" not in review_page
    published_page = plain(client.get("/review/?queue=published").get_data(as_text=True))
    assert "Published already" in published_page and "Waiting for a person" not in published_page
    rejected_page = plain(client.get("/review/?queue=rejected").get_data(as_text=True))
    assert "Rejected earlier" in rejected_page and "Published already" not in rejected_page
    assert f"r{waiting}" in review_page and f"r{published}" in published_page and f"r{rejected}" in rejected_page


def test_filters_by_story_author_text_rule_and_age(client, login, make_comment, make_story, make_user, app):
    lanes = make_story("Cycle lanes on the riverside")
    budget = make_story("The housing budget is cut")
    author_id, author_email = make_user()
    make_comment("Lanes comment from our chosen author here.", slug=lanes, author_id=author_id)
    make_comment("Budget comment from somebody else entirely.", slug=budget)
    abusive = make_comment(ABUSIVE, slug=budget)
    old = make_comment("An old comment that has waited for a long time.", slug=budget)
    with app.app_context():
        db.session.get(Comment, old).created_at = utcnow() - timedelta(days=10)
        db.session.commit()
    login("moderator")

    def shown(query):
        return plain(client.get(f"/review/?{query}").get_data(as_text=True))

    page = shown(f"story={lanes}")
    assert "Lanes comment" in page and "Budget comment" not in page and "(1 waiting)" in page
    page = shown(f"author={author_email.split('@')[0]}")
    assert "Lanes comment" in page and "Budget comment" not in page
    page = shown("q=somebody")
    assert "Budget comment" in page and "Lanes comment" not in page
    page = shown("rule=abuse")  # the classifier flagged the rule (review band or above)
    with app.app_context():
        flagged = {c.id: "abuse" in c.verdict.broken_rules for c in db.session.scalars(select(Comment))}
    assert flagged[abusive] and not all(flagged.values())
    for comment_id, is_flagged in flagged.items():
        assert (f'id="r{comment_id}"' in page) == is_flagged
    assert "An old comment" not in shown("age=24") and "An old comment" in shown("age=older")
    assert "Lanes comment" not in shown("age=older")


def test_queue_is_ordered_by_priority_with_the_reason_shown(client, login, make_comment, app):
    calm = make_comment(CIVIL)
    near = make_comment(ABUSIVE)
    with app.app_context():
        db.session.get(Comment, calm).created_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
    login("moderator")
    page = client.get("/review/").get_data(as_text=True)
    assert page.index(f'id="r{near}"') < page.index(f'id="r{calm}"')
    assert re.search(r"Priority [\d.]+: near the boundary: (abuse|personal attack) [\d.]+ \(review [\d.]+, reject [\d.]+\)", page)


def test_item_shows_all_the_evidence_and_the_authors_history(client, login, make_comment, make_user, app):
    author_id, _ = make_user()
    parent = make_comment("The new bridge opens on Monday, says the council.", status="published")
    earlier = make_comment("An earlier remark of this author.", author_id=author_id)
    moderator_client = second_moderator(app, make_user)
    post_form(moderator_client, f"/review/{earlier}", {"action": "reject", "reason": "spam", "note": "Please stop posting links."})
    comment_id = make_comment(ABUSIVE, author_id=author_id, parent_id=parent)
    login("moderator")
    page = client.get(f"/review/item/{comment_id}").get_data(as_text=True)
    assert "<mark>" in page  # the words that drove a score
    assert "In reply to" in page and "The new bridge opens on Monday" in page
    assert "Council approves new cycle lanes" in page  # the story
    for rule_text in ("in English", "full sentences", "abusive", "personal"):
        assert rule_text in page
    assert "rejected 1" in page and "waiting 1" in page  # the author's history
    assert "Please stop posting links." in page  # an earlier moderator's note
    assert "You hold this comment until" in page


def test_any_decision_can_be_reversed_from_the_lists(client, login, make_comment, app):
    comment_id = make_comment(CIVIL, status="published")
    moderator_id, _ = login("moderator")
    page = client.get("/review/?queue=published").get_data(as_text=True)
    assert f'action="/review/{comment_id}"' in page
    revision = revision_of(app, comment_id)
    post_form(client, f"/review/{comment_id}", {"action": "reject", "reason": "other", "revision": revision,
                                                   "note": "On reflection this is off topic."})
    assert status_of(app, comment_id) == "rejected"
    with app.app_context():
        review = db.session.scalar(select(Review))
        assert (review.previous_status, review.moderator_id, review.reason) == ("published", moderator_id, "other")
    # a form showing the old revision has lost the race and says so
    response = post_form(client, f"/review/{comment_id}", {"action": "approve", "revision": revision}, follow_redirects=True)
    assert "already decided by another moderator" in response.get_data(as_text=True)
    post_form(client, f"/review/{comment_id}", {"action": "approve", "revision": revision + 1})
    assert status_of(app, comment_id) == "published"


def test_the_author_sees_the_reason_and_note(client, login, make_comment, make_user, app):
    author_id, author_email = make_user()
    comment_id = make_comment(CIVIL, author_id=author_id)
    moderator_client = second_moderator(app, make_user)
    post_form(moderator_client, f"/review/{comment_id}", {"action": "reject", "reason": "personal_attack",
                                                         "note": "Please address the argument, not the person."})
    post_form(client, "/auth/login", {"email": author_email, "password": PASSWORD})
    page = client.get("/my/comments").get_data(as_text=True)
    assert "must not be personal" in page and "Please address the argument, not the person." in page
    # once the rejection is reversed, the author no longer reads it
    post_form(moderator_client, f"/review/{comment_id}", {"action": "approve", "revision": revision_of(app, comment_id)})
    page = client.get("/my/comments").get_data(as_text=True)
    assert "Published" in page and "Please address the argument, not the person." not in page
    assert "<strong>withdrawn</strong>" in page and "a moderator reversed it" in page


def test_undo_within_the_session_only(client, login, make_comment, make_user, app):
    comment_id = make_comment(CIVIL)
    login("moderator")
    post_form(client, f"/review/{comment_id}", {"action": "approve"})
    assert status_of(app, comment_id) == "published"
    with app.app_context():
        review_id = db.session.scalar(select(Review.id))
    other = second_moderator(app, make_user)
    response = post_form(other, f"/review/undo/{review_id}", {}, follow_redirects=True)
    assert "Only decisions made in this session" in response.get_data(as_text=True)
    assert status_of(app, comment_id) == "published"
    page = client.get("/review/").get_data(as_text=True)
    assert f'action="/review/undo/{review_id}"' in page
    response = post_form(client, f"/review/undo/{review_id}", {}, follow_redirects=True)
    assert f"comment {comment_id} is back to review" in response.get_data(as_text=True)
    assert status_of(app, comment_id) == "review"
    with app.app_context():
        assert db.session.scalar(select(Review)) is None  # an undone decision is not training data


def test_undo_is_refused_once_someone_else_decided_since(client, login, make_comment, make_user, app):
    comment_id = make_comment(CIVIL)
    login("moderator")
    post_form(client, f"/review/{comment_id}", {"action": "approve"})
    with app.app_context():
        review_id = db.session.scalar(select(Review.id))
    other = second_moderator(app, make_user)
    post_form(other, f"/review/{comment_id}", {"action": "reject", "reason": "other", "revision": revision_of(app, comment_id)})
    response = post_form(client, f"/review/undo/{review_id}", {}, follow_redirects=True)
    assert "can no longer be undone" in response.get_data(as_text=True)
    assert status_of(app, comment_id) == "rejected"


EDIT = "The council should also listen to the shop owners on Mill Street, I think."


def edited_published_comment(app, make_comment, text, machine_decides):
    """A published comment its author edited: the edit goes to review (the classifier failed) or the machine
    decides it; readers keep seeing the published text. Returns (comment id, story page URL)."""
    comment_id = make_comment(CIVIL, status="published")
    with app.app_context():
        row = db.session.get(Comment, comment_id)
        edit_comment(row, row.author, text)
        if machine_decides:
            db.session.commit()
            decide_stored_comment(comment_id)
        else:
            send_to_review(row, "TimeoutError: the classifier did not answer")
            db.session.commit()
        return comment_id, f"/stories/{db.session.get(Comment, comment_id).story.slug}"


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_undoing_a_decision_on_an_edit_puts_the_published_text_back(client, login, make_comment, app, action):
    comment_id, story = edited_published_comment(app, make_comment, EDIT, machine_decides=False)
    reader = app.test_client()
    assert CIVIL in reader.get(story).get_data(as_text=True)
    login("moderator")
    post_form(client, f"/review/{comment_id}", {"action": action, "reason": "other"})
    assert (CIVIL in reader.get(story).get_data(as_text=True)) is False  # decided as a whole: the earlier text goes
    with app.app_context():
        review_id = db.session.scalar(select(Review.id))
    post_form(client, f"/review/undo/{review_id}", {})
    assert status_of(app, comment_id) == "review"
    page = reader.get(story).get_data(as_text=True)
    assert CIVIL in page and EDIT not in page  # readers see the published text again while the edit waits
    with app.app_context():
        assert db.session.get(Comment, comment_id).published_text == CIVIL


def test_undoing_a_reversal_of_a_machine_rejected_edit_puts_the_published_text_back(client, login, make_comment, app):
    comment_id, story = edited_published_comment(app, make_comment, ABUSIVE, machine_decides=True)
    assert status_of(app, comment_id) == "rejected"
    reader = app.test_client()
    login("moderator")
    post_form(client, f"/review/{comment_id}", {"action": "approve", "revision": revision_of(app, comment_id)})
    assert "idiot" in reader.get(story).get_data(as_text=True)  # the moderator published the edit
    with app.app_context():
        review_id = db.session.scalar(select(Review.id))
    post_form(client, f"/review/undo/{review_id}", {})
    assert status_of(app, comment_id) == "rejected"
    page = reader.get(story).get_data(as_text=True)
    assert CIVIL in page and "idiot" not in page


def test_bulk_decision_of_a_selection_confirms_the_count(client, login, make_comment, app):
    chosen = [make_comment(f"Comment number {n} about the cycle lanes.") for n in range(3)]
    left = make_comment("This one is not selected at all.")
    login("moderator")
    response = post_form(client, "/review/bulk", {"action": "reject", "reason": "spam", "ids": chosen})
    page = response.get_data(as_text=True)
    assert "Reject 3 comments?" in page and all(status_of(app, c) == "review" for c in chosen)
    targets = re.search(r'name="targets" value="([^"]+)"', page).group(1)
    response = post_form(client, "/review/bulk", {"action": "reject", "reason": "spam", "confirmed": "1",
                                                  "targets": targets}, follow_redirects=True)
    assert "Rejected 3 comments." in response.get_data(as_text=True)
    assert [status_of(app, c) for c in chosen] == ["rejected"] * 3 and status_of(app, left) == "review"


def test_bulk_decision_of_a_filtered_list(client, login, make_comment, make_story, app):
    spam_story = make_story("A story full of spam")
    spam = [make_comment(f"Buy cheap watches number {n} today.", slug=spam_story) for n in range(4)]
    other = make_comment("A comment on another story.")
    login("moderator")
    response = post_form(client, "/review/bulk?scope=filtered",
                         {"action": "approve", "queue": "review", "story": spam_story})
    page = response.get_data(as_text=True)
    assert "Approve 4 comments?" in page
    targets = re.search(r'name="targets" value="([^"]+)"', page).group(1)
    # one of them is decided by someone else before the confirmation
    post_form(client, f"/review/{spam[0]}", {"action": "reject", "reason": "spam"})
    response = post_form(client, "/review/bulk", {"action": "approve", "confirmed": "1", "targets": targets},
                         follow_redirects=True)
    assert "Approved 3 comments. 1 had been decided" in response.get_data(as_text=True)
    assert status_of(app, spam[0]) == "rejected" and status_of(app, other) == "review"


def test_bulk_reject_needs_a_reason(client, login, make_comment, app):
    comment_id = make_comment(CIVIL)
    login("moderator")
    response = post_form(client, "/review/bulk", {"action": "reject", "ids": [comment_id]}, follow_redirects=True)
    assert "reject with a reason" in response.get_data(as_text=True)
    assert status_of(app, comment_id) == "review"


def test_an_opened_item_is_held_from_other_moderators(client, login, make_comment, make_user, app):
    comment_id = make_comment(CIVIL)
    login("moderator")
    client.get(f"/review/item/{comment_id}")
    other = second_moderator(app, make_user)
    assert "is working on this comment" in other.get(f"/review/item/{comment_id}").get_data(as_text=True)
    assert "is working on this comment" in other.get("/review/").get_data(as_text=True)
    response = post_form(other, f"/review/{comment_id}", {"action": "approve"}, follow_redirects=True)
    assert "is working on this comment until" in response.get_data(as_text=True)
    assert status_of(app, comment_id) == "review"
    with app.app_context():  # the hold runs out
        db.session.get(Comment, comment_id).held_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    post_form(other, f"/review/{comment_id}", {"action": "approve"})
    assert status_of(app, comment_id) == "published"


def test_hold_endpoint_reports_the_holder(client, login, make_comment, make_user, app):
    comment_id = make_comment(CIVIL)
    login("moderator")
    assert post_form(client, f"/review/{comment_id}/hold", {}).get_json()["mine"] is True
    other = second_moderator(app, make_user)
    assert post_form(other, f"/review/{comment_id}/hold", {}).get_json()["mine"] is False
    assert post_form(other, "/review/999999/hold", {}).status_code == 404


def test_unknown_queue_is_not_found(client, login):
    login("moderator")
    assert client.get("/review/?queue=nonsense").status_code == 404
