"""Readers' data: the download from the account page, deleting an account (anonymise or remove, a site setting)
with the texts kept out of training and the report's counts kept, and retention of rejected and API texts."""
import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from moderation.extensions import db
from moderation.legal.models import Appeal, Notice, Statement
from moderation.models import ApiCall, AuditEvent, Comment, Review, User, Verdict, utcnow
from moderation.operations import get_setting, moderator_decisions, report_comment, review_comment
from moderation.thread.changes import edit_comment
from moderation.transparency.report import build_report
from moderation.worker import huey, tasks
from tests.conftest import PASSWORD, post_form

KIND = "The council should publish the full budget before the vote on Thursday."
SECOND = "I think the new cycle lanes will make the school run much safer for everyone."


def decide(app, comment_id, action, reason=None):
    with app.app_context():
        moderator = db.session.scalar(select(User).where(User.role == "moderator")) or _moderator()
        review_comment(comment_id, moderator, action, reason)
        db.session.commit()


def _moderator():
    from moderation.operations import create_user

    return create_user("mod-privacy@example.com", PASSWORD, role="moderator")


def log_in(app, email):
    """A fresh browser session of someone else."""
    client = app.test_client()
    assert post_form(client, "/auth/login", {"email": email, "password": PASSWORD}).status_code == 302
    return client


def test_reader_downloads_everything_held_about_them(app, client, login, make_comment, make_user):
    reader_id, email = login()
    mine = make_comment(KIND, author_id=reader_id)
    rejected = make_comment(SECOND, author_id=reader_id)
    decide(app, rejected, "reject", "not_sentences")
    someone_else = make_comment("Someone else's comment about the library opening hours.", status="published")
    with app.app_context():
        report_comment(db.session.get(Comment, someone_else), db.session.get(User, reader_id), "spam")
        edit_comment(db.session.get(Comment, mine), db.session.get(User, reader_id),
                     KIND + " And the minutes.")
        db.session.commit()
    assert 'href="/account/data.json"' in client.get("/account/").get_data(as_text=True)
    response = client.get("/account/data.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == email and data["account"]["id"] == reader_id
    assert data["notification_preferences"] == {"replies": True, "decisions": True}
    texts = {c["id"]: c for c in data["comments"]}
    assert set(texts) == {mine, rejected}  # nobody else's comments
    assert texts[mine]["text"] == KIND + " And the minutes." and texts[mine]["earlier_texts"][0]["text"] == KIND
    assert texts[rejected]["moderator_decisions"][0] | {"at": None} == {"at": None, "action": "reject",
                                                                         "reason": "not_sentences"}
    assert texts[rejected]["automated_decisions"][0]["decision"] in ("publish", "review", "reject")
    assert data["reports_made"][0]["comment_id"] == someone_else and data["reports_made"][0]["reason"] == "spam"
    with app.app_context():
        statement = db.session.scalar(select(Statement).where(Statement.comment_id == rejected))
        db.session.add(Appeal(comment_id=rejected, statement_id=statement.id, author_id=reader_id,
                              explanation="It is a full sentence."))
        db.session.add(Notice(comment_id=someone_else, category="defamation", explanation="Untrue claims.",
                              email=email, sender_id=reader_id))
        db.session.commit()
        uid = statement.uid
    data = client.get("/account/data.json").get_json()
    assert [s["id"] for s in data["statements_of_reasons"]] == [uid]
    assert data["statements_of_reasons"][0]["rule"] == "not_sentences"
    assert data["statements_of_reasons"][0]["reversed"] is None  # it still stands
    assert data["appeals"][0]["statement"] == uid and data["appeals"][0]["status"] == "open"
    assert data["notices_sent"][0]["explanation"] == "Untrue claims."
    assert "mod-privacy@example.com" not in response.get_data(as_text=True)  # the moderator is not named


def test_download_needs_a_login(client):
    response = client.get("/account/data.json")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def delete_account(client):
    response = post_form(client, "/account/delete", {"password": PASSWORD, "understood": "y"})
    assert response.status_code == 302
    return response


def figures(app):
    with app.app_context():
        today = utcnow().date()
        report = build_report(today - timedelta(days=1), today + timedelta(days=1))
        return report["decisions"], report["reports"]


def test_deleted_account_anonymised_by_default_and_never_trained_on(app, client, login, make_comment):
    reader_id, _ = login()
    kept = make_comment(KIND, author_id=reader_id)
    decide(app, kept, "approve")
    with app.app_context():
        assert KIND in [text for _, text, _ in moderator_decisions()]
    before = figures(app)
    delete_account(client)
    with app.app_context():
        comment = db.session.get(Comment, kept)
        assert comment.text == KIND and comment.deleted_at is None
        assert comment.author.display_name.startswith("Deleted account")
        assert KIND not in [text for _, text, _ in moderator_decisions()]
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "delete_account"))
        assert event.after == {"comments_kept": 1, "comments_removed": 0, "mode": "anonymise"}
    assert figures(app) == before


