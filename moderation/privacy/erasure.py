"""Erasing texts: a deleted account's comments (removed or anonymised, a site setting) and expired rejected texts.

Either way the decision rows (verdicts, reviews, reports) stay, so the transparency report's counts do not change,
and a comment whose text was erased or whose author deleted the account is never trained on again."""
from sqlalchemy import select, update

from moderation.extensions import db
from moderation.models import AuditEvent, Comment, Review, utcnow
from moderation.operations import get_setting

DELETION_MODES = {"anonymise": "Keep the comments, shown under \"Deleted account\"",
                  "remove": "Remove the comments and erase their texts"}
ERASED = ""  # what an erased text becomes (the column is not nullable)


def deletion_mode():
    """The site setting: what deleting an account does to its comments."""
    mode = get_setting("deleted_account_comments")
    return mode if mode in DELETION_MODES else "anonymise"


def erase_texts(comment_ids, now=None):
    """Erase these comments' texts, and the earlier texts their edits left (kept for readers, for an undo, in the
    audit log); returns how many."""
    if not comment_ids:
        return 0
    now = now or utcnow()
    ids = list(comment_ids)
    erased = 0
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        erased += db.session.execute(
            update(Comment).where(Comment.id.in_(chunk)).values(text=ERASED, published_text=None, text_removed_at=now)
            .execution_options(synchronize_session=False)).rowcount
        db.session.execute(
            update(Review).where(Review.comment_id.in_(chunk)).values(previous_published_text=None)
            .execution_options(synchronize_session=False))
        db.session.execute(
            update(AuditEvent).where(AuditEvent.action == "edit", AuditEvent.target_type == "comment",
                                     AuditEvent.target_id.in_(chunk))
            .values(before={"text": "(erased)"}, after={"text": "(erased)"}).execution_options(synchronize_session=False))
    db.session.expire_all()
    return erased


def settle_comments(user):
    """Apply the deletion setting to a deleting reader's comments; returns (mode, how many were removed)."""
    mode = deletion_mode()
    if mode != "remove":
        return mode, 0
    now = utcnow()
    ids = db.session.scalars(select(Comment.id).where(Comment.author_id == user.id)).all()
    db.session.execute(
        update(Comment).where(Comment.author_id == user.id, Comment.deleted_at.is_(None))
        .values(deleted_at=now, held_by_id=None, held_until=None, revision=Comment.revision + 1)
        .execution_options(synchronize_session=False))
    return mode, erase_texts(ids, now)
