"""The audit log, the audit sample and its admin setting, and the stats page."""
import re

from sqlalchemy import select

from moderation.extensions import db
from moderation.models import AuditEvent, Comment, Review
from tests.conftest import PASSWORD, post_form

CIVIL = "I think the new cycle lanes will make the riverside much safer for children."


def events(app):
    with app.app_context():
        return [(e.action, e.target_type, e.before, e.after) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_every_moderator_action_is_logged_with_before_and_after(app, client, login, make_comment):
    comment_id = make_comment(CIVIL)
    moderator_id, _ = login("moderator")
    post_form(client, f"/review/{comment_id}", {"action": "reject", "reason": "abuse", "note": "No."})
    with app.app_context():
        review_id = db.session.scalar(select(Review.id))
        author_id = db.session.get(Comment, comment_id).author_id
    post_form(client, f"/review/undo/{review_id}", {})
    post_form(client, f"/review/authors/{author_id}/standing", {"standing": "warned", "note": "Careful."})
    logged = events(app)
    assert logged[0] == ("reject", "comment", {"status": "review", "hidden": False},
                         {"status": "rejected", "hidden": False, "reason": "abuse", "note": "No."})
    assert logged[1][:2] == ("undo", "comment") and logged[1][3]["status"] == "review"
    assert logged[2][:2] == ("standing", "user") and (logged[2][2]["standing"], logged[2][3]["standing"]) == ("good", "warned")
    with app.app_context():
        assert {e.actor_id for e in db.session.scalars(select(AuditEvent))} == {moderator_id}


def test_admins_read_and_filter_the_audit_log(app, client, login, make_comment):
    first, second = make_comment(CIVIL), make_comment(CIVIL + " Indeed.")
    login("admin")
    post_form(client, f"/review/{first}", {"action": "approve"})
    post_form(client, f"/review/{second}", {"action": "reject", "reason": "spam"})
    page = client.get("/review/audit").get_data(as_text=True)
    assert "<td>approve</td>" in page and "<td>reject</td>" in page
    page = client.get("/review/audit?action=reject").get_data(as_text=True)
    assert "<td>reject</td>" in page and "<td>approve</td>" not in page
    page = client.get(f"/review/audit?target=comment:{first}").get_data(as_text=True)
    assert "<td>approve</td>" in page and "<td>reject</td>" not in page
    assert "<td>approve</td>" not in client.get("/review/audit?actor=nobody-by-that-name").get_data(as_text=True)
    assert "YYYY-MM-DD" in client.get("/review/audit?since=yesterday").get_data(as_text=True)


def test_admin_sets_the_audit_sample_and_automatic_decisions_are_sampled(app, client, login, make_story, make_user):
    login("admin")
    assert 'value="2"' in client.get("/review/settings").get_data(as_text=True)  # 2% by default
    response = post_form(client, "/review/settings", {"audit_percent": "150"})
    assert response.status_code == 422 and "between 0 and 100" in response.get_data(as_text=True)
    post_form(client, "/review/settings", {"audit_percent": "100"})
    assert events(app)[-1][1:] == ("setting", {"audit_sample_rate": 0.02}, {"audit_sample_rate": 1.0})
    slug = make_story()
    reader = app.test_client()  # a reader writes it: moderators do not decide their own comments
    post_form(reader, "/auth/login", {"email": make_user()[1], "password": PASSWORD})
    post_form(reader, f"/stories/{slug}/comments", {"text": CIVIL})
    with app.app_context():
        comment = db.session.scalar(select(Comment))
        assert comment.status == "published" and comment.audit_sample
    page = client.get("/review/?queue=audit").get_data(as_text=True)
    assert f'id="r{comment.id}"' in page
    # the moderator disagrees: an automatic publish rejected on audit is a miss
    post_form(client, f"/review/{comment.id}", {"action": "reject", "reason": "abuse", "revision": 0})
    assert f'id="r{comment.id}"' not in client.get("/review/?queue=audit").get_data(as_text=True)
    stats = client.get("/review/stats").get_data(as_text=True)
    assert re.search(r"Miss rate: <strong>100.0%</strong> — of 1 automatic publishes audited, moderators rejected 1", stats)
    post_form(client, "/review/settings", {"audit_percent": "0"})
    post_form(client, f"/stories/{slug}/comments", {"text": CIVIL + " Truly."})
    with app.app_context():
        assert not db.session.scalar(select(Comment).order_by(Comment.id.desc())).audit_sample


def test_stats_page_draws_its_charts(app, client, login, make_comment):
    comments = [make_comment(f"Comment {n} for the stats page about the lanes.") for n in range(3)]
    _, email = login("moderator")
    for comment_id in comments[:2]:
        post_form(client, f"/review/{comment_id}", {"action": "approve"})
    page = client.get("/review/stats").get_data(as_text=True)
    assert page.count("<svg") == 5
    name = email.split("@")[0]
    assert f"<title>{name}: 2</title>" in page  # decisions per moderator
    assert "Queue size over time" in page and "Median time to decision" in page
    assert re.search(r"<title>[^<]+: 1</title>", page)  # one comment still waiting at the end of today
