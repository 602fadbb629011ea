"""Appeals against statements of reasons (DSA Art. 20): filed by the author, decided by another moderator."""
from datetime import timedelta

from sqlalchemy import func, select, update

from moderation.extensions import db
from moderation.legal import mails, statements
from moderation.legal.models import Appeal, Statement
from moderation.models import Comment, utcnow
from moderation.operations import OperationError, record_audit, review_comment

MAX_EXPLANATION = 2000
MAX_REASON = 2000
OUTCOMES = ("upheld", "reversed")


def restricted(comment):
    """Whether readers cannot see the comment because of a decision: rejected, or hidden by reports."""
    return comment.deleted_at is None and (comment.status == "rejected" or comment.hidden)


def refusal(statement, author):
    """Why this author may not appeal this statement now, or None."""
    if statement.author_id != author.id:
        return "Only the comment's author can appeal this decision."
    if statement.source == "appeal":
        return "This is already the outcome of an appeal; see the statement for where else to turn."
    if db.session.scalar(select(Appeal.id).where(Appeal.statement_id == statement.id)):
        return "You have already appealed this decision."
    if utcnow() > statements.appeal_deadline(statement):
        return "Appeals are possible for six months after a decision; this one is older."
    comment = db.session.get(Comment, statement.comment_id)
    standing = statements.standing(comment.id)
    if not restricted(comment) or standing is None or standing.id != statement.id:
        return "This decision no longer stands: the comment's status has changed since."
    return None


def file_appeal(statement, author, explanation):
    """Store an open appeal with the author's explanation (flush only)."""
    problem = refusal(statement, author)
    if problem:
        raise OperationError(problem)
    explanation = (explanation or "").strip()
    if not 10 <= len(explanation) <= MAX_EXPLANATION:
        raise OperationError(f"Explain in 10 to {MAX_EXPLANATION} characters why the decision is wrong.")
    appeal = Appeal(comment_id=statement.comment_id, statement_id=statement.id, author_id=author.id,
                    explanation=explanation)
    db.session.add(appeal)
    db.session.flush()
    return appeal


def decider_refusal(appeal, moderator):
    """Why this moderator may not decide this appeal, or None: never the one who decided, nor the author."""
    if moderator.id == appeal.author_id:
        return "You cannot decide an appeal about your own comment."
    if statements.decider_id(appeal.statement) == moderator.id:
        return "You took the decision under appeal; another moderator decides the appeal."
    return None


def decide_appeal(appeal, moderator, outcome, reason):
    """Uphold or reverse; a reversal publishes the comment through a moderator's approval (its training label)."""
    if outcome not in OUTCOMES:
        raise OperationError("Choose whether the decision is upheld or reversed.")
    reason = (reason or "").strip()
    if not 5 <= len(reason) <= MAX_REASON:
        raise OperationError(f"Give the author the reason for the outcome (5 to {MAX_REASON} characters).")
    problem = decider_refusal(appeal, moderator)
    if problem:
        raise OperationError(problem)
    now = utcnow()
    claimed = db.session.execute(
        update(Appeal).where(Appeal.id == appeal.id, Appeal.status == "open")
        .values(status=outcome, decided_at=now, decided_by_id=moderator.id, decision_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        raise OperationError("This appeal was already decided by another moderator.")
    db.session.refresh(appeal)
    comment, original, outcome_statement = appeal.comment, appeal.statement, None
    if outcome == "reversed" and restricted(comment):
        review_comment(comment.id, moderator, "approve", note=f"Appeal {original.uid} reversed: {reason}"[:1000],
                       revision=comment.revision, source="appeal", facts={"appeal_id": appeal.id})
    elif outcome == "upheld":
        outcome_statement = statements.issue(
            comment, original.action, original.rule,
            {"appeal_id": appeal.id, "original": original.uid, "reason": reason}, False, "appeal")
    record_audit(moderator, "appeal", "comment", comment.id, {"appeal": appeal.id, "status": "open"},
                 {"appeal": appeal.id, "status": outcome, "statement": original.uid}, reason)
    mails.appeal_decided(appeal, outcome_statement)
    return appeal


def open_appeals():
    """Open appeals, oldest first (the queue)."""
    return db.session.scalars(select(Appeal).where(Appeal.status == "open").order_by(Appeal.created_at, Appeal.id)).all()


def recent_decisions(limit=20):
    return db.session.scalars(select(Appeal).where(Appeal.status != "open")
                              .order_by(Appeal.decided_at.desc()).limit(limit)).all()


def figures(since):
    """Per rule, for appeals filed since `since`: (rule, filed, decided, reversed, reversal rate in %)."""
    rows = db.session.execute(
        select(Statement.rule, func.count(Appeal.id), func.count(Appeal.id).filter(Appeal.status != "open"),
               func.count(Appeal.id).filter(Appeal.status == "reversed"))
        .join(Statement, Statement.id == Appeal.statement_id)
        .where(Appeal.created_at >= since).group_by(Statement.rule).order_by(Statement.rule)
    ).all()
    return [(rule, filed, decided, reversed_, round(100 * reversed_ / decided, 1) if decided else 0.0)
            for rule, filed, decided, reversed_ in rows]


def age(moment, now=None):
    """How long ago, as a moderator reads it: "3 h", "2 d"."""
    from moderation.operations import as_utc

    seconds = ((now or utcnow()) - as_utc(moment)).total_seconds()
    if seconds < 3600:
        return f"{max(int(seconds // 60), 0)} min"
    return f"{int(seconds // 3600)} h" if seconds < timedelta(days=2).total_seconds() else f"{int(seconds // 86400)} d"
