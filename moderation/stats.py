"""The moderation figures: queue size over time, time to decision, decisions per moderator,
agreement with the classifiers per rule, and the miss rate on the audit sample."""
import statistics
from datetime import timedelta

from flask import Blueprint, render_template, request
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import aliased

from classifiers import RULES
from moderation.auth import role_required
from moderation.extensions import db
from moderation.forms import parse_id
from moderation.legal import appeals
from moderation.models import Comment, Review, User, Verdict, utcnow
from moderation.operations import as_utc
from moderation.pipeline import RULE_TEXT

bp = Blueprint("stats", __name__)


def _reviewed_queue(since):
    """(entered, first decision or None) for every comment that waited in the review queue lately."""
    first_review = (
        select(Review.comment_id, func.min(Review.created_at).label("decided"))
        .group_by(Review.comment_id)
        .subquery()
    )
    sent = or_(
        Comment.status == "review",
        exists().where(Verdict.comment_id == Comment.id, Verdict.decision == "review"),
        exists().where(Review.comment_id == Comment.id, Review.previous_status == "review"),
    )
    rows = db.session.execute(
        select(Comment.created_at, first_review.c.decided)
        .outerjoin(first_review, first_review.c.comment_id == Comment.id)
        .where(sent, Comment.created_at >= since - timedelta(days=30))
    ).all()
    return [(as_utc(entered), as_utc(decided)) for entered, decided in rows]


def queue_over_time(rows, days, now):
    """(day label, comments waiting at the end of that day) for each of the last days."""
    points = []
    for back in range(days - 1, -1, -1):
        end = min(now, (now - timedelta(days=back)).replace(hour=23, minute=59, second=59))
        waiting = sum(1 for entered, decided in rows if entered <= end and (decided is None or decided > end))
        points.append((end.strftime("%d %b"), waiting))
    return points


def time_to_decision(rows, days, now):
    """(day label, median hours from comment to first decision) for decisions made that day."""
    points = []
    for back in range(days - 1, -1, -1):
        day = (now - timedelta(days=back)).date()
        waits = [(d - e).total_seconds() / 3600 for e, d in rows if d is not None and d.date() == day]
        points.append((day.strftime("%d %b"), round(statistics.median(waits), 2) if waits else 0))
    return points


def decisions_per_moderator(since):
    return db.session.execute(
        select(User.display_name, func.count(Review.id))
        .join(Review, Review.moderator_id == User.id)
        .where(Review.created_at >= since)
        .group_by(User.display_name)
        .order_by(func.count(Review.id).desc())
    ).all()


def agreement_per_rule(since):
    """Per rule: share of reviewed comments where moderator and classifier agree it broke the rule."""
    reviews = db.session.scalars(select(Review).where(Review.created_at >= since)).all()
    verdicts = {}
    if reviews:
        for verdict in db.session.scalars(
            select(Verdict).where(Verdict.comment_id.in_({r.comment_id for r in reviews})).order_by(Verdict.id)
        ):
            verdicts[verdict.comment_id] = verdict  # the latest wins
    result = []
    for rule in RULES:
        pairs = [
            (rule in (verdicts[r.comment_id].broken_rules or []), r.action == "reject" and r.reason == rule)
            for r in reviews
            if r.comment_id in verdicts and not verdicts[r.comment_id].error
        ]
        agree = sum(1 for machine, human in pairs if machine == human)
        result.append((RULE_TEXT[rule].removeprefix("Comments ").rstrip("."), round(100 * agree / len(pairs)) if pairs else 0, len(pairs)))
    return result


def audit_outcomes():
    """On the audit sample: automatic publishes moderators rejected (misses), automatic rejections they approved."""
    later = aliased(Verdict)
    latest_verdict = select(func.max(later.id)).where(later.comment_id == Comment.id).scalar_subquery()
    rows = db.session.execute(
        select(Verdict.decision, Review.action)
        .join(Comment, Comment.id == Verdict.comment_id)
        .join(Review, Review.comment_id == Comment.id)
        .where(Comment.audit_sample, Verdict.id == latest_verdict, Review.previous_status != "review")
    ).all()
    published = [action for decision, action in rows if decision == "publish"]
    rejected = [action for decision, action in rows if decision == "reject"]
    missed = sum(1 for action in published if action == "reject")
    overturned = sum(1 for action in rejected if action == "approve")
    return {
        "audited_published": len(published),
        "missed": missed,
        "miss_rate": round(100 * missed / len(published), 1) if published else 0,
        "audited_rejected": len(rejected),
        "overturned": overturned,
        "overturn_rate": round(100 * overturned / len(rejected), 1) if rejected else 0,
    }


@bp.get("/stats")
@role_required("moderator")
def page():
    days = min(parse_id(request.args.get("days"), 14), 90)
    now = utcnow()
    since = now - timedelta(days=days)
    rows = _reviewed_queue(since)
    return render_template(
        "review/stats.html",
        days=days,
        queue=queue_over_time(rows, days, now),
        waits=time_to_decision(rows, days, now),
        per_moderator=decisions_per_moderator(since),
        agreement=agreement_per_rule(since),
        audit=audit_outcomes(),
        appeals=appeals.figures(since),
    )
