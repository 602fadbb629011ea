"""Readers report comments; weight from upheld reports; enough weight hides a comment until a moderator decides."""
from sqlalchemy import select

from moderation.extensions import db
from moderation.models import Comment, Report
from tests.conftest import PASSWORD, post_form

TEXT = "The mayor should resign, everybody on Mill Street knows why."


def reader(app, make_user):
    """A logged-in reader's own test client, and their id."""
    client = app.test_client()
    user_id, email = make_user()
    post_form(client, "/auth/login", {"email": email, "password": PASSWORD})
    return client, user_id


def report(client, slug, comment_id, reason="abuse"):
    return post_form(client, f"/stories/{slug}/comments/{comment_id}/report", {"reason": reason}, follow_redirects=True)


def story_slug(app, comment_id):
    with app.app_context():
        return db.session.get(Comment, comment_id).story.slug


def test_reader_reports_once_and_never_their_own(app, make_user, make_comment):
    author_client, author_id = reader(app, make_user)
    comment_id = make_comment(TEXT, status="published", author_id=author_id)
    slug = story_slug(app, comment_id)
    story_page = author_client.get(f"/stories/{slug}").get_data(as_text=True)
    assert f"/comments/{comment_id}/report" not in story_page  # no button on one's own comment
    assert "cannot report your own" in report(author_client, slug, comment_id).get_data(as_text=True)
    other, _ = reader(app, make_user)
    assert f"/comments/{comment_id}/report" in other.get(f"/stories/{slug}").get_data(as_text=True)
    assert "a moderator will look at this comment" in report(other, slug, comment_id).get_data(as_text=True)
    assert "already reported this comment" in report(other, slug, comment_id).get_data(as_text=True)
    with app.app_context():
        assert len(db.session.scalars(select(Report)).all()) == 1


def test_report_needs_a_login_and_a_reason(app, client, make_user, make_comment):
    comment_id = make_comment(TEXT, status="published")
    slug = story_slug(app, comment_id)
    response = post_form(client, f"/stories/{slug}/comments/{comment_id}/report", {"reason": "abuse"})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    other, _ = reader(app, make_user)
    assert "Choose why" in report(other, slug, comment_id, reason="").get_data(as_text=True)


def test_reported_comment_waits_in_the_reported_queue_with_its_reports(app, client, login, make_user, make_comment):
    comment_id = make_comment(TEXT, status="published")
    reporter, _ = reader(app, make_user)
    report(reporter, story_slug(app, comment_id), comment_id, "personal_attack")
    login("moderator")
    page = client.get("/review/?queue=reported").get_data(as_text=True)
    assert f'id="r{comment_id}"' in page
    assert "Reported for Personal attack (weight 1.0)" in page and "reported 1× (weight 1.0)" in page


def test_enough_weight_hides_a_comment_until_a_moderator_approves(app, client, login, make_user, make_comment):
    comment_id = make_comment(TEXT, status="published")
    slug = story_slug(app, comment_id)
    reporters = [reader(app, make_user)[0] for _ in range(3)]
    for reporter in reporters[:2]:
        report(reporter, slug, comment_id)
    assert TEXT in client.get(f"/stories/{slug}").get_data(as_text=True)  # weight 2 of 3: still shown
    report(reporters[2], slug, comment_id)
    assert TEXT not in client.get(f"/stories/{slug}").get_data(as_text=True)
    login("moderator")
    with app.app_context():
        revision = db.session.get(Comment, comment_id).revision
    post_form(client, f"/review/{comment_id}", {"action": "approve", "revision": revision})
    assert TEXT in client.get(f"/stories/{slug}").get_data(as_text=True)
    with app.app_context():
        assert {r.outcome for r in db.session.scalars(select(Report))} == {"dismissed"}
    assert f'id="r{comment_id}"' not in client.get("/review/?queue=reported").get_data(as_text=True)


def test_upheld_reporters_weigh_more(app, client, login, make_user, make_comment):
    reporter, reporter_id = reader(app, make_user)
    first = [make_comment(f"Comment {n} that breaks a rule on this street.", status="published") for n in range(2)]
    for comment_id in first:
        report(reporter, story_slug(app, comment_id), comment_id)
    login("moderator")
    for comment_id in first:  # the moderator upholds both reports
        with app.app_context():
            revision = db.session.get(Comment, comment_id).revision
        post_form(client, f"/review/{comment_id}", {"action": "reject", "reason": "abuse", "revision": revision})
    with app.app_context():
        assert {r.outcome for r in db.session.scalars(select(Report))} == {"upheld"}
    later = make_comment(TEXT, status="published")
    slug = story_slug(app, later)
    report(reporter, slug, later)
    with app.app_context():
        weight = db.session.scalar(select(Report.weight).where(Report.comment_id == later))
    assert weight == 2.0
    newcomer, _ = reader(app, make_user)
    report(newcomer, slug, later)  # 2.0 + 1.0 reaches the hiding weight
    assert TEXT not in app.test_client().get(f"/stories/{slug}").get_data(as_text=True)
