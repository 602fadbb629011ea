"""Notices of illegal content (DSA Art. 16): anyone sends one, gets a receipt, and hears the decision and why."""
import pytest
from sqlalchemy import select

from moderation.accounts.operations import confirm_email
from moderation.extensions import db
from moderation.legal.models import Notice, Statement
from moderation.models import Comment, User
from tests.conftest import PASSWORD, build_app, csrf_token, mail_config, post_form

TEXT = "Everyone should know that the baker on Mill Street was convicted of fraud last year."
WHY = "This is false and defamatory: the baker was never charged with anything, and is named here."


@pytest.fixture
def app(trained_instance, tmp_path, smtp_server):
    yield from build_app(*trained_instance, tmp_path, {**mail_config(smtp_server), "RATELIMIT_ENABLED": True,
                                                       "RATELIMIT_NOTICE_PER_ADDRESS": "50 per minute"})


def notice_form(**changes):
    return {"category": "defamation", "explanation": WHY, "email": "baker@example.org", "good_faith": "y", **changes}


def author_with_comment(app, make_user, make_comment):
    author_id, email = make_user()
    with app.app_context():
        confirm_email(db.session.get(User, author_id))
        db.session.commit()
    comment_id = make_comment(TEXT, status="published", author_id=author_id)
    with app.app_context():
        return email, comment_id, db.session.get(Comment, comment_id).story.slug


def moderator_client(app, make_user):
    _, email = make_user("moderator")
    client = app.test_client()
    post_form(client, "/auth/login", {"email": email, "password": PASSWORD})
    return client


def test_anyone_sends_a_notice_and_gets_a_receipt_page_and_mail(app, client, smtp_server, make_user, make_comment):
    _, comment_id, slug = author_with_comment(app, make_user, make_comment)
    story = client.get(f"/stories/{slug}").get_data(as_text=True)
    assert f'href="/legal/notices/new/{comment_id}"' in story and "Report illegal content" in story
    form = client.get(f"/legal/notices/new/{comment_id}").get_data(as_text=True)
    assert TEXT in form and "Defamation or unlawful insult" in form

    response = post_form(client, f"/legal/notices/new/{comment_id}", notice_form(good_faith=""))
    assert response.status_code == 422 and "in good faith" in response.get_data(as_text=True)
    assert post_form(client, f"/legal/notices/new/{comment_id}", notice_form(explanation="bad")).status_code == 422
    assert post_form(client, f"/legal/notices/new/{comment_id}", notice_form(email="nobody")).status_code == 422
    assert client.post(f"/legal/notices/new/{comment_id}", data=notice_form()).status_code == 400  # no CSRF token

    response = post_form(client, f"/legal/notices/new/{comment_id}", notice_form())
    assert response.status_code == 302
    with app.app_context():
        notice = db.session.scalar(select(Notice))
        assert (notice.status, notice.sender_id, notice.category) == ("open", None, "defamation")
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert notice.uid in receipt and "We received your notice" in receipt
    [mail] = smtp_server.to("baker@example.org")
    assert notice.uid in mail["Subject"] and f"http://news.example/legal/notices/{notice.uid}" in mail.get_content()


def test_notices_are_rate_limited_per_address(app, client, make_user, make_comment):
    _, comment_id, _ = author_with_comment(app, make_user, make_comment)
    app.config["RATELIMIT_NOTICE_PER_ADDRESS"] = "3 per minute"
    token = csrf_token(client)
    codes = [client.post(f"/legal/notices/new/{comment_id}", data={"csrf_token": token, **notice_form()}).status_code
             for _ in range(4)]
    assert codes == [302, 302, 302, 429]


def test_a_notice_about_an_unpublished_or_unknown_comment_is_a_404(app, client, make_comment):
    assert client.get(f"/legal/notices/new/{make_comment(TEXT, status='review')}").status_code == 404
    assert client.get("/legal/notices/new/99999").status_code == 404
    assert client.get("/legal/notices/NOT-000000000000").status_code == 404


