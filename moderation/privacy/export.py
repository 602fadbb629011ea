"""Everything held about a reader, as one JSON-ready dict (GDPR Art. 15 and 20): account, comments with their
texts and decisions, statements of reasons, appeals, notices and reports made, notification preferences and the
reader's own actions in the audit log."""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from moderation.extensions import db
from moderation.legal.models import Appeal, Notice, Reversal, Statement
from moderation.models import AuditEvent, Comment, Report, utcnow


def _iso(moment):
    return moment.isoformat() if moment else None


def _account(user):
    return {"id": user.id, "email": user.email, "display_name": user.display_name, "role": user.role,
            "created_at": _iso(user.created_at), "standing": user.standing,
            "suspended_until": _iso(user.suspended_until), "email_confirmed_at": _iso(user.email_verified_at),
            "contact_email": user.contact_email, "site": user.site_id and _site_slug(user),
            "site_user_id": user.external_id, "deleted_at": _iso(user.deleted_at)}


def _site_slug(user):
    from moderation.models import Site

    site = db.session.get(Site, user.site_id)
    return site.slug if site else None


def _verdict(verdict):
    """The machine's decision as the author may see it: outcome, the rules it rejected for, marked words, scores."""
    return {"at": _iso(verdict.created_at), "decision": verdict.decision, "version": verdict.model_version,
            "rejecting_rules": verdict.rejecting_rules, "reasons": verdict.reasons, "scores": verdict.scores,
            "marked_spans": verdict.spans, "language": verdict.language,
            "classifier_failed": verdict.error is not None}


def _comment(comment, edits):
    # Moderators are named by nobody here: their identity is their own data, and the decision is the service's.
    return {"id": comment.id, "story": {"title": comment.story.title, "url": comment.story.url or None},
            "parent_id": comment.parent_id, "text": comment.text, "status": comment.status,
            "created_at": _iso(comment.created_at), "edited_at": _iso(comment.edited_at),
            "deleted_at": _iso(comment.deleted_at), "text_erased_at": _iso(comment.text_removed_at),
            "hidden": comment.hidden, "featured": comment.featured,
            "earlier_texts": [{"replaced_at": _iso(e.created_at), "text": (e.before or {}).get("text")}
                              for e in edits.get(comment.id, [])],
            "automated_decisions": [_verdict(v) for v in comment.verdicts],
            "moderator_decisions": [{"at": _iso(r.created_at), "action": r.action, "reason": r.reason}
                                    for r in comment.reviews]}


def _reversal(reversal):
    """When and how a statement's decision stopped standing, or None while it stands."""
    return {"at": _iso(reversal.reversed_at), "cause": reversal.cause} if reversal else None


def reader_data(user):
    """The whole download for one reader."""
    comments = db.session.scalars(
        select(Comment).where(Comment.author_id == user.id).order_by(Comment.id)
        .options(selectinload(Comment.verdicts), selectinload(Comment.reviews), selectinload(Comment.story))).all()
    own_actions = db.session.scalars(select(AuditEvent).where(AuditEvent.actor_id == user.id)
                                     .order_by(AuditEvent.id)).all()
    edits = {}
    for event in own_actions:
        if event.action == "edit" and event.target_type == "comment":
            edits.setdefault(event.target_id, []).append(event)
    reports = db.session.scalars(select(Report).where(Report.reporter_id == user.id).order_by(Report.id)).all()
    statements = db.session.scalars(select(Statement).where(Statement.author_id == user.id)
                                    .order_by(Statement.id)).all()
    reversals = {r.statement_id: r for r in db.session.scalars(
        select(Reversal).where(Reversal.statement_id.in_([s.id for s in statements])))}
    appeals = db.session.scalars(select(Appeal).where(Appeal.author_id == user.id).order_by(Appeal.id)).all()
    notices = db.session.scalars(select(Notice).where(Notice.sender_id == user.id).order_by(Notice.id)).all()
    return {
        "exported_at": _iso(utcnow()),
        "account": _account(user),
        "notification_preferences": {"replies": user.notify_replies, "decisions": user.notify_decisions},
        "comments": [_comment(comment, edits) for comment in comments],
        "reports_made": [{"comment_id": r.comment_id, "reason": r.reason, "at": _iso(r.created_at),
                          "outcome": r.outcome} for r in reports],
        "statements_of_reasons": [{"id": s.uid, "comment_id": s.comment_id, "action": s.action, "rule": s.rule,
                                   "facts": s.facts, "automated": s.automated, "source": s.source,
                                   "issued_at": _iso(s.issued_at), "redress": s.redress,
                                   "reversed": _reversal(reversals.get(s.id))} for s in statements],
        "appeals": [{"comment_id": a.comment_id, "statement": a.statement.uid, "explanation": a.explanation,
                     "status": a.status, "created_at": _iso(a.created_at), "decided_at": _iso(a.decided_at),
                     "decision_reason": a.decision_reason} for a in appeals],
        "notices_sent": [{"id": n.uid, "comment_id": n.comment_id, "category": n.category,
                          "explanation": n.explanation, "email": n.email, "status": n.status,
                          "created_at": _iso(n.created_at), "decided_at": _iso(n.decided_at),
                          "decision_reason": n.decision_reason} for n in notices],
        "actions": [{"at": _iso(e.created_at), "action": e.action, "target": f"{e.target_type}:{e.target_id}"}
                    for e in own_actions],
    }
