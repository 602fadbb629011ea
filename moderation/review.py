"""The moderators' workspace: queues, one item's evidence, decisions, undo, bulk decisions, holds."""
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import select

from classifiers import RULES
from moderation import audit, authors, stats
from moderation.auth import role_required
from moderation.extensions import db
from moderation.forms import ReviewForm, last_page_url, page_number, parse_id
from moderation.models import AuditEvent, Comment, Report, Review, utcnow
from moderation.operations import (
    REVIEW_REASONS,
    OperationError,
    as_utc,
    hold_comment,
    release_hold,
    review_comment,
    sweep_pending,
    undo_review,
)
from moderation.pipeline import RULE_TEXT
from moderation.thread.changes import set_featured
from moderation.authors import author_history
from moderation.queues import AGE_CHOICES, QUEUES, clean_filters, paginate, queue_counts, queue_items

bp = Blueprint("review", __name__, url_prefix="/review")
bp.register_blueprint(authors.bp)
bp.register_blueprint(audit.bp)
bp.register_blueprint(stats.bp)

REASON_LABELS = {
    "not_english": "Language",
    "not_sentences": "Full sentences",
    "abuse": "Abuse",
    "personal_attack": "Personal attack",
    "spam": "Spam",
    "other": "Other",
}
UNDO_KEPT = 20  # decisions this session can take back
MAX_BULK = 2000


@bp.app_context_processor
def workspace_globals():
    return {"reason_labels": REASON_LABELS, "now_utc": utcnow}


def _back(default=None):
    """Where to return after a decision: the queue page it came from, never off this site."""
    target = request.form.get("next") or ""
    if target.startswith("/review") and not target.startswith("//"):
        return target
    return default or url_for("review.queue")


def _remember_for_undo(review):
    session["undo"] = (session.get("undo", []) + [review.id])[-UNDO_KEPT:]


@bp.get("/")
@role_required("moderator")
def queue():
    name = request.args.get("queue", "review")
    if name not in QUEUES:
        abort(404)
    if sweep_pending():  # the worker sweeps each minute; a site running without one still shows stranded comments
        db.session.commit()
    filters = clean_filters(request.args)
    items = queue_items(name, filters)
    page = paginate(items, page_number(request.args))
    if last_page_url(page):
        return redirect(last_page_url(page))
    last = _last_undoable()
    return render_template(
        "review/queue.html", page=page, queue=name, queues=QUEUES, counts=queue_counts(),
        filters=filters, age_choices=AGE_CHOICES, form=ReviewForm(), rules=RULES, rule_text=RULE_TEXT,
        last=last, me=current_user.id, compact=request.args.get("view") == "compact",
    )


def _last_undoable():
    """This session's latest decision that still exists, for the Undo button."""
    ids = session.get("undo", [])
    return db.session.get(Review, ids[-1]) if ids else None


@bp.get("/item/<int:comment_id>")
@role_required("moderator")
def item(comment_id):
    comment = db.session.get(Comment, comment_id) or abort(404)
    holder = hold_comment(comment_id, current_user)
    db.session.commit()
    if holder.id != current_user.id:
        flash(f"{holder.display_name} is working on this comment; you can read it but not decide it now.", "info")
    reports = db.session.scalars(select(Report).where(Report.comment_id == comment_id).order_by(Report.id)).all()
    edits = db.session.scalars(select(AuditEvent).where(
        AuditEvent.target_type == "comment", AuditEvent.target_id == comment_id,
        AuditEvent.action.in_(("edit", "delete"))).order_by(AuditEvent.id)).all()
    return render_template(
        "review/item.html", comment=comment, verdict=comment.verdict, reports=reports,
        history=author_history(comment.author), form=ReviewForm(), rules=RULES, rule_text=RULE_TEXT,
        holder=holder, held_until=as_utc(comment.held_until), back=request.args.get("back", ""), edits=edits,
    )


@bp.post("/<int:comment_id>/hold")
@role_required("moderator")
def hold(comment_id):
    try:
        holder = hold_comment(comment_id, current_user)
    except OperationError as error:
        return jsonify(error=str(error)), 404
    db.session.commit()
    return jsonify(held_by=holder.display_name, mine=holder.id == current_user.id)