def test_a_removal_tells_every_sender_and_gives_the_author_a_statement(app, smtp_server, make_user, make_comment):
    author_email, comment_id, slug = author_with_comment(app, make_user, make_comment)
    for sender in ("baker@example.org", "neighbour@example.org"):
        assert post_form(app.test_client(), f"/legal/notices/new/{comment_id}",
                         notice_form(email=sender)).status_code == 302
    moderator = moderator_client(app, make_user)
    queue = moderator.get("/review/notices").get_data(as_text=True)
    with app.app_context():
        first, second = db.session.scalars(select(Notice).order_by(Notice.id)).all()
    assert first.uid in queue and second.uid in queue and "0 min" in queue  # their age
    item = moderator.get(f"/review/notices/{first.id}").get_data(as_text=True)
    assert TEXT in item and "baker@example.org" in item and second.uid in item
    response = post_form(moderator, f"/review/notices/{first.id}",
                         {"outcome": "removed", "reason": "A false claim of a crime about a named person."})
    assert response.status_code == 302

    with app.app_context():
        assert db.session.get(Comment, comment_id).status == "rejected"
        assert {n.status for n in db.session.scalars(select(Notice))} == {"removed"}
        statement = db.session.scalar(select(Statement))
        assert (statement.action, statement.source, statement.rule, statement.automated) == (
            "removed", "notice", "illegal", False)
        assert statement.facts["category"] == "defamation" and first.uid in statement.facts["notices"]
    for sender in ("baker@example.org", "neighbour@example.org"):
        decision = smtp_server.to(sender)[-1].get_content()
        assert "the comment was removed" in decision and "A false claim of a crime" in decision
    [author_mail] = smtp_server.to(author_email)
    assert statement.uid in author_mail["Subject"] and "Defamation or unlawful insult" in author_mail.get_content()
    assert f"http://news.example/legal/appeals/{statement.uid}" in author_mail.get_content()
    assert TEXT not in app.test_client().get(f"/stories/{slug}").get_data(as_text=True)
    receipt = app.test_client().get(f"/legal/notices/{first.uid}").get_data(as_text=True)
    assert "removed" in receipt and "A false claim of a crime" in receipt


def test_a_kept_comment_stays_and_the_sender_hears_why(app, smtp_server, make_user, make_comment):
    author_email, comment_id, _ = author_with_comment(app, make_user, make_comment)
    post_form(app.test_client(), f"/legal/notices/new/{comment_id}", notice_form())
    moderator = moderator_client(app, make_user)
    with app.app_context():
        notice_id = db.session.scalar(select(Notice.id))
    assert post_form(moderator, f"/review/notices/{notice_id}", {"outcome": "kept", "reason": ""}).status_code == 422
    response = post_form(moderator, f"/review/notices/{notice_id}",
                         {"outcome": "kept", "reason": "The conviction was reported by the court."})
    assert response.status_code == 302
    assert post_form(moderator, f"/review/notices/{notice_id}",
                     {"outcome": "removed", "reason": "Changed my mind."}).status_code == 409
    with app.app_context():
        assert db.session.get(Comment, comment_id).status == "published"
        assert db.session.scalar(select(Statement)) is None
    assert "we did not find it illegal" in smtp_server.to("baker@example.org")[-1].get_content()
    assert smtp_server.to(author_email) == []


def test_a_signed_in_sender_is_recorded_and_their_address_filled_in(app, client, login, make_user, make_comment):
    _, comment_id, _ = author_with_comment(app, make_user, make_comment)
    sender_id, email = login()
    assert f'value="{email}"' in client.get(f"/legal/notices/new/{comment_id}").get_data(as_text=True)
    assert post_form(client, f"/legal/notices/new/{comment_id}", notice_form(email=email)).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Notice.sender_id)) == sender_id
