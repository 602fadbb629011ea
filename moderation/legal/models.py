"""Statements of reasons (Art. 17), appeals (Art. 20) and notices of illegal content (Art. 16)."""
import secrets
from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from moderation.extensions import db
from moderation.models import Comment, User, utcnow

STATEMENT_ACTIONS = ("rejected", "hidden", "removed")
STATEMENT_SOURCES = ("machine", "moderator", "reports", "notice", "appeal")
APPEAL_STATUSES = ("open", "upheld", "reversed")
NOTICE_STATUSES = ("open", "removed", "kept")
# "edited": the author replaced the text of a hidden comment, so the hiding no longer applies to what readers see.
REVERSAL_CAUSES = ("undo", "appeal", "moderator", "edited")


def new_uid(prefix):
    """A public id that cannot be guessed: the prefix and 12 hex digits."""
    return f"{prefix}-{secrets.token_hex(6).upper()}"


class Statement(db.Model):
    """Why a comment was rejected, hidden or removed, as told to its author; never changed once issued."""

    __tablename__ = "statements"
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(20), unique=True, default=lambda: new_uid("SOR"))
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    # The house-rule key the decision names (a classifier rule, "spam", "other", or "illegal" for a notice).
    rule: Mapped[str] = mapped_column(String(40), index=True)
    facts: Mapped[dict] = mapped_column(JSON, default=dict)
    automated: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(20), index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    redress: Mapped[str] = mapped_column(Text, default="")

    comment: Mapped[Comment] = relationship()


class Appeal(db.Model):
    """An author's complaint against one statement, decided by a moderator other than the one who decided."""

    __tablename__ = "appeals"
    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id"), unique=True)
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    explanation: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    decided_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[Optional[str]] = mapped_column(Text)

    comment: Mapped[Comment] = relationship()
    statement: Mapped[Statement] = relationship()
    author: Mapped[Optional[User]] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[Optional[User]] = relationship(foreign_keys=[decided_by_id])


class Notice(db.Model):
    """Anyone's notice that a comment is illegal, with an address for the answer."""

    __tablename__ = "notices"
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(20), unique=True, default=lambda: new_uid("NOT"))
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    category: Mapped[str] = mapped_column(String(40))
    explanation: Mapped[str] = mapped_column(Text)
    email: Mapped[str] = mapped_column(String(254))
    sender_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    decided_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[Optional[str]] = mapped_column(Text)

    comment: Mapped[Comment] = relationship()
    decided_by: Mapped[Optional[User]] = relationship(foreign_keys=[decided_by_id])


class Reversal(db.Model):
    """The record that the decision a statement explains no longer stands: its moderator undid it, an appeal
    reversed it, a later moderator's decision published the comment, or its author edited a hidden comment. The statement itself stays as issued."""

    __tablename__ = "reversals"
    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id"), unique=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    cause: Mapped[str] = mapped_column(String(20), index=True)
    moderator_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    # The approval that reversed it (undoing that approval removes this row); none for an undo.
    review_id: Mapped[Optional[int]] = mapped_column(ForeignKey("reviews.id"), index=True)
    appeal_id: Mapped[Optional[int]] = mapped_column(ForeignKey("appeals.id"))
    reversed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    statement: Mapped[Statement] = relationship()


class StatementImmutable(Exception):
    """Raised when code tries to change a statement after it was issued."""


@event.listens_for(Session, "before_flush")
def _refuse_changed_statements(session, _context, _instances):
    for obj in session.dirty:
        if isinstance(obj, Statement) and session.is_modified(obj, include_collections=False):
            raise StatementImmutable(f"statement {obj.uid} was issued and cannot be changed")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_statement_updates(state):
    if state.is_update and any(m.class_ is Statement for m in state.all_mappers):
        raise StatementImmutable("statements cannot be changed after they are issued")
