"""Admin pages: stories, and the classifier versions: train, compare, tune thresholds, promote."""
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from classifiers import RULES
from classifiers.evaluation.report import card_sections, unmet
from moderation import jobs, versions
from moderation.auth import role_required
from moderation.extensions import db
from moderation.forms import StoryForm
from moderation.models import ROLES, Job, ModelVersion, Story, User
from moderation.operations import (
    OperationError,
    active_version,
    change_role,
    promote_version,
    profanity_setting,
    record_audit,
    save_story,
)

MAX_TRAINING_LIMIT = 1_000_000

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@role_required("admin")
def dashboard():
    stories = db.session.scalars(select(Story).order_by(Story.created_at.desc())).all()
    versions = db.session.scalars(select(ModelVersion).order_by(ModelVersion.id.desc())).all()
    return render_template("admin/dashboard.html", stories=stories, versions=versions)


@bp.route("/stories/new", methods=["GET", "POST"])
@role_required("admin")
def new_story():
    form = StoryForm()
    if form.validate_on_submit():
        story = save_story(form.title.data, form.summary.data, form.url.data, form.comments_open.data)
        db.session.commit()
        flash("Story created.", "success")
        return redirect(url_for("comments.story", slug=story.slug))
    return render_template("admin/story_form.html", form=form, story=None)


@bp.route("/stories/<int:story_id>/edit", methods=["GET", "POST"])
@role_required("admin")
def edit_story(story_id):
    story = db.session.get(Story, story_id) or abort(404)
    form = StoryForm(obj=story)
    if form.validate_on_submit():
        save_story(form.title.data, form.summary.data, form.url.data, form.comments_open.data, story)
        db.session.commit()
        flash("Story saved.", "success")
        return redirect(url_for("comments.story", slug=story.slug))
    return render_template("admin/story_form.html", form=form, story=story)


def _version_or_404(name):
    return db.session.scalar(select(ModelVersion).where(ModelVersion.name == name)) or abort(404)


def _job_json(job):
    return {"id": job.id, "status": job.status, "stage": job.stage, "percent": job.percent, "error": job.error,
            "version": job.result_version, "cancel_requested": job.cancel_requested}


@bp.get("/models")
@role_required("admin")
def models():
    jobs.reap_if_dead(jobs.current_job())
    db.session.commit()
    all_versions = db.session.scalars(select(ModelVersion).order_by(ModelVersion.id.desc())).all()
    problems = {v.name: versions.artifact_problem(current_app.config["MODELS_DIR"], v) for v in all_versions}
    recent_jobs = db.session.scalars(select(Job).order_by(Job.id.desc()).limit(10)).all()
    return render_template("admin/models.html", versions=all_versions, problems=problems,
                           unmet={v.name: unmet(v.card or {}) for v in all_versions},
                           current=jobs.current_job(), recent_jobs=recent_jobs, describe=jobs.describe)


@bp.post("/models/train")
@role_required("admin")
def start_training():
    raw = request.form.get("limit", "").strip().lower()
    if raw != "all" and not (raw.isdigit() and 100 <= int(raw) <= MAX_TRAINING_LIMIT):
        flash(f"Rows per corpus file: 'all', or a whole number from 100 to {MAX_TRAINING_LIMIT:,}.", "error")
        return redirect(url_for("admin.models"))
    limit = None if raw == "all" else int(raw)
    try:
        job = jobs.create_training_job(current_user, limit)
    except OperationError as error:
        flash(str(error), "error")
        return redirect(url_for("admin.models"))
    record_audit(current_user, "train", "job", job.id, after={"limit": limit})
    return _launch(job)


@bp.post("/models/<name>/compare")
@role_required("admin")
def start_comparison(name):
    version = _version_or_404(name)
    try:
        job = jobs.create_comparison_job(version, current_user)
    except OperationError as error:
        flash(str(error), "error")
        return redirect(url_for("admin.model_card", name=name))
    record_audit(current_user, "compare", "model_version", version.id, after={"job": job.id})
    return _launch(job)


