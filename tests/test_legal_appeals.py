"""Appeals (DSA Art. 20): the author appeals a statement, another moderator decides, the author hears why."""
from sqlalchemy import select

from moderation.extensions import db
from moderation.legal.models import Appeal, Reversal, Statement
from moderation.models import Comment, Review, User
from moderation.operations import review_comment, training_examples
from tests.conftest import build_app, mail_config, post_form

import pytest
from markupsafe import escape

TEXT = "The new mayor has no idea what the people on Mill Street actually need."
WHY = "I criticised the mayor's policy, not the mayor as a person; that is fair comment."


@pytest.fixture
def app(trained_instance, tmp_path, smtp_server):
    yield from build_app(*trained_instance, tmp_path, mail_config(smtp_server))


def rejected_by(app, moderator_id, comment_id, reason="personal_attack"):
    with app.app_context():
        review_comment(comment_id, db.session.get(User, moderator_id), "reject", reason, "Attacks the mayor.")
        db.session.commit()
        return db.session.scalar(select(Statement.uid).where(Statement.comment_id == comment_id))


def test_author_sees_the_statement_appeals_and_another_moderator_reverses(app, smtp_server, reader, make_comment):
    author_id, author_email, author = reader()
    first_id, _, first = reader(role="moderator")
    _, _, second = reader(role="moderator")
    comment_id = make_comment(TEXT, author_id=author_id)
    uid = rejected_by(app, first_id, comment_id)

    # The decision mail carries the statement: its id, that a person decided, the redress and the appeal link.
    [decision] = smtp_server.to(author_email)
    text = decision.get_content()
    assert uid in text and "by a person" in text and "out-of-court dispute settlement" in text
    assert f"http://news.example/legal/appeals/{uid}" in text

    page = author.get(f"/my/comments").get_data(as_text=True)
    assert f"Statement of reasons <span class=\"uid\">{uid}</span>" in page and "a person decided" in page
    assert "Attacks the mayor." in page and f'href="/legal/appeals/{uid}"' in page

    assert post_form(author, f"/legal/appeals/{uid}", {"explanation": "short"}).status_code == 422
    response = post_form(author, f"/legal/appeals/{uid}", {"explanation": WHY})
    assert response.status_code == 302
    assert "waiting for a moderator" in author.get("/my/comments").get_data(as_text=True)
    assert post_form(author, f"/legal/appeals/{uid}", {"explanation": WHY}).status_code == 409  # only once

    with app.app_context():
        appeal_id = db.session.scalar(select(Appeal.id))
    # The queue shows it; the moderator who decided cannot decide the appeal.
    assert f"/review/appeals/{appeal_id}" in first.get("/review/appeals").get_data(as_text=True)
    mine = first.get(f"/review/appeals/{appeal_id}").get_data(as_text=True)
    assert "You took the decision under appeal" in mine and 'name="outcome"' not in mine
    refused = post_form(first, f"/review/appeals/{appeal_id}", {"outcome": "reversed", "reason": "I was wrong."})
    assert refused.status_code == 409
    page = second.get(f"/review/appeals/{appeal_id}").get_data(as_text=True)
    assert TEXT in page and str(escape(WHY)) in page and uid in page
    response = post_form(second, f"/review/appeals/{appeal_id}",
                         {"outcome": "reversed", "reason": "Fair criticism of a public figure's policy."})
    assert response.status_code == 302

    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        appeal = db.session.get(Appeal, appeal_id)
        assert comment.status == "published" and appeal.status == "reversed" and appeal.decided_by_id != first_id
        # The training label follows the reversal: the comment's latest decision is now an approval.
        assert db.session.scalars(select(Review.action).where(Review.comment_id == comment_id)
                                  .order_by(Review.id)).all() == ["reject", "approve"]
        assert any(text == TEXT and not any(labels.values()) for text, labels in training_examples())
        # The statement stays as issued; a reversal records that its decision no longer stands, and why.
        reversal = db.session.scalar(select(Reversal))
        assert (reversal.statement.uid, reversal.cause, reversal.appeal_id) == (uid, "appeal", appeal_id)
    outcome = smtp_server.to(author_email)[-1]
    assert outcome["Subject"] == "Your appeal: your comment is published"
    assert "Fair criticism of a public figure's policy." in outcome.get_content()
    assert "reversed" in author.get("/my/comments").get_data(as_text=True)