def test_admin_makes_deletion_remove_comments(app, client, login, make_comment, make_user, make_story):
    slug = make_story("Library hours")
    reader_id, reader_email = make_user()
    removed = make_comment(KIND, author_id=reader_id, slug=slug, status="published")
    rejected = make_comment(SECOND, author_id=reader_id, slug=slug)
    decide(app, rejected, "reject", "not_sentences")
    with app.app_context():
        edit_comment(db.session.get(Comment, removed), db.session.get(User, reader_id), KIND + " Edited.")
        db.session.commit()
    with app.app_context():
        db.session.get(Comment, removed).status = "review"  # the edit waits; readers still see KIND
        db.session.commit()
    decide(app, removed, "approve")  # the decision keeps KIND for an undo
    with app.app_context():
        assert db.session.scalar(select(Review.previous_published_text).where(Review.comment_id == removed)) == KIND
    login("admin")
    page = client.get("/admin/privacy").get_data(as_text=True)
    assert 'value="anonymise" checked' in page
    response = post_form(client, "/admin/privacy", {"deleted_account_comments": "remove",
                                                     "rejected_text_days": "200", "api_text_days": "30"})
    assert response.status_code == 302
    before = figures(app)
    reader = log_in(app, reader_email)
    assert "removed from every thread" in reader.get("/account/delete").get_data(as_text=True)
    delete_account(reader)
    with app.app_context():
        for comment_id in (removed, rejected):
            comment = db.session.get(Comment, comment_id)
            assert comment.text == "" and comment.deleted_at and comment.text_removed_at
            assert comment.published_text is None
        assert all(review.previous_published_text is None for review in db.session.scalars(select(Review)))
        assert db.session.scalars(select(Verdict).where(Verdict.comment_id == rejected)).all()
        assert db.session.scalars(select(Review).where(Review.comment_id == rejected)).all()
        edits = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "edit")).all()
        assert edits and all(KIND not in json.dumps([e.before, e.after]) for e in edits)
        assert not [d for d in moderator_decisions() if d[1] in (SECOND, KIND)]
    assert figures(app) == before  # the report's counts survive the erasure
    story = client.get(f"/stories/{slug}").get_data(as_text=True)
    assert KIND not in story and SECOND not in story


@pytest.mark.parametrize("form,problem", [
    ({"deleted_account_comments": "burn", "rejected_text_days": "200", "api_text_days": "30"}, "Choose what"),
    ({"deleted_account_comments": "remove", "rejected_text_days": "0", "api_text_days": "30"}, "between 1 and"),
    ({"deleted_account_comments": "remove", "rejected_text_days": "200", "api_text_days": "1e3"}, "whole number"),
])
def test_settings_refuse_bad_values(app, client, login, form, problem):
    login("admin")
    response = post_form(client, "/admin/privacy", form)
    assert response.status_code == 422 and problem in response.get_data(as_text=True)
    with app.app_context():
        assert get_setting("deleted_account_comments") == "anonymise" and get_setting("rejected_text_days") == 200


@pytest.mark.parametrize("role", ["reader", "moderator"])
def test_settings_refuse_non_admins(app, client, login, role):
    login(role)
    response = post_form(client, "/admin/privacy", {"deleted_account_comments": "remove",
                                                     "rejected_text_days": "1", "api_text_days": "1"})
    assert response.status_code == 403
    with app.app_context():
        assert get_setting("deleted_account_comments") == "anonymise"


