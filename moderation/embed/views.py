"""The embed's routes: embed.js, the framed stream, and posting, replying, reporting and signing in from it.

No cookie is read or set here (browsers block third-party cookies): the reader's token travels in an
Authorization header that the frame's script adds, so a forged cross-site request carries no reader (no CSRF)."""
from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, render_template, request, send_file
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.security import check_password_hash

from moderation.auth import _NO_ACCOUNT_HASH, _account_key
from moderation.thread import reading
from moderation.thread.changes import EDIT_MINUTES, can_edit, delete_comment, edit_comment, set_featured
from moderation.thread.links import EmbedLinks, thread_context
from moderation.thread.reading import SORTS
from moderation.extensions import csrf, db, limiter
from moderation.accounts.operations import send_verification
from moderation.forms import CommentForm, RegisterForm, page_number, parse_id
from moderation.models import Comment, Story, User
from moderation.operations import (
    DisplayNameTaken,
    OperationError,
    create_user,
    decide_stored_comment,
    profanity_setting,
    report_comment,
    submit_comment,
)
from moderation.pipeline import PROFANITY_TEXT, RULE_TEXT
from moderation.ratelimits import configured
from moderation.security import CSP
from moderation.sites.operations import find_site, normal_origin, origin_allowed, story_for
from moderation.sites.sso import SsoError, embed_reader, embed_token, reader_from_token

bp = Blueprint("embed", __name__)
csrf.exempt(bp)
EMBED_JS = Path(__file__).resolve().parents[2] / "static" / "embed.js"


@bp.get("/embed.js")
def script():
    response = send_file(EMBED_JS, mimetype="text/javascript", max_age=300)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _frame_csp(site):
    """The page's CSP with frame-ancestors naming only the site's allowed origins."""
    return CSP.format(frame_ancestors=" ".join(site.allowed_origins) or "'none'")


def _story(story_id):
    """The framed story and its site, from the URL (the frame's script sends the ids it was given)."""
    story = db.session.get(Story, story_id)
    if story is None:
        abort(404)
    return story, story.site


def _reader(site):
    header = request.headers.get("Authorization", "")
    return embed_reader(header[7:].strip(), site) if header[:7].lower() == "bearer " else None


def _reader_key():
    story = db.session.get(Story, (request.view_args or {}).get("story_id"))
    reader = _reader(story.site) if story else None
    return f"post-reader:{reader.id if reader else 'none'}"


def _stream(story, site, reader, form=None, rejected=None, notice=None, status=200, single=None, editing=None):
    """The stream as HTML from the story page's own partials: sorts, featured first, replies, the reader's waiting
    comments in place, permalinks, read more, edit, delete, feature and report, pointed at the embed's routes."""
    threads, replies, continues, count = None, {}, set(), 0
    viewer_id = reader.id if reader else None
    sort = request.args.get("sort") if request.args.get("sort") in SORTS else "newest"
    if single is not None:
        replies, continues = reading.replies_of([single.id], viewer_id)
    elif rejected is None and editing is None:
        threads = db.paginate(reading.threads_query(story.id, viewer_id, sort), page=page_number(request.args),
                              per_page=current_app.config["COMMENTS_PER_PAGE"], error_out=False)
        replies, continues = reading.replies_of([thread.id for thread in threads.items], viewer_id)
        count = reading.visible_count(story.id)
    form = form or CommentForm(formdata=None)  # a fresh form after a post that went through
    parent_id = parse_id(form.parent_id.data or "") if rejected is not None else None
    return render_template(
        "embed/_stream.html", site=site, form=form, threads=threads, replies=replies, continues=continues,
        count=count, rejected=rejected, notice=notice, rule_text=RULE_TEXT, sort=sort, single=single,
        editing=editing, replying_to=db.session.get(Comment, parent_id) if parent_id else None,
        profanity_rule=PROFANITY_TEXT[profanity_setting()], **thread_context(story, reader, EmbedLinks(story)),
    ), status


def _own_comment(story, comment_id, reader):
    """The reader's own comment on the framed story, or the HTTP error that says why not."""
    if reader is None:
        abort(401)
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.story_id != story.id:
        abort(404)
    if comment.author_id != reader.id:
        abort(403)
    return comment


@bp.get("/embed/frame")
@limiter.limit(lambda: current_app.config.get("RATELIMIT_EMBED_FRAME_PER_ADDRESS", "120 per minute"),
               key_func=lambda: f"embed-frame:{request.remote_addr}")
