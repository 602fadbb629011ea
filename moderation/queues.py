"""The moderators' queues and lists: which comments, filtered how, in what order and why."""
import math
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from moderation.extensions import db
from moderation.models import Comment, Report, Review, Story, User, utcnow
from moderation.operations import REPORT_HIDE_WEIGHT, as_utc

QUEUES = {
    "review": "Review",
    "reported": "Reported",
    "audit": "Audit",
    "published": "Published",
    "rejected": "Rejected",
}
PRIORITISED = ("review", "reported", "audit")
AGE_CHOICES = {"": "any age", "1": "last hour", "24": "last day", "168": "last week", "older": "older than a week"}
MAX_ROWS = 2000  # a queue is ranked from at most this many comments (oldest first for queues)
BUSY_STORY = 50  # comments a day that make a story's traffic count fully


@dataclass
class Item:
    """A comment in a queue, with its priority and the reasons for it."""

    comment: object
    priority: float = 0.0
    why: list = field(default_factory=list)
    report_weight: float = 0.0
    reports: list = field(default_factory=list)
    held_by: object = None  # the moderator holding it now, if any


@dataclass
class Page:
    """A slice of a ranked list, shaped like Flask-SQLAlchemy's pagination for the pager macro."""

    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self):
        return max(math.ceil(self.total / self.per_page), 1)

    has_prev = property(lambda self: self.page > 1)
    has_next = property(lambda self: self.page < self.pages)
    prev_num = property(lambda self: self.page - 1)
    next_num = property(lambda self: self.page + 1)


def clean_filters(args):
    """The filters a request asks for, bounded and stripped: story, rule, author, age, q."""
    filters = {key: (args.get(key) or "").strip()[:100] for key in ("story", "rule", "author", "age", "q")}
    if filters["age"] not in AGE_CHOICES:
        filters["age"] = ""
    return filters


def _select(queue, filters, now):
    """The SQL for a queue or list with the filters that SQL can apply."""
    query = select(Comment).options(
        selectinload(Comment.verdicts), selectinload(Comment.author), selectinload(Comment.story),
        selectinload(Comment.held_by),
    )
    open_reports = select(Report.comment_id).where(Report.outcome.is_(None))
    if queue == "review":
        query = query.where(Comment.status == "review")
    elif queue == "reported":
        query = query.where(Comment.id.in_(open_reports), Comment.status.in_(("published", "review")))
    elif queue == "audit":
        reviewed = exists().where(Review.comment_id == Comment.id)
        query = query.where(Comment.audit_sample, Comment.status.in_(("published", "rejected")), ~reviewed)
    else:
        query = query.where(Comment.status == queue)
    if queue in PRIORITISED:  # a comment its author deleted needs no decision
        query = query.where(Comment.deleted_at.is_(None))
    if filters.get("story"):
        query = query.join(Story, Story.id == Comment.story_id).where(
            or_(Story.slug == filters["story"], Story.title.ilike(f"%{filters['story']}%"))
        )
    if filters.get("author"):
        query = query.join(User, User.id == Comment.author_id).where(
            or_(User.display_name.ilike(f"%{filters['author']}%"), User.email.ilike(f"%{filters['author']}%"))
        )
    if filters.get("q"):
        query = query.where(Comment.text.ilike(f"%{filters['q']}%"))
    if filters.get("age") == "older":
        query = query.where(Comment.created_at < now - timedelta(hours=168))
    elif filters.get("age"):
        query = query.where(Comment.created_at >= now - timedelta(hours=int(filters["age"])))
    newest_first = queue not in PRIORITISED
    order = (Comment.created_at.desc(), Comment.id.desc()) if newest_first else (Comment.created_at, Comment.id)
    return query.order_by(*order).limit(MAX_ROWS)


def boundary(verdict):
    """How close the machine came to rejecting (0-1), and the rule that came closest, in words."""
    if verdict is None or verdict.error:
        return 1.0, "the machine could not decide it"
    best, words = 0.0, ""
    for rule, p in (verdict.scores or {}).items():
        limits = (verdict.thresholds or {}).get(rule)
        if not limits or p < limits["review"]:
            continue
        span = max(limits["reject"] - limits["review"], 1e-6)
        closeness = min((p - limits["review"]) / span, 1.0)
        if closeness >= best:
            best, words = closeness, f"{rule.replace('_', ' ')} {p:.2f} (review {limits['review']:.2f}, reject {limits['reject']:.2f})"
    return best, words


def rank(queue, comments, now):
    """Items in priority order (queues) or as given (lists), each with the reasons for its place."""
    ids = [c.id for c in comments]
    weights, reports = {}, {}
    if ids:
        for report in db.session.scalars(
            select(Report).where(Report.comment_id.in_(ids), Report.outcome.is_(None)).order_by(Report.id)
        ):
            weights[report.comment_id] = weights.get(report.comment_id, 0.0) + report.weight
            reports.setdefault(report.comment_id, []).append(report)
    story_ids = {c.story_id for c in comments}
    traffic = dict(
        db.session.execute(
            select(Comment.story_id, func.count(Comment.id))
            .where(Comment.story_id.in_(story_ids), Comment.created_at >= now - timedelta(days=1))
            .group_by(Comment.story_id)
        ).all()
    ) if story_ids else {}
    items = []
    for comment in comments:
        item = Item(comment, report_weight=weights.get(comment.id, 0.0), reports=reports.get(comment.id, []))
        if comment.held_by_id and as_utc(comment.held_until) > now:
            item.held_by = comment.held_by
        closeness, words = boundary(comment.verdict)
        if words:
            item.why.append(f"near the boundary: {words}")
        reported = min(item.report_weight / REPORT_HIDE_WEIGHT, 2.0)
        if item.report_weight:
            item.why.append(f"reported {len(item.reports)}× (weight {item.report_weight:.1f})")
        hours = (now - as_utc(comment.created_at)).total_seconds() / 3600
        if hours >= 1:
            item.why.append(f"waiting {hours:.0f} h")
        busy = min(traffic.get(comment.story_id, 0) / BUSY_STORY, 1.0)
        if busy >= 0.2:
            item.why.append(f"busy story ({traffic[comment.story_id]} comments today)")
        item.priority = closeness + reported + min(hours / 24, 1.0) + 0.5 * busy
        items.append(item)
    if queue in PRIORITISED:
        items.sort(key=lambda item: (-item.priority, item.comment.id))
    return items


def queue_items(queue, filters):
    """Every item of a queue or list after the filters, in order."""
    now = utcnow()
    comments = db.session.scalars(_select(queue, filters, now)).all()
    rule = filters.get("rule")
    if rule:
        comments = [c for c in comments if c.verdict and rule in (c.verdict.broken_rules or [])]
    return rank(queue, comments, now)


def paginate(items, page, per_page=25):
    """One page of a ranked list."""
    page = max(page, 1)
    return Page(items[(page - 1) * per_page: page * per_page], page, per_page, len(items))


def queue_counts():
    """How many items wait in each queue (unfiltered)."""
    now = utcnow()
    counts = {}
    for queue in PRIORITISED:
        counts[queue] = db.session.scalar(
            select(func.count()).select_from(_select(queue, {}, now).order_by(None).subquery())
        )
    return counts
