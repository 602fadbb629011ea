"""Notices of illegal content (DSA Art. 16): anyone sends one, a moderator removes the comment or keeps it."""
from sqlalchemy import select, update

from moderation.extensions import db
from moderation.legal import mails
from moderation.legal.models import Notice
from moderation.models import Comment, utcnow
from moderation.operations import OperationError, record_audit, review_comment

# The kinds of illegality a sender chooses from (the law differs by country; "other" lets them name it).
CATEGORIES = {
    "hate": "Illegal hate speech or incitement to hatred",
    "violence": "Threats or incitement to violence",
    "terrorism": "Terrorist content",
    "defamation": "Defamation or unlawful insult",
    "privacy": "Unlawful disclosure of someone's personal data",
    "child_abuse": "Child sexual abuse material",
    "intellectual_property": "Copyright or other intellectual property infringement",
    "fraud": "Fraud or a scam",
    "other": "Other illegal content (name the law in the explanation)",
}
MAX_EXPLANATION = 4000
MAX_REASON = 2000
OUTCOMES = ("removed", "kept")


def noticeable(comment):
    """Whether a notice can be sent about this comment: it exists, is not deleted and readers can see it."""
    return comment is not None and comment.deleted_at is None and comment.status == "published" and not comment.hidden


def file_notice(comment, category, explanation, email, sender=None):
    """Store an open notice and mail the sender its receipt (flush only; the mail leaves after the commit)."""
    if not noticeable(comment):
        raise OperationError("This comment is not shown to readers, so there is nothing to send a notice about.")
    if category not in CATEGORIES:
        raise OperationError("Choose the kind of illegal content.")
    notice = Notice(comment_id=comment.id, category=category, explanation=explanation.strip(),
                    email=email.strip(), sender_id=sender.id if sender else None)
    db.session.add(notice)
    db.session.flush()
    mails.notice_received(notice)
    return notice


def decide_notice(notice, moderator, outcome, reason):
    """Remove the comment (a statement of reasons goes to its author) or keep it; every open notice on the same
    comment gets the same decision, and each sender is told it with its reason."""
    if outcome not in OUTCOMES:
        raise OperationError("Choose whether the comment is removed or kept.")
    reason = (reason or "").strip()
    if not 5 <= len(reason) <= MAX_REASON:
        raise OperationError(f"Give the sender the reason for the decision (5 to {MAX_REASON} characters).")
    comment = db.session.get(Comment, notice.comment_id)
    if comment.author_id == moderator.id:
        raise OperationError("You cannot decide a notice about your own comment; another moderator will.")
    now = utcnow()
    same = select(Notice.id).where(Notice.comment_id == comment.id, Notice.status == "open")
    ids = db.session.scalars(same).all()
    if notice.id not in ids:
        raise OperationError("This notice was already decided by another moderator.")
    db.session.execute(
        update(Notice).where(Notice.id.in_(ids), Notice.status == "open")
        .values(status=outcome, decided_at=now, decided_by_id=moderator.id, decision_reason=reason)
        .execution_options(synchronize_session=False)
    )
    decided = db.session.scalars(select(Notice).where(Notice.id.in_(ids)).execution_options(populate_existing=True)).all()
    if outcome == "removed" and comment.deleted_at is None and comment.status != "rejected":
        facts = {"notices": [n.uid for n in decided], "category": notice.category,
                 "category_text": CATEGORIES[notice.category], "reason": reason}
        review_comment(comment.id, moderator, "reject", "other", note=f"Notice {notice.uid}: {reason}"[:1000],
                       revision=comment.revision, source="notice", facts=facts)
    record_audit(moderator, "notice", "comment", comment.id, {"notices": [n.uid for n in decided], "status": "open"},
                 {"status": outcome}, reason)
    for each in decided:
        mails.notice_decided(each)
    return decided


def open_notices():
    """Open notices, oldest first (the queue)."""
    return db.session.scalars(select(Notice).where(Notice.status == "open").order_by(Notice.created_at, Notice.id)).all()


def recent_decisions(limit=20):
    return db.session.scalars(select(Notice).where(Notice.status != "open")
                              .order_by(Notice.decided_at.desc()).limit(limit)).all()