def frame():
    """The framed page: the site and story from embed.js, the story made on first use; only the site's allowed
    origins may frame it."""
    site = find_site(request.args.get("site", "")[:60])
    if site is None or site.is_default:
        abort(404, "No site has that id.")
    parent = normal_origin(request.args.get("origin", ""))
    if parent is None or not origin_allowed(site, parent):
        abort(403, "This page's origin is not one of the site's allowed origins.")
    story_id = (request.args.get("story_id") or "").strip()
    story_url = (request.args.get("story_url") or "").strip()
    if not 0 < len(story_id) <= 200 or not 0 < len(story_url) <= 500:
        abort(400, "The embed needs data-story-id and data-story-url.")
    title = (request.args.get("title") or "").strip()[:200] or None
    try:
        story = story_for(site, story_id, story_url, title)
    except OperationError as error:
        abort(400, str(error))
    db.session.commit()
    body, _ = _stream(story, site, None)  # rendered (and escaped) by Jinja: the frame inserts it as HTML
    page = render_template("embed/frame.html", story=story, site=site, parent_origin=parent, stream=Markup(body))
    return page, 200, {"Content-Security-Policy": _frame_csp(site), "Cache-Control": "no-store"}


@bp.get("/embed/stories/<int:story_id>/stream")
def stream(story_id):
    story, site = _story(story_id)
    return _stream(story, site, _reader(site))


@bp.post("/embed/stories/<int:story_id>/comments")
@limiter.limit(configured("RATELIMIT_POST_PER_READER"), key_func=_reader_key)
@limiter.limit(configured("RATELIMIT_POST_PER_ADDRESS"), key_func=lambda: f"post-address:{request.remote_addr}")
def post_comment(story_id):
    """Post or reply as on the story page; the answer is the stream again, or the rejection with the text kept."""
    story, site = _story(story_id)
    reader = _reader(site)
    if reader is None:
        return jsonify(error="Sign in to comment."), 401
    form = CommentForm()
    if not form.validate_on_submit():
        return _stream(story, site, reader, form, status=422)
    parent = None
    if form.parent_id.data:
        parent_id = parse_id(form.parent_id.data)
        parent = db.session.get(Comment, parent_id) if parent_id else None
        if parent is None:
            form.text.errors.append("The comment you replied to no longer exists.")
            return _stream(story, site, reader, form, status=422)
    return _judged(story, reader, form, lambda: submit_comment(story, reader, form.text.data, parent).id, (
        "Your comment is published.", "Thanks! Your comment is waiting for a moderator and will appear once approved."))


@bp.post("/embed/stories/<int:story_id>/comments/<int:comment_id>/report")
@limiter.limit(configured("RATELIMIT_REPORT_PER_ADDRESS"), key_func=lambda: f"report-address:{request.remote_addr}")
def report(story_id, comment_id):
    story, site = _story(story_id)
    reader = _reader(site)
    if reader is None:
        return jsonify(error="Sign in to report a comment."), 401
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.story_id != story.id:
        abort(404)
    return _change(story, site, reader, lambda: report_comment(comment, reader, request.form.get("reason", "")),
                   lambda: "Thank you: a moderator will look at this comment.")


@bp.get("/embed/stories/<int:story_id>/comments/<int:comment_id>")
def comment(story_id, comment_id):
    """One comment with its replies in the frame: its permalink, and where a deep branch continues."""
    story, site = _story(story_id)
    reader = _reader(site)
    shown = db.session.scalar(select(Comment).where(Comment.id == comment_id, Comment.story_id == story.id,
                                                    reading.shown_to(reader.id if reader else None)))
    if shown is None:
        abort(404)
    return _stream(story, site, reader, single=shown)