def test_an_upheld_machine_rejection_gets_a_human_statement_and_no_second_appeal(app, smtp_server, reader,
                                                                                make_story):
    author_id, author_email, author = reader()
    _, _, moderator = reader(role="moderator")
    slug = make_story()
    post_form(author, f"/stories/{slug}/comments", {"text": "You are a fucking idiot and a stupid moron, shut up."})
    with app.app_context():
        statement = db.session.scalar(select(Statement))
        uid, automated = statement.uid, statement.automated
    assert automated
    page = author.get(f"/stories/{slug}?rejected={statement.comment_id}").get_data(as_text=True)
    assert f"Statement of reasons {uid}" in page  # named in the rejection notice itself
    assert post_form(author, f"/legal/appeals/{uid}", {"explanation": "I was quoting someone else."}).status_code == 302
    with app.app_context():
        appeal_id = db.session.scalar(select(Appeal.id))
    assert post_form(moderator, f"/review/appeals/{appeal_id}", {"outcome": "upheld", "reason": "x"}).status_code == 422
    response = post_form(moderator, f"/review/appeals/{appeal_id}",
                         {"outcome": "upheld", "reason": "Insults another reader directly."})
    assert response.status_code == 302
    with app.app_context():
        outcome = db.session.scalars(select(Statement).order_by(Statement.id)).all()[-1]
        assert (outcome.source, outcome.automated, outcome.facts["original"]) == ("appeal", False, uid)
        assert db.session.get(Comment, outcome.comment_id).status == "rejected"
    mail = smtp_server.to(author_email)[-1]
    assert mail["Subject"] == "Your appeal was decided" and "Insults another reader directly." in mail.get_content()
    assert outcome.uid in mail.get_content()
    response = post_form(author, f"/legal/appeals/{outcome.uid}", {"explanation": "Please look again at it."})
    assert response.status_code == 409


def test_only_the_author_appeals_and_only_for_six_months(app, reader, make_user, make_comment):
    author_id, _, author = reader()
    _, _, stranger = reader()
    moderator_id, _ = make_user("moderator")
    uid = rejected_by(app, moderator_id, make_comment(TEXT, author_id=author_id))
    assert stranger.get(f"/legal/appeals/{uid}").status_code == 404
    assert app.test_client().get(f"/legal/appeals/{uid}").status_code == 302  # to the login page
    from datetime import timedelta

    from sqlalchemy import text

    with app.app_context():  # the statement is immutable through the ORM; age it in SQL as time would
        issued = db.session.scalar(select(Statement.issued_at)) - timedelta(days=190)
        db.session.execute(text("UPDATE statements SET issued_at = :t"), {"t": issued})
        db.session.commit()
    page = author.get(f"/legal/appeals/{uid}").get_data(as_text=True)
    assert "six months" in page and 'name="explanation"' not in page
    assert post_form(author, f"/legal/appeals/{uid}", {"explanation": WHY}).status_code == 409


def test_appeal_counts_and_reversal_rates_per_rule_on_the_stats_page(app, reader, make_user, make_comment):
    moderator_id, _, moderator = reader(role="moderator")
    other_id, _ = make_user("moderator")
    from moderation.legal.appeals import decide_appeal, file_appeal

    for n, outcome in enumerate(["reversed", "upheld", None]):
        author_id, _ = make_user()
        comment_id = make_comment(f"{TEXT} Number {n}.", author_id=author_id)
        rejected_by(app, other_id, comment_id, "abuse")
        with app.app_context():
            statement = db.session.scalar(select(Statement).where(Statement.comment_id == comment_id))
            appeal = file_appeal(statement, db.session.get(User, author_id), WHY)
            if outcome:
                decide_appeal(appeal, db.session.get(User, moderator_id), outcome, "Checked against the rules.")
            db.session.commit()
    page = moderator.get("/review/stats").get_data(as_text=True)
    assert "<tr><td>Abuse</td><td>3</td><td>2</td><td>1</td><td>50.0%</td></tr>" in page
