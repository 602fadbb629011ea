"""Authors' standing: warn, pre-moderate, suspend until a date, ban; trusted authors skip the review band."""
from datetime import timedelta

from sqlalchemy import select

from moderation.extensions import db
from moderation.models import Comment, User, utcnow
from moderation.pipeline import decide
from tests.conftest import PASSWORD, post_form

CIVIL = "I think the new cycle lanes will make the riverside much safer for children."
THRESHOLDS = {rule: {"review": 0.5, "reject": 0.9} for rule in ("not_english", "not_sentences", "abuse", "personal_attack")}


def scores(**overrides):
    return {"not_english": 0.01, "not_sentences": 0.01, "abuse": 0.01, "personal_attack": 0.01, **overrides}


def test_trusted_authors_skip_the_review_band_but_not_the_reject_threshold():
    assert decide(scores(abuse=0.6), THRESHOLDS, 12, trusted=True).outcome == "publish"
    assert decide(scores(abuse=0.95), THRESHOLDS, 12, trusted=True).outcome == "reject"
    assert decide(scores(not_english=0.99), THRESHOLDS, 2, trusted=True).outcome == "review"  # a guardrail holds


def test_pre_moderated_authors_always_go_to_review():
    assert decide(scores(abuse=0.95), THRESHOLDS, 12, premoderated=True).outcome == "review"


def set_standing(client, user_id, **data):
    return post_form(client, f"/review/authors/{user_id}/standing", data, follow_redirects=True)


def author_client(app, make_user):
    client = app.test_client()
    user_id, email = make_user()
    post_form(client, "/auth/login", {"email": email, "password": PASSWORD})
    return client, user_id


def post(client, slug, text=CIVIL):
    return post_form(client, f"/stories/{slug}/comments", {"text": text}, follow_redirects=True)


def test_pre_moderated_author_waits_for_a_moderator(app, client, login, make_user, make_story):
    slug = make_story()
    author, author_id = author_client(app, make_user)
    assert "Your comment is published." in post(author, slug).get_data(as_text=True)
    login("moderator")
    page = set_standing(client, author_id, standing="premoderated", note="Repeated off-topic posts.").get_data(as_text=True)
    assert "comments now wait for a moderator before they appear" in page and "Repeated off-topic posts." in page
    assert "waiting for a moderator" in post(author, slug, CIVIL + " Really.").get_data(as_text=True)


def test_suspended_author_cannot_post_until_the_date(app, client, login, make_user, make_story):
    slug = make_story()
    author, author_id = author_client(app, make_user)
    login("moderator")
    assert "end date in the future" in set_standing(client, author_id, standing="suspended", until="2001-01-01").get_data(as_text=True)
    until = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%d")
    set_standing(client, author_id, standing="suspended", until=until)
    response = post(author, slug)
    assert response.status_code == 422 and "suspended from commenting until" in response.get_data(as_text=True)
    with app.app_context():  # the date passes
        db.session.get(User, author_id).suspended_until = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert "Your comment is published." in post(author, slug).get_data(as_text=True)


def test_ban_can_reject_the_waiting_comments(app, client, login, make_user, make_comment):
    author, author_id = author_client(app, make_user)
    waiting = [make_comment(f"Waiting comment number {n}.", author_id=author_id) for n in range(2)]
    published = make_comment("An older published comment.", status="published", author_id=author_id)
    login("moderator")
    page = set_standing(client, author_id, standing="banned", reject_waiting="1", note="Spam account.").get_data(as_text=True)
    assert "2 waiting comments rejected" in page
    with app.app_context():
        statuses = {c.id: c.status for c in db.session.scalars(select(Comment))}
    assert [statuses[c] for c in waiting] == ["rejected", "rejected"] and statuses[published] == "published"
    slug = make_comment_story(app, published)
    response = post(author, slug)
    assert "banned from commenting" in response.get_data(as_text=True)


def make_comment_story(app, comment_id):
    with app.app_context():
        return db.session.get(Comment, comment_id).story.slug


def test_warning_is_recorded_and_shown(app, client, login, make_user):
    author, author_id = author_client(app, make_user)
    assert "warned you" not in author.get("/").get_data(as_text=True)
    login("moderator")
    page = set_standing(client, author_id, standing="warned", note="Keep it civil.").get_data(as_text=True)
    assert "warned" in page and "Keep it civil." in page
    assert "A moderator has warned you about your comments." in author.get("/my/comments").get_data(as_text=True)
    assert "Unknown standing" in set_standing(client, author_id, standing="emperor").get_data(as_text=True)


def age_account(app, user_id, days):
    with app.app_context():
        db.session.get(User, user_id).created_at = utcnow() - timedelta(days=days)
        db.session.commit()


def test_a_long_clean_record_makes_an_author_trusted(app, client, login, make_user, make_comment):
    author_id, _ = make_user()
    for n in range(10):
        make_comment(f"Published comment number {n} on the council vote.", status="published", author_id=author_id)
    age_account(app, author_id, 31)
    login("moderator")
    assert ">trusted<" in client.get(f"/review/authors/{author_id}").get_data(as_text=True)
    make_comment("A recent rejected comment.", status="rejected", author_id=author_id)
    assert ">trusted<" not in client.get(f"/review/authors/{author_id}").get_data(as_text=True)


def test_trust_cannot_be_farmed_by_a_new_account(app, client, login, make_user, make_comment):
    """Ten published comments in a second earned trust before; now the account must also be a month old."""
    author_id, _ = make_user()
    for n in range(12):
        make_comment(f"Published comment number {n} on the council vote.", status="published", author_id=author_id)
    login("moderator")
    assert ">trusted<" not in client.get(f"/review/authors/{author_id}").get_data(as_text=True)
    age_account(app, author_id, 31)
    assert ">trusted<" in client.get(f"/review/authors/{author_id}").get_data(as_text=True)


def test_an_upheld_report_ends_trust(app, client, login, make_user, make_comment):
    from moderation.models import Report
    author_id, _ = make_user()
    ids = [make_comment(f"Published comment number {n} on the council vote.", status="published", author_id=author_id)
           for n in range(10)]
    age_account(app, author_id, 31)
    reporter_id, _ = make_user()
    with app.app_context():
        db.session.add(Report(comment_id=ids[0], reporter_id=reporter_id, reason="abuse", outcome="upheld"))
        db.session.commit()
    login("moderator")
    assert ">trusted<" not in client.get(f"/review/authors/{author_id}").get_data(as_text=True)


def test_a_trusted_author_is_still_rejected_over_the_reject_threshold(app, make_user, make_comment):
    """Trust lifts only the review band: abuse the classifier rejects stays rejected for a trusted author."""
    author_id, _ = make_user()
    for n in range(10):
        make_comment(f"Published comment number {n} on the council vote.", status="published", author_id=author_id)
    age_account(app, author_id, 31)
    comment_id = make_comment("You are a fucking idiot and a stupid moron, shut up.", status=None, author_id=author_id)
    with app.app_context():
        assert db.session.get(Comment, comment_id).status == "rejected"
