"""Statements of reasons (DSA Art. 17): every rejection, hiding and removal goes through issue()."""
from collections import Counter
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, exists, select

from moderation.extensions import db
from moderation.legal import mails
from moderation.legal.models import Reversal, Statement
from moderation.models import Report, Review

APPEAL_DAYS = 183  # six months (Art. 20(1)): an author can appeal a statement this long after it was issued
REDRESS = ("You can appeal this decision within six months from My comments: a moderator who did not take it "
           "will review it. You may also turn to a certified out-of-court dispute settlement body (DSA Art. 21) "
           "or to the courts.")
APPEAL_REDRESS = ("This is the outcome of your appeal. You may still turn to a certified out-of-court dispute "
                  "settlement body (DSA Art. 21) or to the courts.")


def redress_text(source):
    """How to seek redress, with the newsroom's own note (its dispute body, its contact point) when configured."""
    note = current_app.config.get("LEGAL_REDRESS_NOTE", "")
    return " ".join(part for part in (APPEAL_REDRESS if source == "appeal" else REDRESS, note) if part)


def issue(comment, action, rule, facts, automated, source):
    """Store one statement for a comment's author (no commit); it can never be changed afterwards.

    A Core INSERT (operations.insert_loaded): a machine rejection issues one on the path of every post."""
    from moderation.operations import insert_loaded  # moderation.operations imports this module

    return insert_loaded(Statement, comment_id=comment.id, author_id=comment.author_id, action=action,
                         rule=rule or "other", facts=facts, automated=automated, source=source,
                         redress=redress_text(source))


def after_verdict(comment, verdict):
    """The machine's decision: a rejection gets a statement with the rules, scores, thresholds and marked words, and
    its author the statement by mail."""
    if comment.status != "rejected":
        return None
    rules = verdict.rejecting_rules or list(verdict.broken_rules or [])
    facts = {
        "rules": rules,
        "scores": {rule: round(verdict.scores.get(rule, 0.0), 3) for rule in rules},
        "thresholds": {rule: (verdict.thresholds or {}).get(rule, {}).get("reject") for rule in rules},
        "reasons": {rule: verdict.rule_reasons.get(rule, []) for rule in rules},
        "marked": [comment.text[start:end] for start, end in verdict.rejecting_spans][:20],
        "model_version": verdict.model_version,
    }
    statement = issue(comment, "rejected", rules[0] if rules else "other", facts, True, "machine")
    mails.statement_issued(statement, comment)
    return statement


def after_review(comment, review, source="moderator", extra=None, was_restricted=False):
    """A moderator's rejection (one by one, in bulk, on a ban, through the API, or on a notice) gets a statement; an
    approval of a comment readers could not see reverses the statement that stood (`source` "appeal" on appeal)."""
    if review.action == "approve":
        standing_one = standing(comment.id) if was_restricted else None
        if standing_one is not None:
            reverse(standing_one, "appeal" if source == "appeal" else "moderator", review.moderator_id, review.id,
                    (extra or {}).get("appeal_id"))
            if source != "appeal":  # an appeal's outcome has its own mail
                mails.statement_reversed(standing_one, comment)
        return None
    facts = {"reason": review.reason, "note": review.note, "review_id": review.id, **(extra or {})}
    action = "removed" if source == "notice" else "rejected"
    statement = issue(comment, action, "illegal" if source == "notice" else review.reason, facts, False, source)
    if review.previous_status != "review":  # a comment waiting for review is told by the decision mail instead
        mails.statement_issued(statement, comment)
    return statement


def after_undo(comment, review, moderator):
    """A moderator took back a decision: a rejection's statement is reversed ("undo"); an approval that had
    reversed one is itself gone, so that statement stands again."""
    if review.action == "approve":
        db.session.execute(delete(Reversal).where(Reversal.review_id == review.id)
                           .execution_options(synchronize_session=False))
        return None
    statement = standing(comment.id)
    if statement is not None and (statement.facts or {}).get("review_id") == review.id:
        return reverse(statement, "undo", moderator.id)
    return None


def reverse(statement, cause, moderator_id=None, review_id=None, appeal_id=None):
    """Record that a statement's decision no longer stands (flush only); the statement is not touched."""
    reversal = Reversal(statement_id=statement.id, comment_id=statement.comment_id, cause=cause,
                        moderator_id=moderator_id, review_id=review_id, appeal_id=appeal_id)
    db.session.add(reversal)
    db.session.flush()
    return reversal


def after_edit(comment):
    """The author replaced the text of a comment readers' reports had hidden: the hiding stood on the earlier text,
    so it is withdrawn (the new text is judged again and may get a statement of its own)."""
    statement = standing(comment.id)
    if statement is not None and statement.action == "hidden":
        reverse(statement, "edited")


def reversals_of(comment_id):
    """{statement id: its reversal} for a comment."""
    return {r.statement_id: r for r in db.session.scalars(select(Reversal).where(Reversal.comment_id == comment_id))}


def after_hiding(comment, threshold):
    """Readers' reports hid a comment automatically, once the weight of the open ones reached the threshold."""
    reports = db.session.scalars(select(Report).where(Report.comment_id == comment.id, Report.outcome.is_(None))).all()
    reasons = Counter(report.reason for report in reports)
    facts = {"reports": len(reports), "weight": round(sum(r.weight for r in reports), 2), "threshold": threshold,
             "reasons": dict(reasons)}
    statement = issue(comment, "hidden", reasons.most_common(1)[0][0] if reasons else "other", facts, True, "reports")
    mails.statement_issued(statement, comment)
    return statement


def of_comment(comment_id):
    """A comment's statements, oldest first."""
    return db.session.scalars(select(Statement).where(Statement.comment_id == comment_id)
                              .order_by(Statement.id)).all()


def latest(comment_id):
    """The newest statement on a comment, or None."""
    return db.session.scalar(select(Statement).where(Statement.comment_id == comment_id)
                             .order_by(Statement.id.desc()).limit(1))


def standing(comment_id):
    """The newest statement on a comment whose decision was not reversed, or None."""
    reversed_ = exists().where(Reversal.statement_id == Statement.id)
    return db.session.scalar(select(Statement).where(Statement.comment_id == comment_id, ~reversed_)
                             .order_by(Statement.id.desc()).limit(1))


def decider_id(statement):
    """The moderator who took the decision a statement explains (None when the machine or reports did)."""
    review_id = (statement.facts or {}).get("review_id")
    return db.session.scalar(select(Review.moderator_id).where(Review.id == review_id)) if review_id else None


def appeal_deadline(statement):
    """The last moment an appeal against this statement is accepted."""
    from moderation.operations import as_utc

    return as_utc(statement.issued_at) + timedelta(days=APPEAL_DAYS)
