"""Retention: rejected comments' texts and API calls' texts are erased after the number of days admins set;
the decisions, counts and statements of reasons stay."""
from datetime import timedelta

from sqlalchemy import exists, select, update

from moderation.extensions import db
from moderation.legal.models import Appeal
from moderation.models import ApiCall, Comment, Review, Verdict, utcnow
from moderation.operations import get_setting, record_audit
from moderation.privacy.erasure import erase_texts

MAX_DAYS = 3650


def retention_days():
    """{"rejected_text_days": n, "api_text_days": n}, as set (or their defaults)."""
    return {key: int(get_setting(key)) for key in ("rejected_text_days", "api_text_days")}


def expired_rejections(cutoff):
    """Rejected comments whose text is still there, whose last decision is older than cutoff and whose author
    has no appeal open (a moderator deciding it reads the text)."""
    newer_verdict = exists().where(Verdict.comment_id == Comment.id, Verdict.created_at >= cutoff)
    newer_review = exists().where(Review.comment_id == Comment.id, Review.created_at >= cutoff)
    open_appeal = exists().where(Appeal.comment_id == Comment.id, Appeal.status == "open")
    return db.session.scalars(select(Comment.id).where(
        Comment.status == "rejected", Comment.text_removed_at.is_(None), Comment.created_at < cutoff,
        ~newer_verdict, ~newer_review, ~open_appeal)).all()


def purge_expired(now=None):
    """Erase what is past its retention, record the counts in the audit log and return them (the caller commits)."""
    now = now or utcnow()
    days = retention_days()
    comments = erase_texts(expired_rejections(now - timedelta(days=days["rejected_text_days"])), now)
    calls = db.session.execute(
        update(ApiCall).where(ApiCall.text.is_not(None),
                              ApiCall.created_at < now - timedelta(days=days["api_text_days"]))
        .values(text=None).execution_options(synchronize_session=False)).rowcount
    counts = {"rejected_comment_texts": comments, "api_call_texts": calls, **days}
    record_audit(None, "retention_purge", "setting", None, {}, counts)
    return counts
