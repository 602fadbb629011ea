"""The embed's routes: embed.js, the framed stream, and posting, replying, reporting and signing in from it.

No cookie is read or set here (browsers block third-party cookies): the reader's token travels in an
Authorization header that the frame's script adds, so a forged cross-site request carries no reader (no CSRF)."""
from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, render_template, request, send_file
from sqlalchemy import select
from werkzeug.security import check_password_hash

from moderation.auth import _NO_ACCOUNT_HASH, _account_key
from moderation.thread.reading import MAX_DEPTH, published_replies_flattened as replies_of
from moderation.extensions import csrf, db, limiter
from moderation.forms import CommentForm, page_number, parse_id
from moderation.models import Comment, Story, User
from moderation.operations import OperationError, decide_stored_comment, report_comment, submit_comment
from moderation.pipeline import RULE_TEXT
from moderation.ratelimits import configured
from moderation.security import CSP
from moderation.sites.operations import find_site, normal_origin, origin_allowed, story_for
from moderation.sites.sso import SsoError, embed_reader, embed_token, reader_from_token

bp = Blueprint("embed", __name__)
csrf.exempt(bp)
EMBED_JS = Path(__file__).resolve().parents[2] / "static" / "embed.js"
REASON_LABELS = {"abuse": "Abusive", "personal_attack": "A personal attack", "not_english": "Not in English",
                 "not_sentences": "Not in sentences", "spam": "Spam", "other": "Something else"}


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


def _waiting(story, reader):
    """The reader's own comments on the story still waiting for a moderator (only they see them)."""
    if reader is None:
        return []
    return db.session.scalars(select(Comment).where(Comment.story_id == story.id, Comment.author_id == reader.id,
                                                    Comment.status.in_(("pending", "review")))
                              .order_by(Comment.created_at.desc()).limit(20)).all()


def _stream(story, site, reader, form=None, rejected=None, notice=None, status=200):
    """The stream as HTML: the same threads, replies, rules, rejections and reports as the story page."""
    threads, replies, count = None, {}, 0
    if rejected is None:
        threads = db.paginate(
            select(Comment).where(Comment.story_id == story.id, Comment.parent_id.is_(None),
                                  Comment.status == "published", ~Comment.hidden)
            .order_by(Comment.created_at.desc(), Comment.id.desc()),
            page=page_number(request.args), per_page=current_app.config["COMMENTS_PER_PAGE"], error_out=False)
        replies = replies_of([thread.id for thread in threads.items])
        count = db.session.scalar(select(db.func.count(Comment.id)).where(
            Comment.story_id == story.id, Comment.status == "published", ~Comment.hidden))
    form = form or CommentForm(formdata=None, meta={"csrf": False})  # a fresh form after a post that went through
    return render_template(
        "embed/_stream.html", story=story, site=site, reader=reader, form=form,
        threads=threads, replies=replies, count=count, rejected=rejected, notice=notice, rule_text=RULE_TEXT,
        waiting=_waiting(story, reader), max_depth=MAX_DEPTH, reason_labels=REASON_LABELS,
    ), status


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
    body, _ = _stream(story, site, None)
    page = render_template("embed/frame.html", story=story, site=site, parent_origin=parent, stream=body)
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
    form = CommentForm(meta={"csrf": False})
    if not form.validate_on_submit():
        return _stream(story, site, reader, form, status=422)
    parent = None
    if form.parent_id.data:
        parent_id = parse_id(form.parent_id.data)
        parent = db.session.get(Comment, parent_id) if parent_id else None
        if parent is None:
            form.text.errors.append("The comment you replied to no longer exists.")
            return _stream(story, site, reader, form, status=422)
    try:
        comment = submit_comment(story, reader, form.text.data, parent)
    except OperationError as error:
        db.session.rollback()
        form.text.errors.append(str(error))
        return _stream(story, site, reader, form, status=422)
    comment_id = comment.id
    db.session.commit()  # stored before any classifier runs
    verdict = decide_stored_comment(comment_id)
    story, site = _story(story_id)
    reader = db.session.get(User, reader.id)
    if verdict is not None and verdict.decision == "reject":
        return _stream(story, site, reader, form, rejected=verdict, status=422)
    notice = ("Your comment is published." if verdict is not None and verdict.decision == "publish" else
              "Thanks! Your comment is waiting for a moderator and will appear once approved.")
    return _stream(story, site, reader, notice=notice)


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
    try:
        report_comment(comment, reader, request.form.get("reason", ""))
    except OperationError as error:
        db.session.rollback()
        return _stream(story, site, reader, notice=str(error), status=422)
    db.session.commit()
    return _stream(story, site, reader, notice="Thank you: a moderator will look at this comment.")


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
