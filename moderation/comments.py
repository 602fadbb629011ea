"""The reader's side: stories, their comments, posting and replying, and one's own comments."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from moderation.extensions import db
from moderation.forms import CommentForm
from moderation.models import Comment, Story
from moderation.operations import OperationError, classify_comment, report_comment, submit_comment
from moderation.pipeline import RULE_TEXT

bp = Blueprint("comments", __name__)


@bp.get("/")
def index():
    stories = db.session.scalars(select(Story).order_by(Story.created_at.desc(), Story.id.desc()))
    return render_template("index.html", stories=stories.all())


def _story_or_404(slug):
    story = db.session.scalar(select(Story).where(Story.slug == slug))
    if story is None:
        abort(404)
    return story


def _render_story(story, form, rejected=None, status=200):
    """The story page: published threads newest first, paginated, and the comment form."""
    page = max(request.args.get("page", 1, type=int), 1)
    threads = db.paginate(
        select(Comment)
        .where(Comment.story_id == story.id, Comment.parent_id.is_(None), Comment.status == "published", ~Comment.hidden)
        .order_by(Comment.created_at.desc(), Comment.id.desc()),
        page=page,
        per_page=current_app.config["COMMENTS_PER_PAGE"],
        error_out=False,
    )
    replies = {}
    published_replies = db.session.scalars(
        select(Comment)
        .where(Comment.story_id == story.id, Comment.parent_id.is_not(None), Comment.status == "published", ~Comment.hidden)
        .order_by(Comment.created_at, Comment.id)
    )
    for reply in published_replies:
        replies.setdefault(reply.parent_id, []).append(reply)
    count = db.session.scalar(
        select(func.count(Comment.id)).where(Comment.story_id == story.id, Comment.status == "published", ~Comment.hidden)
    )
    return (
        render_template(
            "story.html",
            story=story,
            threads=threads,
            replies=replies,
            count=count,
            form=form,
            rejected=rejected,
            rule_text=RULE_TEXT,
        ),
        status,
    )


@bp.get("/stories/<slug>")
def story(slug):
    return _render_story(_story_or_404(slug), CommentForm())


@bp.post("/stories/<slug>/comments")
@login_required
def post_comment(slug):
    story = _story_or_404(slug)
    form = CommentForm()
    if not form.validate_on_submit():
        return _render_story(story, form, status=422)
    parent = None
    if form.parent_id.data:
        parent = db.session.get(Comment, int(form.parent_id.data)) if form.parent_id.data.isdigit() else None
        if parent is None:
            form.text.errors.append("The comment you replied to no longer exists.")
            return _render_story(story, form, status=422)
    try:
        comment = submit_comment(story, current_user, form.text.data, parent)
    except OperationError as error:
        form.text.errors.append(str(error))
        return _render_story(story, form, status=422)
    db.session.commit()  # stored before any classifier runs
    verdict = classify_comment(comment)
    db.session.commit()
    if verdict.decision == "reject":
        return _render_story(story, form, rejected=verdict, status=422)
    if verdict.decision == "publish":
        flash("Your comment is published.", "success")
        return redirect(url_for("comments.story", slug=slug, _anchor=f"c{comment.id}"))
    flash("Thanks! Your comment is waiting for a moderator and will appear once approved.", "info")
    return redirect(url_for("comments.story", slug=slug))


@bp.post("/stories/<slug>/comments/<int:comment_id>/report")
@login_required
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
    page = max(request.args.get("page", 1, type=int), 1)
    comments = db.paginate(
        select(Comment)
        .where(Comment.author_id == current_user.id)
        .order_by(Comment.created_at.desc(), Comment.id.desc()),
        page=page,
        per_page=current_app.config["COMMENTS_PER_PAGE"],
        error_out=False,
    )
    return render_template("my_comments.html", comments=comments, rule_text=RULE_TEXT)
