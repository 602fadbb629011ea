"""The legal pages: appeals and notices for readers and senders, and their queues for moderators."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, EmailField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Regexp

from moderation.auth import role_required
from moderation.extensions import db, limiter
from moderation.forms import clean_text
from moderation.legal import appeals, notices, statements
from moderation.legal.models import Appeal, Notice, Statement
from moderation.models import Comment
from moderation.operations import OperationError
from moderation.pipeline import RULE_TEXT
from moderation.ratelimits import configured

bp = Blueprint("legal", __name__)
LIMITS = {
    "RATELIMIT_APPEAL_PER_READER": "5 per hour; 20 per day",
    "RATELIMIT_NOTICE_PER_ADDRESS": "5 per minute; 30 per day",
}
SOURCE_TEXT = {"machine": "the automatic classifiers", "moderator": "a moderator", "reports": "readers' reports",
               "notice": "a moderator, on a notice of illegal content", "appeal": "a moderator, on your appeal"}
ACTION_TEXT = {"rejected": "not published", "hidden": "hidden from readers", "removed": "removed"}
REVERSAL_TEXT = {"undo": "the moderator who took it undid it", "appeal": "your appeal reversed it",
                 "moderator": "a moderator reversed it",
                 "edited": "you edited the comment, and the new text was judged again"}


class AppealForm(FlaskForm):
    explanation = TextAreaField("Why the decision is wrong", filters=[clean_text], validators=[
        DataRequired(), Length(10, appeals.MAX_EXPLANATION)])


class NoticeForm(FlaskForm):
    category = SelectField(
        "Kind of illegal content",
        choices=[SelectChoice("", "choose")] + [SelectChoice(key, text) for key, text in notices.CATEGORIES.items()],
        validators=[DataRequired(message="Choose the kind of illegal content.")])
    explanation = TextAreaField("Why it is illegal (the law, and where in the comment)", filters=[clean_text],
                                validators=[DataRequired(), Length(20, notices.MAX_EXPLANATION)])
    email = EmailField("Your email, for our answer", filters=[lambda v: (v or "").strip()],
                       validators=[DataRequired(), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Enter a valid email address."),
                                   Length(max=254)])
    good_faith = BooleanField("I believe in good faith that what this notice says is accurate and complete.",
                              validators=[DataRequired(message="Confirm that you send the notice in good faith.")])


class DecisionForm(FlaskForm):
    outcome = RadioField("Outcome", validators=[InputRequired(message="Choose an outcome.")])
    reason = TextAreaField("Reason, sent to them", filters=[clean_text], validators=[DataRequired(), Length(5, 2000)])


def init_app(app):
    """Register the blueprint, the limits' defaults and what templates use to show statements."""
    for name, value in LIMITS.items():
        app.config.setdefault(name, value)
    app.register_blueprint(bp)

    # Globals rather than a context processor: macros imported without context (the rejection notice) read them.
    app.jinja_env.globals.update(statements_of=_statements_with_appeals, latest_statement=statements.latest,
                                 statement_source_text=SOURCE_TEXT, statement_action_text=ACTION_TEXT,
                                 statement_reversal_text=REVERSAL_TEXT)


def _statements_with_appeals(comment):
    """(statement, its appeal or None, whether it can be appealed now, its reversal or None) for a comment, newest
    first: the one that still stands, those appealed (to show the outcome) and those reversed (to say so); one a
    later decision replaced is not shown."""
    rows = statements.of_comment(comment.id)
    if not rows:
        return []
    filed = {a.statement_id: a for a in db.session.scalars(select(Appeal).where(Appeal.comment_id == comment.id))}
    reversed_ = statements.reversals_of(comment.id)
    unreversed = [s for s in rows if s.id not in reversed_]
    standing = unreversed[-1].id if unreversed and appeals.restricted(comment) else None
    user = current_user if current_user.is_authenticated else None
    return [(s, filed.get(s.id), user is not None and s.id == standing and appeals.refusal(s, user) is None,
             reversed_.get(s.id))
            for s in reversed(rows) if s.id == standing or s.id in filed or s.id in reversed_]


def _reader_key():
    return f"appeal-reader:{current_user.id}"


