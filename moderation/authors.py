"""Authors' standing: a moderator's view of one author, and warn, pre-moderate, suspend, ban or restore."""
from datetime import datetime, timezone

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from moderation.auth import role_required
from moderation.extensions import db
from moderation.models import AuditEvent, Comment, Report, Review, User
from moderation.operations import OperationError, as_utc, author_is_trusted, set_standing

bp = Blueprint("authors", __name__, url_prefix="/authors")
ACTIONS = {"warned": "Warn", "premoderated": "Pre-moderate", "suspended": "Suspend", "banned": "Ban", "good": "Restore to good standing"}
DONE = {  # what the moderator is told, in a sentence
    "warned": "{name} is warned.",
    "premoderated": "{name}'s comments now wait for a moderator before they appear.",
    "suspended": "{name} is suspended from commenting until {until:%d %b %Y}.",
    "banned": "{name} is banned from commenting.",
    "good": "{name} is back in good standing.",
}


def author_history(author):
    """Account age, counts by status, reports against the author, and earlier moderators' notes."""
    counts = dict(
        db.session.execute(
            select(Comment.status, func.count(Comment.id)).where(Comment.author_id == author.id).group_by(Comment.status)
        ).all()
    )
    reported = db.session.scalar(
        select(func.count(Report.id)).join(Comment, Comment.id == Report.comment_id).where(Comment.author_id == author.id)
    )
    notes = db.session.scalars(
        select(Review)
        .join(Comment, Comment.id == Review.comment_id)
        .where(Comment.author_id == author.id, Review.note != "")
        .order_by(Review.id.desc())
        .limit(10)
    ).all()
    return {"counts": counts, "reported": reported, "notes": notes, "since": as_utc(author.created_at)}


@bp.get("/<int:user_id>")
@role_required("moderator")
def show(user_id):
    author = db.session.get(User, user_id) or abort(404)
    comments = db.session.scalars(
        select(Comment).where(Comment.author_id == user_id).order_by(Comment.id.desc()).limit(50)
    ).all()
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.target_type == "user", AuditEvent.target_id == user_id)
        .order_by(AuditEvent.id.desc())
    ).all()
    return render_template(
        "review/author.html", author=author, history=author_history(author), comments=comments,
        events=events, actions=ACTIONS, trusted=author_is_trusted(author),
    )


@bp.post("/<int:user_id>/standing")
@role_required("moderator")
def standing(user_id):
    author = db.session.get(User, user_id) or abort(404)
    action = request.form.get("standing", "")
    until = None
    if action == "suspended":
        try:
            until = datetime.strptime(request.form.get("until", ""), "%Y-%m-%d").replace(tzinfo=timezone.utc)
        except ValueError:
            flash("Give the date the suspension ends (YYYY-MM-DD).", "error")
            return redirect(url_for("review.authors.show", user_id=user_id))
    note = (request.form.get("note") or "").strip()[:1000]
    try:
        rejected = set_standing(
            author, current_user, action, until, note, reject_waiting=request.form.get("reject_waiting") == "1",
            reject_reason=request.form.get("reject_reason") or "other",
        )
    except OperationError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        message = DONE[action].format(name=author.display_name, until=until)
        if rejected:
            message += f" {rejected} waiting comment{'s' if rejected != 1 else ''} rejected."
        flash(message, "success")
    return redirect(url_for("review.authors.show", user_id=user_id))