@bp.post("/<int:comment_id>/release")
@role_required("moderator")
def release(comment_id):
    """Sent when a moderator moves on from an item or closes its page (navigator.sendBeacon)."""
    released = release_hold(comment_id, current_user)
    db.session.commit()
    return jsonify(released=released)


@bp.get("/counts")
@role_required("moderator")
def counts():
    """How many wait in each queue, for the tabs to update without a reload."""
    return jsonify(queue_counts())


@bp.post("/<int:comment_id>")
@role_required("moderator")
def decide(comment_id):
    form = ReviewForm()
    if not form.validate_on_submit():
        flash("That decision could not be read; please try again.", "error")
        return redirect(_back())
    raw_revision = request.form.get("revision") or None
    revision = raw_revision and parse_id(raw_revision, minimum=0)
    if raw_revision and revision is None:
        flash("That decision could not be read; please try again.", "error")
        return redirect(_back())
    try:
        review = review_comment(
            comment_id, current_user, form.action.data, form.reason.data or None, form.note.data, revision
        )
    except OperationError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        _remember_for_undo(review)
        verb = "approved" if form.action.data == "approve" else "rejected"
        flash(f"Comment {comment_id} {verb}.", "success")
    return redirect(_back(url_for("review.queue", page=page_number(request.args))))


@bp.post("/undo/<int:review_id>")
@role_required("moderator")
def undo(review_id):
    if review_id not in session.get("undo", []):
        flash("Only decisions made in this session can be undone here; use the Published or Rejected list.", "error")
        return redirect(_back())
    try:
        comment = undo_review(review_id, current_user)
    except OperationError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"Undone: comment {comment.id} is back to {comment.status}.", "success")
    session["undo"] = [i for i in session.get("undo", []) if i != review_id]
    return redirect(_back())


def _targets():
    """(id, revision) pairs for a bulk decision: the selection, or every item of the filtered list."""
    if request.args.get("scope") == "filtered":
        name = request.form.get("queue", "review")
        if name not in QUEUES:
            abort(400)
        return [(i.comment.id, i.comment.revision) for i in queue_items(name, clean_filters(request.form))]
    ids = [i for i in (parse_id(v) for v in request.form.getlist("ids")[:MAX_BULK]) if i]
    rows = db.session.execute(select(Comment.id, Comment.revision).where(Comment.id.in_(ids))).all()
    return [tuple(row) for row in rows]


@bp.post("/bulk")
@role_required("moderator")
def bulk():
    action, reason = request.form.get("action"), request.form.get("reason") or None
    note = (request.form.get("note") or "")[:1000]
    if action not in ("approve", "reject") or (action == "reject" and reason not in REVIEW_REASONS):
        flash("Choose approve, or reject with a reason, for a bulk decision.", "error")
        return redirect(_back())
    if request.form.get("confirmed") != "1":
        targets = _targets()
        if not targets:
            flash("Select at least one comment.", "error")
            return redirect(_back())
        return render_template(
            "review/confirm.html", targets=targets, action=action, reason=reason, note=note, back=_back()
        )
    done = refused = 0
    for pair in request.form.get("targets", "").split(",")[:MAX_BULK]:
        comment_id, _, revision = pair.partition(":")
        comment_id, revision = parse_id(comment_id), parse_id(revision, minimum=0)
        if comment_id is None or revision is None:
            continue
        try:
            review = review_comment(comment_id, current_user, action, reason, note, revision)
        except OperationError:
            refused += 1
        else:
            done += 1
            _remember_for_undo(review)
    db.session.commit()
    verb = "Approved" if action == "approve" else "Rejected"
    message = f"{verb} {done} comment{'s' if done != 1 else ''}."
    if refused:
        message += f" {refused} had been decided or were held by another moderator meanwhile, and were left alone."
    flash(message, "success" if not refused else "info")
    return redirect(_back())


@bp.post("/<int:comment_id>/feature")
@role_required("moderator")
def feature(comment_id):
    """Feature a published top-level comment, shown first in its story's thread (or stop featuring it)."""
    comment = db.session.get(Comment, comment_id) or abort(404)
    try:
        set_featured(comment, current_user, request.form.get("featured") == "1")
    except OperationError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Featured: shown first in the thread." if comment.featured else "No longer featured.", "success")
    return redirect(url_for("comments.story", slug=comment.story.slug, _anchor=f"c{comment_id}"))