@bp.route("/embed/stories/<int:story_id>/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@limiter.limit(configured("RATELIMIT_POST_PER_READER"), key_func=_reader_key, methods=["POST"])
def edit(story_id, comment_id):
    """The author changes a comment within EDIT_MINUTES of posting it, in the frame; judged again as on the site."""
    story, site = _story(story_id)
    reader = _reader(site)
    comment = _own_comment(story, comment_id, reader)
    if not can_edit(comment, reader):
        return _stream(story, site, reader, status=409, notice=(
            f"A comment can be edited for {EDIT_MINUTES} minutes after posting; this one no longer can."))
    if request.method == "GET":
        return _stream(story, site, reader, form=CommentForm(formdata=None, text=comment.text),
                       editing=comment)
    form = CommentForm()
    if not form.validate_on_submit():
        return _stream(story, site, reader, form=form, editing=comment, status=422)
    return _judged(story, reader, form, lambda: edit_comment(comment, reader, form.text.data).id, (
        "Your edit is published.", "Thanks! Your comment is waiting for a moderator. Only you can see it until it is "
        "approved."), editing=comment_id)


def _judged(story, reader, form, store, notices, editing=None):
    """Store a new comment or an edit (store() flushes it and returns its id), commit, judge it: the stream with
    the rejection (the text kept in the form; an edit's earlier text stays up, so nothing to send again) or with
    notices[0] when published, notices[1] when waiting; a refusal re-renders the form with its message (422)."""
    story_id, reader_id, site = story.id, reader.id, story.site
    try:
        comment_id = store()
    except OperationError as error:
        db.session.rollback()
        form.text.errors.append(str(error))
        return _stream(story, site, reader, form, editing=editing and db.session.get(Comment, editing), status=422)
    db.session.commit()  # stored before any classifier runs
    verdict = decide_stored_comment(comment_id)
    story, site = _story(story_id)
    reader = db.session.get(User, reader_id)
    if verdict is not None and verdict.decision == "reject":
        return _stream(story, site, reader, None if editing else form, rejected=verdict, status=422)
    published = verdict is not None and verdict.decision == "publish"
    return _stream(story, site, reader, notice=notices[0] if published else notices[1])


@bp.post("/embed/stories/<int:story_id>/comments/<int:comment_id>/delete")
def delete(story_id, comment_id):
    story, site = _story(story_id)
    reader = _reader(site)
    comment = _own_comment(story, comment_id, reader)
    return _change(story, site, reader, lambda: delete_comment(comment, reader), lambda: "Your comment is deleted.")


@bp.post("/embed/stories/<int:story_id>/comments/<int:comment_id>/feature")
def feature(story_id, comment_id):
    """A moderator (signed in to the embed with that role) features a comment or stops featuring it."""
    story, site = _story(story_id)
    reader = _reader(site)
    if reader is None:
        abort(401)
    if not reader.has_role("moderator"):
        abort(403)
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.story_id != story.id:
        abort(404)
    return _change(story, site, reader, lambda: set_featured(comment, reader, request.form.get("featured") == "1"),
                   lambda: "Featured: shown first in the thread." if comment.featured else "No longer featured.")


def _change(story, site, reader, change, done_notice):
    """Apply a reader's or moderator's change from the frame and commit: the stream again with done_notice(), or
    with the refusal's message (422) and nothing changed."""
    try:
        change()
    except OperationError as error:
        db.session.rollback()
        return _stream(story, site, reader, notice=str(error), status=422)
    db.session.commit()
    return _stream(story, site, reader, notice=done_notice())


def _site_from_body():
    site = find_site((request.form.get("site") or (request.get_json(silent=True) or {}).get("site") or "")[:60])
    if site is None or site.is_default:
        abort(404, "No site has that id.")
    return site


@bp.post("/embed/sso")
@limiter.limit(configured("RATELIMIT_LOGIN_PER_ADDRESS"), key_func=lambda: f"embed-sso:{request.remote_addr}",
               deduct_when=lambda response: response.status_code != 200)
def sso():
    """Exchange the site's signed JWT for the embed's own token."""
    site = _site_from_body()
    body = request.get_json(silent=True) or {}
    try:
        reader = reader_from_token(site, body.get("token"))
    except SsoError as error:
        db.session.rollback()
        return jsonify(error=str(error)), 401
    db.session.commit()
    return jsonify(token=embed_token(reader, site), name=reader.display_name)


@bp.post("/embed/login")
@limiter.limit(configured("RATELIMIT_LOGIN_PER_ACCOUNT"), key_func=_account_key,
               deduct_when=lambda response: response.status_code != 200)
@limiter.limit(configured("RATELIMIT_LOGIN_PER_ADDRESS"), key_func=lambda: f"login-address:{request.remote_addr}",
               deduct_when=lambda response: response.status_code != 200)
def login():
    """This service's own account, for sites that allow it: email and password give the embed's token."""
    site = _site_from_body()
    if not site.local_accounts:
        return jsonify(error="This site signs its readers in itself."), 403
    email = (request.form.get("email") or "").strip().lower()[:254]
    password = (request.form.get("password") or "")[:200]
    user = db.session.scalar(select(User).where(User.email == email, User.site_id.is_(None))) if email else None
    if not check_password_hash(user.password_hash if user else _NO_ACCOUNT_HASH, password) or user is None:
        return jsonify(error="Wrong email or password."), 401
    user.get_id()  # gives a first-time account its session token
    db.session.commit()
    return jsonify(token=embed_token(user, site), name=user.display_name)


@bp.post("/embed/register")
@limiter.limit(configured("RATELIMIT_REGISTER_PER_ADDRESS"), key_func=lambda: f"register-address:{request.remote_addr}")
def register():
    """A new account of this service from inside the frame (sites without SSO): the answer is the embed's token, so
    no cookie is needed; the address is confirmed by mail as on the service's own registration page."""
    site = _site_from_body()
    if not site.local_accounts:
        return jsonify(error="This site signs its readers in itself."), 403
    form = RegisterForm(meta={"csrf": False})
    if not form.validate():
        return jsonify(error=" ".join(error for errors in form.errors.values() for error in errors)), 422
    try:
        user = create_user(form.email.data, form.password.data, display_name=form.display_name.data)
    except DisplayNameTaken as error:
        db.session.rollback()
        return jsonify(error=str(error)), 422
    except OperationError:
        db.session.rollback()
        return jsonify(error="This account could not be created. If you already have one, log in instead."), 422
    send_verification(user)
    user.get_id()
    db.session.commit()
    return jsonify(token=embed_token(user, site), name=user.display_name)