@bp.route("/legal/appeals/<uid>", methods=["GET", "POST"])
@login_required
@limiter.limit(configured("RATELIMIT_APPEAL_PER_READER"), key_func=_reader_key, methods=["POST"])
def appeal(uid):
    statement = db.session.scalar(select(Statement).where(Statement.uid == uid[:20]))
    if statement is None or statement.author_id != current_user.id:
        abort(404)
    form, status = AppealForm(), 200
    refusal = appeals.refusal(statement, current_user)
    if refusal is None and form.validate_on_submit():
        try:
            appeals.file_appeal(statement, current_user, form.explanation.data)
        except OperationError as error:
            db.session.rollback()
            form.explanation.errors.append(str(error))
            status = 422
        else:
            db.session.commit()
            flash(f"Your appeal against {statement.uid} is sent. A moderator who did not take the decision will "
                  "review it, and you will find the outcome here and by mail.", "success")
            return redirect(url_for("comments.my_comments"))
    elif request.method == "POST":
        status = 409 if refusal else 422
    return render_template("legal/appeal_form.html", statement=statement, comment=statement.comment, form=form,
                           refusal=refusal, rule_text=RULE_TEXT, deadline=statements.appeal_deadline(statement)), status


@bp.route("/legal/notices/new/<int:comment_id>", methods=["GET", "POST"])
@limiter.limit(configured("RATELIMIT_NOTICE_PER_ADDRESS"), key_func=lambda: f"notice-address:{request.remote_addr}",
               methods=["POST"])
def new_notice(comment_id):
    comment = db.session.get(Comment, comment_id)
    if not notices.noticeable(comment):
        abort(404)
    form, status = NoticeForm(), 200
    if request.method == "GET" and current_user.is_authenticated:
        form.email.data = current_user.contact_email or current_user.email
    if form.validate_on_submit():
        sender = current_user if current_user.is_authenticated else None
        notice = notices.file_notice(comment, form.category.data, form.explanation.data, form.email.data, sender)
        db.session.commit()
        return redirect(url_for("legal.notice_receipt", uid=notice.uid))
    if request.method == "POST":
        status = 422
    return render_template("legal/notice_form.html", comment=comment, form=form), status


@bp.get("/legal/notices/<uid>")
def notice_receipt(uid):
    """The receipt: whoever holds the unguessable id (the sender, from the page or the mail) sees where it stands."""
    notice = db.session.scalar(select(Notice).where(Notice.uid == uid[:20])) or abort(404)
    return render_template("legal/notice_receipt.html", notice=notice, categories=notices.CATEGORIES)


@bp.get("/review/appeals")
@role_required("moderator")
def appeals_queue():
    return render_template("legal/appeals_queue.html", open=appeals.open_appeals(), decided=appeals.recent_decisions(),
                           age=appeals.age)


@bp.route("/review/appeals/<int:appeal_id>", methods=["GET", "POST"])
@role_required("moderator")
def appeal_item(appeal_id):
    item = db.session.get(Appeal, appeal_id) or abort(404)
    form = DecisionForm()
    form.outcome.choices = [SelectChoice("upheld", "Uphold the decision"),
                            SelectChoice("reversed", "Reverse it: publish the comment")]
    done, status = _decide(item, form, appeals.decide_appeal, "legal.appeals_queue",
                           lambda: f"Appeal {item.id} {item.status}; the author is told why.")
    if done:
        return done
    return render_template("legal/appeal_item.html", appeal=item, statement=item.statement, comment=item.comment,
                           form=form, refusal=appeals.decider_refusal(item, current_user), rule_text=RULE_TEXT,
                           age=appeals.age), status


@bp.get("/review/notices")
@role_required("moderator")
def notices_queue():
    return render_template("legal/notices_queue.html", open=notices.open_notices(), decided=notices.recent_decisions(),
                           categories=notices.CATEGORIES, age=appeals.age)


@bp.route("/review/notices/<int:notice_id>", methods=["GET", "POST"])
@role_required("moderator")
def notice_item(notice_id):
    item = db.session.get(Notice, notice_id) or abort(404)
    form = DecisionForm()
    form.outcome.choices = [SelectChoice("removed", "Remove the comment"), SelectChoice("kept", "Keep it: not illegal")]
    done, status = _decide(item, form, notices.decide_notice, "legal.notices_queue",
                           lambda: f"Notice {item.uid}: comment {item.comment_id} {item.status}; "
                                   "the sender is told why.")
    if done:
        return done
    others = db.session.scalars(select(Notice).where(Notice.comment_id == item.comment_id, Notice.id != item.id)
                                .order_by(Notice.id)).all()
    return render_template("legal/notice_item.html", notice=item, comment=item.comment, form=form, others=others,
                           categories=notices.CATEGORIES, age=appeals.age), status


def _decide(item, form, decide, queue_endpoint, done_message):
    """Apply a moderator's decision form to an open appeal or notice: (redirect to the queue or None, status)."""
    if item.status == "open" and form.validate_on_submit():
        try:
            decide(item, current_user, form.outcome.data, form.reason.data)
        except OperationError as error:
            db.session.rollback()
            flash(str(error), "error")
            return None, 409
        db.session.commit()
        flash(done_message(), "success")
        return redirect(url_for(queue_endpoint)), 200
    if request.method == "POST":
        return None, 409 if item.status != "open" else 422
    return None, 200
