"""The moderators' queue: comments the rules could not decide, with scores, reasons and evidence."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from classifiers import RULES
from moderation.auth import role_required
from moderation.extensions import db
from moderation.forms import ReviewForm
from moderation.models import Comment
from moderation.operations import OperationError, review_comment
from moderation.pipeline import RULE_TEXT

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.get("/")
@role_required("moderator")
def queue():
    page = max(request.args.get("page", 1, type=int), 1)
    comments = db.paginate(
        select(Comment).where(Comment.status == "review").order_by(Comment.created_at, Comment.id),
        page=page,
        per_page=25,
        error_out=False,
    )
    return render_template(
        "review/queue.html", comments=comments, form=ReviewForm(), rules=RULES, rule_text=RULE_TEXT
    )


@bp.post("/<int:comment_id>")
@role_required("moderator")
def decide(comment_id):
    form = ReviewForm()
    if not form.validate_on_submit():
        flash("That decision could not be read; please try again.", "error")
        return redirect(url_for("review.queue"))
    try:
        review_comment(comment_id, current_user, form.action.data, form.reason.data or None, form.note.data)
    except OperationError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        verb = "approved" if form.action.data == "approve" else "rejected"
        flash(f"Comment {comment_id} {verb}.", "success")
    return redirect(url_for("review.queue", page=request.args.get("page", 1, type=int)))
