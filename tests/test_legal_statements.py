"""Statements of reasons (DSA Art. 17): every rejection and hiding stores one; none can be changed afterwards."""
import pytest
from sqlalchemy import select, update

from moderation.extensions import db
from moderation.legal.models import Reversal, Statement, StatementImmutable
from moderation.models import Comment, Review, User, utcnow
from moderation.operations import REPORT_HIDE_WEIGHT, report_comment, review_comment, set_standing
from moderation.transparency.report import build_report
from tests.conftest import PASSWORD, post_form

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


def test_the_newsrooms_dispute_body_is_added_to_the_redress(app, client, login, make_user, make_comment):
    app.config["LEGAL_REDRESS_NOTE"] = "Out-of-court disputes: the Example Press Council, https://adr.example."
    moderator_id, _ = make_user("moderator")
    author_id, _ = login()
    comment_id = make_comment(CIVIL, author_id=author_id)
    with app.app_context():
        review_comment(comment_id, db.session.get(User, moderator_id), "reject", "abuse")
        db.session.commit()
        redress = db.session.scalar(select(Statement.redress))
    assert redress.startswith("You can appeal this decision within six months")
    assert redress.endswith("the Example Press Council, https://adr.example.")
    assert "Example Press Council" in client.get("/my/comments").get_data(as_text=True)


def reversals(app):
    with app.app_context():
        return [(r.statement.uid, r.cause) for r in db.session.scalars(select(Reversal).order_by(Reversal.id))]


def test_undo_and_a_later_approval_reverse_the_statement_which_stays_as_issued(app, client, login, make_user,
                                                                              make_comment):
    author_id, _ = login()
    moderator_id, moderator_email = make_user("moderator")
    moderator = app.test_client()
    post_form(moderator, "/auth/login", {"email": moderator_email, "password": PASSWORD})
    waiting = make_comment(CIVIL, author_id=author_id)
    post_form(moderator, f"/review/{waiting}", {"action": "reject", "reason": "abuse", "note": "Too rude."})
    [(undone, *_)] = statements_of(app, waiting)
    with app.app_context():
        review_id = db.session.scalar(select(Review.id).where(Review.comment_id == waiting))
    assert post_form(moderator, f"/review/undo/{review_id}", {}).status_code == 302
    assert reversals(app) == [(undone, "undo")]
    page = client.get("/my/comments").get_data(as_text=True)
    assert f"{undone}</span>" in page and "<strong>withdrawn</strong>" in page
    assert "the moderator who took it undid it" in page and "Too rude." not in page
    assert f'href="/legal/appeals/{undone}"' not in page  # nothing left to appeal

    # A machine rejection published later by a moderator is reversed; undoing that approval makes it stand again.
    rejected = make_comment(ABUSIVE, author_id=author_id, status=None)
    [(machine, *_)] = statements_of(app, rejected)
    with app.app_context():
        revision = db.session.get(Comment, rejected).revision
    post_form(moderator, f"/review/{rejected}", {"action": "approve", "revision": revision})
    assert reversals(app) == [(undone, "undo"), (machine, "moderator")]
    assert "a moderator reversed it" in client.get("/my/comments").get_data(as_text=True)
    with app.app_context():
        approval = db.session.scalar(select(Review.id).where(Review.comment_id == rejected))
    post_form(moderator, f"/review/undo/{approval}", {})
    assert reversals(app) == [(undone, "undo")]
    assert f'href="/legal/appeals/{machine}"' in client.get("/my/comments").get_data(as_text=True)
    with app.app_context():  # the statements themselves were never changed; the report counts the reversal
        assert db.session.scalar(select(Statement.facts).where(Statement.uid == undone))["note"] == "Too rude."
        today = utcnow().date()
        report = build_report(today, today)
    assert report["reversals"] == {"total": 1, "of_automated_decisions": 0,
                                   "by_cause": {"undo": 1, "appeal": 0, "moderator": 0, "edited": 0}}
    assert report["statements_of_reasons"]["issued"] == 2


def test_editing_a_hidden_comment_withdraws_the_hiding(app, client, login, make_user, make_comment):
    """The hiding stood on the earlier text: once the author replaces it and the new text is published, My comments
    and the transparency report say the hiding was withdrawn, and nothing is left to appeal."""
    author_id, _ = login()
    comment_id = make_comment(CIVIL, author_id=author_id, status="published")
    reporters = [make_user()[0] for _ in range(int(REPORT_HIDE_WEIGHT))]
    with app.app_context():
        for reporter_id in reporters:
            report_comment(db.session.get(Comment, comment_id), db.session.get(User, reporter_id), "abuse")
        db.session.commit()
        slug = db.session.get(Comment, comment_id).story.slug
    [(hiding, action, *_)] = statements_of(app, comment_id)
    assert action == "hidden"
    response = post_form(client, f"/stories/{slug}/comments/{comment_id}/edit",
                         {"text": "The council should listen to the people who live on Mill Street and Elm Road."})
    assert response.status_code == 302
    with app.app_context():
        edited = db.session.get(Comment, comment_id)
        assert edited.status == "published" and not edited.hidden
        today = utcnow().date()
        assert build_report(today, today)["reversals"]["by_cause"]["edited"] == 1
    assert reversals(app) == [(hiding, "edited")]
    page = client.get("/my/comments").get_data(as_text=True)
    assert "you edited the comment, and the new text was judged again" in page
    assert f'href="/legal/appeals/{hiding}"' not in page
