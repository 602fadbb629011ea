"""The reader's side: stories, their threads, posting, replying, editing and deleting, and one's own comments."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from moderation.extensions import db, limiter
from moderation.forms import CommentForm, last_page_url, page_number, parse_id
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
from moderation.thread import reading
from moderation.thread.changes import EDIT_MINUTES, can_edit, delete_comment, edit_comment
from moderation.thread import links
from moderation.thread.links import PageLinks
from moderation.thread.reading import SORTS

bp = Blueprint("comments", __name__)


@bp.get("/")
def index():
    stories = db.session.scalars(select(Story).order_by(Story.created_at.desc(), Story.id.desc()))
    return render_template("index.html", stories=stories.all())


# Every post and page of a story reads it with its site: built once (building it cost twice what running it does).
STORY_BY_SLUG = select(Story).where(Story.slug == bindparam("slug")).options(joinedload(Story.site))


def _story_or_404(slug):
    story = db.session.scalar(STORY_BY_SLUG, {"slug": slug})
    if story is None:
        abort(404)
    return story


def _comment_of(story, comment_id):
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.story_id != story.id:
        abort(404)
    return comment


def _viewer_id():
    return current_user.id if current_user.is_authenticated else None


def thread_context(story):
    """The thread partials' context for the viewer of the service's own pages."""
    return links.thread_context(story, current_user if current_user.is_authenticated else None, PageLinks(story))


def _replying_to(form):
    parent_id = parse_id(form.parent_id.data or "")
    return db.session.get(Comment, parent_id) if parent_id else None


def _own_rejection(story):
    """The viewer's rejected comment named by ?rejected=, to show its reasons and text again (after a redirect)."""
    comment_id = parse_id(request.args.get("rejected", ""))
    if comment_id is None or not current_user.is_authenticated:
        return None
    comment = db.session.get(Comment, comment_id)
    if (comment is None or comment.story_id != story.id or comment.author_id != current_user.id
            or comment.status != "rejected" or comment.verdict is None or comment.verdict.decision != "reject"):
        return None
    return comment


WAITING = "Thanks! Your comment is waiting for a moderator. Only you can see it until it is approved."
# ?posted= and ?edited= name the viewer's comment after the redirect from posting it: the notice is read from its
# status, not carried in the session (a notice there re-signed and re-sent the session cookie on every post, and it
# grew by one message for each post whose redirect was not followed).
POSTED_NOTICES = {"posted": "Your comment is published.", "edited": "Your edit is published."}


def _own_post_notice(story):
    """(category, message) for the viewer's own comment named by ?posted= or ?edited=, or None."""
    arg = next((arg for arg in POSTED_NOTICES if arg in request.args), None)
    comment_id = parse_id(request.args.get(arg, "")) if arg else None
    if comment_id is None or not current_user.is_authenticated:
        return None
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.story_id != story.id or comment.author_id != current_user.id:
        return None
    if comment.status == "published":
        return "success", POSTED_NOTICES[arg]
    return ("info", WAITING) if comment.status in ("pending", "review") else None


def _render_story(story, form, status=200, notice=None):
    """The story page: one page of threads in the order asked for (featured first), and the comment form.

    After a rejection (?rejected=id) the threads are not read: the page shows the reason, the text to edit, whether
    it was a reply and to whom, and a link back."""
    rejected = _own_rejection(story)
    threads, replies, continues, count = None, {}, set(), 0
    sort = request.args.get("sort") if request.args.get("sort") in SORTS else "newest"
    if rejected is not None and rejected.published_text is None:
        form = CommentForm(formdata=None, text=rejected.text, parent_id=str(rejected.parent_id or ""))
    else:
        threads = db.paginate(
            reading.threads_query(story.id, _viewer_id(), sort),
            page=page_number(request.args), per_page=current_app.config["COMMENTS_PER_PAGE"], error_out=False,
        )
        if last_page_url(threads):
            return redirect(last_page_url(threads))
        replies, continues = reading.replies_of([thread.id for thread in threads.items], _viewer_id())
        count = reading.visible_count(story.id)
    return (
        render_template(
            "story.html", threads=threads, replies=replies, continues=continues, count=count, form=form,
            rejected=rejected.verdict if rejected else None, rule_text=RULE_TEXT, notice=notice,
            replying_to=_replying_to(form), sort=sort, profanity_rule=PROFANITY_TEXT[profanity_setting()],
            posted=_own_post_notice(story) if rejected is None else None,
            **thread_context(story),
        ),
        status,
    )


