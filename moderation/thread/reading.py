"""What a reader sees of a story's thread: visible comments, the sort orders, replies down to a depth."""
from sqlalchemy import and_, case, exists, false, func, literal, or_, select
from sqlalchemy.orm import aliased, selectinload

from moderation.extensions import db
from moderation.models import Comment

MAX_DEPTH = 4  # replies nest this deep on the page; a deeper branch continues on its own page
MAX_REPLIES = 400  # replies read for one page of threads, oldest first, however big the story
SORTS = {"newest": "Newest first", "oldest": "Oldest first", "replies": "Most replies"}
LONG_COMMENT = 700  # characters after which a comment is collapsed behind "Read more"
WAITING = ("pending", "review")


def live(model=Comment):
    """Comments every reader sees: published, or with their published text kept while an edit waits or after the
    machine rejected the edit; never when hidden by reports."""
    return and_(or_(model.status == "published", model.published_text.is_not(None)), ~model.hidden)


def shown_to(viewer_id, model=Comment):
    """Published comments not hidden by reports, plus the viewer's own comments still waiting for a decision.

    A comment its author deleted is shown (as deleted) only while a visible reply hangs under it."""
    published = live(model)
    own_waiting = and_(model.author_id == viewer_id, model.status.in_(WAITING)) if viewer_id else false()
    child = aliased(Comment)
    answered = exists().where(child.parent_id == model.id, live(child), child.deleted_at.is_(None))
    return and_(or_(published, own_waiting), or_(model.deleted_at.is_(None), answered))


def reply_count(model=Comment):
    """The visible direct replies of a comment, as a correlated subquery."""
    child = aliased(Comment)
    return (select(func.count(child.id))
            .where(child.parent_id == model.id, live(child))
            .correlate(model).scalar_subquery())


def threads_query(story_id, viewer_id, sort):
    """The top-level comments of a story in the order asked for, featured ones first."""
    order = {
        "oldest": (Comment.created_at, Comment.id),
        "replies": (reply_count().desc(), Comment.created_at.desc(), Comment.id.desc()),
    }.get(sort, (Comment.created_at.desc(), Comment.id.desc()))
    return (select(Comment).where(Comment.story_id == story_id, Comment.parent_id.is_(None), shown_to(viewer_id))
            .order_by(Comment.featured.desc(), *order).options(selectinload(Comment.author)))


def visible_count(story_id):
    """How many comments of a story every reader can see."""
    return db.session.scalar(select(func.count(Comment.id)).where(
        Comment.story_id == story_id, live(), Comment.deleted_at.is_(None)))


def replies_of(root_ids, viewer_id=None):
    """({parent_id: [reply, ...]}, {ids whose replies continue on their own page}) for the roots given, one query.

    A recursive query walks the visible replies down from the roots to MAX_DEPTH, plus one level more that is not
    shown: it only says which comments at the last level have replies, so a chain of 10,000 replies stays a page."""
    if not root_ids:
        return {}, set()
    tree = select(Comment.id, literal(0).label("depth")).where(Comment.id.in_(root_ids)).cte("tree", recursive=True)
    child = aliased(Comment)
    tree = tree.union_all(
        select(child.id, tree.c.depth + 1)
        .where(child.parent_id == tree.c.id, tree.c.depth <= MAX_DEPTH, shown_to(viewer_id, child))
    )
    rows = db.session.execute(
        select(Comment, tree.c.depth).join(tree, tree.c.id == Comment.id).where(tree.c.depth > 0)
        .order_by(tree.c.depth > MAX_DEPTH, Comment.created_at, Comment.id).limit(MAX_REPLIES)
        .options(selectinload(Comment.author))
    ).all()
    replies, continues = {}, set()
    for reply, depth in rows:
        if depth > MAX_DEPTH:
            continues.add(reply.parent_id)
        else:
            replies.setdefault(reply.parent_id, []).append(reply)
    return replies, continues


def replies_flattened(thread_ids):
    """{shown_under_id: [reply, ...]} of the replies every reader sees (shown_to nobody), for the REST API, one query.

    A recursive query walks those replies down from the threads; one nested deeper than MAX_DEPTH is listed under
    its ancestor at that depth, so a chain of 10,000 replies comes back as a flat list, never 10,000 levels."""
    if not thread_ids:
        return {}
    tree = select(Comment.id, Comment.id.label("shown_under"), literal(0).label("depth")).where(
        Comment.id.in_(thread_ids)
    ).cte("tree", recursive=True)
    child = aliased(Comment)
    tree = tree.union_all(
        select(child.id, case((tree.c.depth >= MAX_DEPTH, tree.c.shown_under), else_=tree.c.id), tree.c.depth + 1)
        .where(child.parent_id == tree.c.id, shown_to(None, child))
    )
    rows = db.session.execute(
        select(Comment, tree.c.shown_under).join(tree, tree.c.id == Comment.id).where(tree.c.depth > 0)
        .order_by(Comment.created_at, Comment.id).limit(MAX_REPLIES).options(selectinload(Comment.author))
    ).all()
    replies = {}
    for reply, shown_under in rows:
        replies.setdefault(shown_under, []).append(reply)
    return replies