def test_daily_task_erases_expired_texts_and_logs_counts(app, client, login, make_comment):
    old_rejected = make_comment(KIND, status="rejected")
    recent_rejected = make_comment(SECOND, status="rejected")
    old_published = make_comment("A published comment from long ago about the harbour wall.", status="published")
    appealed = make_comment("An old rejected comment whose author appealed in time.", status="rejected")
    long_ago = utcnow() - timedelta(days=201)
    with app.app_context():
        statement = Statement(comment_id=appealed, action="rejected", rule="abuse", source="moderator",
                              facts={"reason": "abuse"}, issued_at=long_ago)
        db.session.add(statement)
        db.session.flush()
        db.session.add(Appeal(comment_id=appealed, statement_id=statement.id, explanation="Please look again."))
        statement_id = statement.id
        for comment_id in (old_rejected, old_published, appealed):
            db.session.get(Comment, comment_id).created_at = long_ago
            for verdict in db.session.scalars(select(Verdict).where(Verdict.comment_id == comment_id)):
                verdict.created_at = long_ago
        db.session.add_all([
            ApiCall(endpoint="analyze", status_code=200, text="an old analysed text", created_at=utcnow() - timedelta(days=31)),
            ApiCall(endpoint="analyze", status_code=200, text="a recent analysed text", created_at=utcnow()),
        ])
        db.session.commit()
        before = build_report(long_ago.date(), date.today())["decisions"]
    assert tasks.purge_expired_texts.call_local() == {"rejected_comment_texts": 1, "api_call_texts": 1,
                                                      "rejected_text_days": 200, "api_text_days": 30}
    with app.app_context():
        assert db.session.get(Comment, old_rejected).text == "" and db.session.get(Comment, old_rejected).text_removed_at
        assert db.session.get(Comment, recent_rejected).text == SECOND
        assert db.session.get(Comment, appealed).text.startswith("An old rejected comment")  # an appeal is open
        assert db.session.get(Statement, statement_id).facts == {"reason": "abuse"}  # statements keep their facts
        assert db.session.get(Comment, old_published).text.startswith("A published comment")
        assert sorted(c.text or "" for c in db.session.scalars(select(ApiCall))) == ["", "a recent analysed text"]
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retention_purge"))
        assert event.after["rejected_comment_texts"] == 1 and event.after["api_call_texts"] == 1
        assert build_report(long_ago.date(), date.today())["decisions"] == before
    assert tasks.purge_expired_texts.call_local()["rejected_comment_texts"] == 0  # nothing twice
    login("admin")
    assert "retention_purge" in client.get("/review/audit?action=retention_purge").get_data(as_text=True)


def test_purge_runs_daily_in_the_worker(app):
    due = lambda moment: {task.name for task in huey.read_periodic(moment)}  # noqa: E731
    assert "purge_expired_texts" in due(datetime(2026, 12, 3, 3, 30))
    assert "purge_expired_texts" not in due(datetime(2026, 12, 3, 3, 31))


def test_retention_as_the_author_sees_it(app, client, login, make_comment, make_user):
    """After the purge the author's My comments says the text was erased, the statement still stands with its facts,
    and the download says when the text went."""
    author_id, _ = login()
    comment_id = make_comment(SECOND, author_id=author_id)
    decide(app, comment_id, "reject", "not_sentences")
    long_ago = utcnow() - timedelta(days=201)
    with app.app_context():
        for row in [db.session.get(Comment, comment_id), *db.session.scalars(
                select(Verdict).where(Verdict.comment_id == comment_id)), *db.session.scalars(
                select(Review).where(Review.comment_id == comment_id))]:
            row.created_at = long_ago
        db.session.commit()
    assert SECOND in client.get("/my/comments").get_data(as_text=True)
    assert tasks.purge_expired_texts.call_local()["rejected_comment_texts"] == 1
    page = client.get("/my/comments").get_data(as_text=True)
    assert SECOND not in page and "The text was erased on" in page and "Statement of reasons" in page
    [comment] = client.get("/account/data.json").get_json()["comments"]
    assert comment["text"] == "" and comment["text_erased_at"]


def test_a_deleted_account_as_moderators_and_the_notices_it_sent_see_it(app, client, login, make_comment, make_user):
    """Moderators see only "Deleted account N" beside its waiting comment; a notice it sent is still decided and its
    receipt still tells where it stands."""
    reader_id, reader_email = login()
    waiting = make_comment(KIND, author_id=reader_id)
    reported = make_comment("Someone else's comment about the harbour wall repairs.", status="published")
    response = post_form(client, f"/legal/notices/new/{reported}", {
        "category": "defamation", "explanation": "It says untrue things about a named neighbour.",
        "email": reader_email, "good_faith": "y"})
    assert response.status_code == 302
    receipt = response.headers["Location"]
    with app.app_context():
        display_name = db.session.get(User, reader_id).display_name
        notice_id = db.session.scalar(select(Notice.id))
    delete_account(client)
    _, moderator_email = make_user("moderator")
    moderator = log_in(app, moderator_email)
    page = moderator.get(f"/review/item/{waiting}").get_data(as_text=True)
    assert KIND in page and f"Deleted account {reader_id}" in page
    assert reader_email not in page and f">{display_name}<" not in page
    response = post_form(moderator, f"/review/notices/{notice_id}", {"outcome": "kept",
                                                                   "reason": "A fair account of a public meeting."})
    assert response.status_code == 302
    page = app.test_client().get(receipt).get_data(as_text=True)
    assert "<strong>kept</strong>" in page and "A fair account of a public meeting." in page