@bp.get("/stories/<slug>")
def story(slug):
    return _render_story(_story_or_404(slug), CommentForm())


@bp.get("/stories/<slug>/comments/<int:comment_id>")
def permalink(slug, comment_id):
    """One comment with its replies on a page of its own: its link, and where a deep branch continues."""
    story = _story_or_404(slug)
    comment = _comment_of(story, comment_id)
    visible = db.session.scalar(select(Comment.id).where(Comment.id == comment_id,
                                                        reading.shown_to(_viewer_id())))
    if visible is None:
        abort(404)
    replies, continues = reading.replies_of([comment.id], _viewer_id())
    return render_template("thread/permalink.html", comment=comment, replies=replies, continues=continues,
                           form=CommentForm(), **thread_context(story))


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
@limiter.limit(configured("RATELIMIT_POST_PER_READER"), key_func=lambda: f"post-reader:{current_user.id}")
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
        comment = submit_comment(story, current_user._get_current_object(), form.text.data, parent)
    except OperationError as error:
        form.text.errors.append(str(error))
        return _render_story(story, form, status=422)
    comment_id = comment.id
    # Nothing else changes these rows in this request: keep them loaded after the commits instead of reading the
    # comment, its author and the story back (four queries a post).
    db.session().expire_on_commit = False
    db.session.commit()  # stored before any classifier runs
    return _after_judgement(story, comment_id, decide_stored_comment(comment_id), "posted")


def _after_judgement(story, comment_id, verdict, arg):
    """Redirect after a comment or an edit is judged, so a reload never sends the form again.

    A rejection goes to the story page naming the rejected comment (its reasons and text are shown to its author
    there); otherwise the page names it by `arg` (posted or edited) and tells its author it is published or waiting
    for a moderator (_own_post_notice), and shows it in place."""
    if verdict is not None and verdict.decision == "reject":
        return redirect(url_for("comments.story", slug=story.slug, rejected=comment_id, _anchor="rejection"))
    return redirect(url_for("comments.story", slug=story.slug, _anchor=f"c{comment_id}", **{arg: comment_id}))


@bp.route("/stories/<slug>/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
@limiter.limit(configured("RATELIMIT_POST_PER_READER"), key_func=lambda: f"post-reader:{current_user.id}",
               methods=["POST"])
def edit(slug, comment_id):
    """The author changes a comment within EDIT_MINUTES of posting it; the new text is judged again."""
    story = _story_or_404(slug)
    comment = _comment_of(story, comment_id)
    if comment.author_id != current_user.id:
        abort(403)
    form = CommentForm(obj=None) if request.method == "POST" else CommentForm(formdata=None, text=comment.text)
    status = 200
    if not can_edit(comment, current_user):
        form.text.errors = [f"A comment can be edited for {EDIT_MINUTES} minutes after posting; "
                                "this one no longer can."]
        status = 409 if request.method == "POST" else 200
    elif form.validate_on_submit():
        try:
            edit_comment(comment, current_user, form.text.data)
        except OperationError as error:
            db.session.rollback()
            form.text.errors.append(str(error))
            status = 422
        else:
            db.session().expire_on_commit = False
            db.session.commit()  # stored before any classifier runs
            verdict = decide_stored_comment(comment_id)
            return _after_judgement(story, comment_id, verdict, "edited")
    elif request.method == "POST":
        status = 422
    return render_template("thread/edit.html", story=story, comment=comment, form=form,
                           editable=can_edit(comment, current_user), edit_minutes=EDIT_MINUTES), status


@bp.post("/stories/<slug>/comments/<int:comment_id>/delete")
@login_required
def delete(slug, comment_id):
    story = _story_or_404(slug)
    comment = _comment_of(story, comment_id)
    try:
        delete_comment(comment, current_user)
    except OperationError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("comments.story", slug=slug))
    db.session.commit()
    flash("Your comment is deleted.", "success")
    return redirect(url_for("comments.story", slug=slug))


@bp.post("/stories/<slug>/comments/<int:comment_id>/report")
@login_required
@limiter.limit(configured("RATELIMIT_REPORT_PER_READER"), key_func=lambda: f"report-reader:{current_user.id}")
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
    if last_page_url(comments):
        return redirect(last_page_url(comments))
    return render_template("my_comments.html", comments=comments, rule_text=RULE_TEXT)