def _launch(job):
    """Commit a queued job and send it to the worker; a queue that cannot be reached fails the job, shown to the
    admin."""
    db.session.commit()
    try:
        jobs.launch(job)
    except Exception as error:  # Redis down, the queue file unwritable: the admin reads why
        current_app.logger.exception("job %s could not be queued", job.id)
        jobs.fail(job, f"Could not reach the task queue: {type(error).__name__}: {error}")
        flash(job.error, "error")
    db.session.commit()
    return redirect(url_for("admin.models"))


@bp.get("/models/job")
@role_required("admin")
def job_status():
    job = db.session.scalar(select(Job).order_by(Job.id.desc()).limit(1))
    if job is None:
        return jsonify({"status": "none"})
    if jobs.reap_if_dead(job):
        db.session.commit()
    return jsonify(_job_json(job))


@bp.post("/models/job/cancel")
@role_required("admin")
def cancel_job():
    job = jobs.current_job()
    if job is None:
        flash("No job is queued or running.", "info")
        return redirect(url_for("admin.models"))
    jobs.request_cancel(job)
    record_audit(current_user, "cancel_job", "job", job.id)
    flash("Cancelled." if job.status == "cancelled" else "The job will stop at its next step.", "info")
    db.session.commit()
    return redirect(url_for("admin.models"))


@bp.get("/models/<name>")
@role_required("admin")
def model_card(name):
    version = _version_or_404(name)
    active = active_version()
    return render_template(
        "admin/model_card.html", version=version, active=active, rules=RULES,
        problem=versions.artifact_problem(current_app.config["MODELS_DIR"], version),
        comparison=versions.comparison_rows(version.card), what_if=versions.what_if(version.thresholds),
        figures=card_sections(version.card or {}, profanity_setting()),
    )


@bp.get("/models/<name>/what-if")
@role_required("admin")
def what_if(name):
    version = _version_or_404(name)
    try:
        thresholds = versions.parse_thresholds(request.args, version.thresholds)
    except OperationError as error:
        return jsonify({"error": str(error)}), 400
    return jsonify(versions.what_if(thresholds))


@bp.post("/models/<name>/thresholds")
@role_required("admin")
def save_thresholds(name):
    version = _version_or_404(name)
    try:
        thresholds = versions.parse_thresholds(request.form, version.thresholds)
    except OperationError as error:
        flash(f"Thresholds not saved: {error}", "error")
        return redirect(url_for("admin.model_card", name=name))
    before = version.thresholds
    versions.save_thresholds(version, thresholds)
    record_audit(current_user, "thresholds", "model_version", version.id, before, version.thresholds)
    db.session.commit()
    flash(f"Thresholds of {name} saved; they apply to comments judged from now on.", "success")
    return redirect(url_for("admin.model_card", name=name))


@bp.post("/models/<name>/promote")
@role_required("admin")
def promote(name):
    version = _version_or_404(name)
    problem = versions.artifact_problem(current_app.config["MODELS_DIR"], version, fetch=True)
    if problem:
        flash(f"{name} cannot be promoted: {problem}.", "error")
        return redirect(url_for("admin.models"))
    below = unmet(version.card or {})
    worse = [label for section, label, _, _, is_worse in versions.comparison_rows(version.card or {}) if is_worse]
    if (below or worse) and request.form.get("confirmed") != "1":
        # Every new comment is judged by the active version: a weaker one takes a second, informed click.
        return render_template("admin/confirm_promote.html", version=version, below=below, worse=worse,
                               active=active_version())
    previous = active_version()
    promote_version(name)
    record_audit(current_user, "promote", "model_version", version.id,
                 {"active": previous.name if previous else None}, {"active": name})
    db.session.commit()
    flash(f"{name} is now active; every worker on every host uses it from its next comment.", "success")
    return redirect(url_for("admin.models"))


@bp.get("/users")
@role_required("admin")
def users():
    people = db.session.scalars(select(User).order_by(User.role.desc(), User.email)).all()
    return render_template("admin/users.html", people=people, roles=ROLES)


@bp.post("/users/<int:user_id>/role")
@role_required("admin")
def set_role(user_id):
    user = db.session.get(User, user_id) or abort(404)
    try:
        change_role(current_user, user, request.form.get("role", ""))
    except OperationError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"{user.email} is now a {user.role}.", "success")
    return redirect(url_for("admin.users"))
