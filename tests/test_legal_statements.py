"""Statements of reasons (DSA Art. 17): every rejection and hiding stores one; none can be changed afterwards."""
import pytest
from sqlalchemy import select, update

from moderation.extensions import db
from moderation.legal.models import Statement, StatementImmutable
from moderation.models import Comment, User
from moderation.operations import REPORT_HIDE_WEIGHT, report_comment, review_comment, set_standing
from tests.conftest import post_form

ABUSIVE = "You are a fucking idiot and a stupid moron, shut up."
CIVIL = "The council should listen to the people who live on Mill Street."


def statements_of(app, comment_id):
    with app.app_context():
        return [(s.uid, s.action, s.rule, s.source, s.automated, s.facts, s.author_id)
                for s in db.session.scalars(select(Statement).where(Statement.comment_id == comment_id)
                                            .order_by(Statement.id))]


def test_a_machine_rejection_states_rule_score_threshold_and_marked_words(app, client, login, make_story):
    slug = make_story()
    author_id, _ = login()
    response = post_form(client, f"/stories/{slug}/comments", {"text": ABUSIVE})
    assert "rejected=" in response.headers["Location"]
    with app.app_context():
        comment_id = db.session.scalar(select(Comment.id).where(Comment.text == ABUSIVE))
    [(uid, action, rule, source, automated, facts, owner)] = statements_of(app, comment_id)
    assert uid.startswith("SOR-") and len(uid) == 16
    assert (action, source, automated, owner) == ("rejected", "machine", True, author_id)
    assert rule in facts["rules"] and facts["scores"][rule] >= facts["thresholds"][rule]
    assert facts["marked"] and all(word in ABUSIVE for word in facts["marked"])


def test_a_published_comment_gets_no_statement(app, make_comment):
    assert statements_of(app, make_comment(CIVIL, status=None)) == []


def test_moderator_rejections_one_by_one_and_on_a_ban_each_get_a_statement(app, make_user, make_comment):
    moderator_id, _ = make_user("moderator")
    author_id, _ = make_user()
    first = make_comment(CIVIL, author_id=author_id)
    waiting = make_comment("Another comment that waits for a moderator today.", author_id=author_id)
    with app.app_context():
        moderator = db.session.get(User, moderator_id)
        review_comment(first, moderator, "reject", "personal_attack", "Names a neighbour.")
        set_standing(db.session.get(User, author_id), moderator, "banned", reject_waiting=True, reject_reason="spam")
        db.session.commit()
    [(_, action, rule, source, automated, facts, _)] = statements_of(app, first)
    assert (action, rule, source, automated) == ("rejected", "personal_attack", "moderator", False)
    assert facts["note"] == "Names a neighbour." and facts["review_id"]
    assert [(s[1], s[2], s[3]) for s in statements_of(app, waiting)] == [("rejected", "spam", "moderator")]


def test_an_approval_issues_nothing(app, make_user, make_comment):
    moderator_id, _ = make_user("moderator")
    comment_id = make_comment(CIVIL)
    with app.app_context():
        review_comment(comment_id, db.session.get(User, moderator_id), "approve")
        db.session.commit()
    assert statements_of(app, comment_id) == []


def test_reports_that_hide_a_comment_issue_one_automated_statement(app, make_user, make_comment):
    comment_id = make_comment(CIVIL, status="published")
    reporters = [make_user()[0] for _ in range(int(REPORT_HIDE_WEIGHT) + 1)]
    with app.app_context():
        for reporter_id in reporters:  # the last report, after it is hidden, issues nothing more
            report_comment(db.session.get(Comment, comment_id), db.session.get(User, reporter_id), "abuse")
        db.session.commit()
        assert db.session.get(Comment, comment_id).hidden
    [(_, action, rule, source, automated, facts, _)] = statements_of(app, comment_id)
    assert (action, rule, source, automated) == ("hidden", "abuse", "reports", True)
    assert facts["reports"] == 3 and facts["threshold"] == REPORT_HIDE_WEIGHT


def test_a_statement_cannot_be_changed_once_issued(app, make_user, make_comment):
    moderator_id, _ = make_user("moderator")
    comment_id = make_comment(CIVIL)
    with app.app_context():
        review_comment(comment_id, db.session.get(User, moderator_id), "reject", "abuse")
        db.session.commit()
        statement = db.session.scalar(select(Statement))
        statement.rule = "other"
        with pytest.raises(StatementImmutable):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(StatementImmutable):
            db.session.execute(update(Statement).values(rule="other"))
        db.session.rollback()
        assert db.session.scalar(select(Statement.rule)) == "abuse"
