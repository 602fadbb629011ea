"""The reader's side: stories, their comments, posting and replying, and one's own comments."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import aliased, selectinload

from moderation.extensions import db, limiter
from moderation.forms import CommentForm, page_number, parse_id
from moderation.models import Comment, Story
from moderation.operations import (
    OperationError,
    decide_stored_comment,
    profanity_setting,
    report_comment,
    submit_comment,
)
from moderation.pipeline import PROFANITY_TEXT, RULE_TEXT
from moderation.ratelimits import configured

bp = Blueprint("comments", __name__)
MAX_DEPTH = 4  # replies nest this deep on the page; deeper ones line up at the last level
MAX_REPLIES = 400  # replies read for one page of threads, oldest first, however big the story


@bp.get("/")
def index():
    stories = db.session.scalars(select(Story).order_by(Story.created_at.desc(), Story.id.desc()))
    return render_template("index.html", stories=stories.all())


def _story_or_404(slug):
    story = db.session.scalar(select(Story).where(Story.slug == slug))
    if story is None:
        abort(404)
    return story


def _shown(query):
    return query.where(Comment.status == "published", ~Comment.hidden)


def replies_of(thread_ids):
    """{shown_under_id: [reply, ...]} for the threads given, in one query, at most MAX_REPLIES.

    A recursive query walks the published replies down from the threads; one nested deeper than MAX_DEPTH is shown
    under its ancestor at that depth, so a chain of 10,000 replies renders as a flat list, never 10,000 levels."""
    if not thread_ids:
        return {}
    tree = select(Comment.id, Comment.id.label("shown_under"), literal(0).label("depth")).where(
        Comment.id.in_(thread_ids)
    ).cte("tree", recursive=True)
    child = aliased(Comment)
    tree = tree.union_all(
        select(child.id, case((tree.c.depth >= MAX_DEPTH, tree.c.shown_under), else_=tree.c.id), tree.c.depth + 1)
        .where(child.parent_id == tree.c.id, child.status == "published", ~child.hidden)
    )
    rows = db.session.execute(
        select(Comment, tree.c.shown_under).join(tree, tree.c.id == Comment.id).where(tree.c.depth > 0)
        .order_by(Comment.created_at, Comment.id).limit(MAX_REPLIES).options(selectinload(Comment.author))
    ).all()
    replies = {}
    for reply, shown_under in rows:
        replies.setdefault(shown_under, []).append(reply)
    return replies


def _render_story(story, form, rejected=None, status=200, notice=None):
    """The story page: one page of published threads newest first with their replies, and the comment form.

    After a rejection the threads are not read again: the page shows the reason, the text to edit and a link back."""
    threads, replies, count = None, {}, 0
    if rejected is None:
        threads = db.paginate(
            _shown(select(Comment).where(Comment.story_id == story.id, Comment.parent_id.is_(None)))
            .order_by(Comment.created_at.desc(), Comment.id.desc()).options(selectinload(Comment.author)),
            page=page_number(request.args), per_page=current_app.config["COMMENTS_PER_PAGE"], error_out=False,
        )
        replies = replies_of([thread.id for thread in threads.items])
        count = db.session.scalar(_shown(select(func.count(Comment.id)).where(Comment.story_id == story.id)))
    return (
        render_template(
            "story.html", story=story, threads=threads, replies=replies, count=count, form=form,
            rejected=rejected, rule_text=RULE_TEXT, notice=notice, max_depth=MAX_DEPTH,
            profanity_rule=PROFANITY_TEXT[profanity_setting()],
        ),
        status,
    )


@bp.get("/stories/<slug>")
def story(slug):
    return _render_story(_story_or_404(slug), CommentForm())


@bp.errorhandler(CSRFError)
def expired_form(error):
    """An expired or foreign form: the story page again with the typed comment kept and a fresh token."""
    slug = (request.view_args or {}).get("slug")
    story = db.session.scalar(select(Story).where(Story.slug == slug)) if slug else None
    if request.endpoint != "comments.post_comment" or story is None:
        from moderation import render_csrf_error

        return render_csrf_error(error)
    form = CommentForm(formdata=None, text=request.form.get("text", "")[:10_000],
                       parent_id=request.form.get("parent_id", "")[:12])
    notice = "This form had expired, so your comment was not sent. Your text is kept below: send it again."
    return _render_story(story, form, status=400, notice=notice)


@bp.post("/stories/<slug>/comments")
@login_required
@limiter.limit(configured("RATELIMIT_POST_PER_READER"), key_func=lambda: f"post-reader:{current_user.get_id()}")
@limiter.limit(configured("RATELIMIT_POST_PER_ADDRESS"), key_func=lambda: f"post-address:{request.remote_addr}")
def post_comment(slug):
    story = _story_or_404(slug)
    form = CommentForm()
    if not form.validate_on_submit():
        return _render_story(story, form, status=422)
    parent = None
    if form.parent_id.data:
        parent_id = parse_id(form.parent_id.data)
        parent = db.session.get(Comment, parent_id) if parent_id else None
        if parent is None:
            form.text.errors.append("The comment you replied to no longer exists.")
            return _render_story(story, form, status=422)
    try:
        comment = submit_comment(story, current_user, form.text.data, parent)
    except OperationError as error:
        form.text.errors.append(str(error))
        return _render_story(story, form, status=422)
    comment_id = comment.id
    # Nothing else changes these rows in this request: keep them loaded after the commits instead of reading the
    # comment, its author and the story back (four queries a post).
    db.session().expire_on_commit = False
    db.session.commit()  # stored before any classifier runs
    verdict = decide_stored_comment(comment_id)
    if verdict is not None and verdict.decision == "reject":
        return _render_story(story, form, rejected=verdict, status=422)
    if verdict is not None and verdict.decision == "publish":
        flash("Your comment is published.", "success")
        return redirect(url_for("comments.story", slug=slug, _anchor=f"c{comment_id}"))
    flash("Thanks! Your comment is waiting for a moderator and will appear once approved.", "info")
    return redirect(url_for("comments.story", slug=slug))


@bp.post("/stories/<slug>/comments/<int:comment_id>/report")
@login_required
@limiter.limit(configured("RATELIMIT_REPORT_PER_READER"), key_func=lambda: f"report-reader:{current_user.get_id()}")
@limiter.limit(configured("RATELIMIT_REPORT_PER_ADDRESS"), key_func=lambda: f"report-address:{request.remote_addr}")
def report(slug, comment_id):
    story = _story_or_404(slug)
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.story_id != story.id:
        abort(404)
    try:
        report_comment(comment, current_user, request.form.get("reason", ""))
    except OperationError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Thank you: a moderator will look at this comment.", "success")
    return redirect(url_for("comments.story", slug=slug, _anchor=f"c{comment_id}"))


@bp.get("/my/comments")
@login_required
def my_comments():
    comments = db.paginate(
        select(Comment)
        .where(Comment.author_id == current_user.id)
        .order_by(Comment.created_at.desc(), Comment.id.desc()).options(selectinload(Comment.verdicts)),
        page=page_number(request.args),
        per_page=current_app.config["COMMENTS_PER_PAGE"],
        error_out=False,
    )
    return render_template("my_comments.html", comments=comments, rule_text=RULE_TEXT)
