"""The author's edit and deletion of a comment, and a moderator's feature; these flush, and the caller commits."""
from datetime import timedelta

from sqlalchemy import and_, case, update

from moderation.extensions import db
from moderation.legal import statements
from moderation.models import Comment, utcnow
from moderation.operations import OperationError, as_utc, posting_refusal, record_audit

EDIT_MINUTES = 10  # how long after posting the author may still change the text


def editable_until(comment):
    """When the author's chance to edit a comment ends."""
    return as_utc(comment.created_at) + timedelta(minutes=EDIT_MINUTES)


def can_edit(comment, user):
    """The author, within EDIT_MINUTES, of a comment not deleted, not decided against and not closed for comments."""
    return (user is not None and getattr(user, "id", None) == comment.author_id and comment.deleted_at is None
            and comment.status in ("published", "review", "pending") and comment.story.comments_open
            and utcnow() < editable_until(comment))


def edit_comment(comment, author, text):
    """Replace the text and send the comment to be judged again; the earlier text stays in the audit log.

    A published comment keeps its published text for readers (published_text) until the edit is published or a
    moderator decides; a machine rejection of the edit leaves it up. The revision moves on, so a moderator's
    decision taken on the earlier text is refused as out of date."""
    if comment.author_id != author.id:
        raise OperationError("Only its author can edit a comment.")
    refusal = posting_refusal(author)
    if refusal:
        raise OperationError(refusal)
    if not can_edit(comment, author):
        raise OperationError(f"A comment can be edited for {EDIT_MINUTES} minutes after posting; this one no longer can.")
    if text == comment.text:
        raise OperationError("The text is unchanged.")
    before = {"text": comment.text, "status": comment.status}
    if comment.hidden:
        statements.after_edit(comment)
    db.session.execute(
        update(Comment).where(Comment.id == comment.id)
        .values(text=text, status="pending", edited_at=utcnow(), revision=Comment.revision + 1, hidden=False,
                published_text=case((and_(Comment.status == "published", ~Comment.hidden), Comment.text),
                                    else_=Comment.published_text))
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(comment)
    record_audit(author, "edit", "comment", comment.id, before, {"text": text})
    return comment


def delete_comment(comment, author):
    """The author withdraws a comment: gone from the thread, or "deleted by its author" above its replies."""
    if comment.author_id != author.id:
        raise OperationError("Only its author can delete a comment.")
    if comment.deleted_at is not None:
        raise OperationError("This comment is already deleted.")
    comment.deleted_at = utcnow()
    comment.revision += 1  # a moderator's open decision on it is out of date
    comment.held_by_id = comment.held_until = None
    record_audit(author, "delete", "comment", comment.id, {"status": comment.status}, {"deleted": True})
    db.session.flush()
    return comment


def set_featured(comment, moderator, featured):
    """Feature a published top-level comment (shown first in its thread), or stop featuring it."""
    if featured and (comment.parent_id is not None or comment.status != "published" or comment.deleted_at):
        raise OperationError("Only a published top-level comment can be featured.")
    before, comment.featured = comment.featured, featured
    record_audit(moderator, "feature" if featured else "unfeature", "comment", comment.id,
                 {"featured": before}, {"featured": featured})
    db.session.flush()
    return comment
