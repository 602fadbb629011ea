"""The admins' Integrations page: API keys and their usage, feedback labels, Coral's moderation phase."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from moderation.api import coral, keys, usage
from moderation.auth import role_required
from moderation.extensions import db
from moderation.models import ApiKey
from moderation.operations import OperationError

bp = Blueprint("integrations", __name__, url_prefix="/admin/integrations")


def _key_or_404(key_id):
    key = db.session.get(ApiKey, key_id)
    if key is None:
        abort(404)
    return key


def _page(new_key=None, new_secret=None, status=200):
    return render_template(
        "api/integrations.html", keys=keys.all_keys(), summaries=usage.key_summaries(),
        per_day=usage.calls_per_day(), phase_url=coral.phase_url(), secrets=len(coral.phase_secrets()),
        new_key=new_key, new_secret=new_secret, base_url=request.host_url.rstrip("/"),
        recent=usage.recent_calls(20),
    ), status


@bp.get("/")
@role_required("admin")
def index():
    return _page()


@bp.post("/keys")
@role_required("admin")
def create_key():
    try:
        key, raw = keys.create_key(request.form.get("name", ""), current_user, request.form.get("rate_limit"),
                                   bool(request.form.get("train_on_feedback")))
    except OperationError as error:
        flash(str(error), "error")
        return _page(status=400)
    db.session.commit()
    # Shown on this page once, never stored: a reload shows the list without it (no-store).
    response, status = _page(new_key=(key, raw))
    return response, status, {"Cache-Control": "no-store"}


@bp.post("/keys/<int:key_id>")
@role_required("admin")
def update_key(key_id):
    key = _key_or_404(key_id)
    try:
        keys.update_key(key, current_user, request.form.get("rate_limit"), request.form.get("train_on_feedback"))
    except OperationError as error:
        flash(str(error), "error")
        return _page(status=400)
    db.session.commit()
    flash(f"Saved the key {key.name}.", "success")
    return redirect(url_for(".index"))


@bp.post("/keys/<int:key_id>/revoke")
@role_required("admin")
def revoke_key(key_id):
    key = _key_or_404(key_id)
    keys.revoke_key(key, current_user)
    db.session.commit()
    flash(f"Revoked the key {key.name}: calls with it are refused from now on.", "success")
    return redirect(url_for(".index"))


@bp.get("/keys/<int:key_id>/feedback")
@role_required("admin")
def feedback(key_id):
    key = _key_or_404(key_id)
    return render_template("api/feedback.html", key=key, labels=usage.recent_feedback(key.id, 200))


@bp.post("/coral")
@role_required("admin")
def set_coral_secret():
    secret = request.form.get("secret", "")
    generated = not secret.strip()
    try:
        coral.set_phase_secret(coral.new_secret() if generated else secret, current_user)
    except ValueError as error:
        flash(str(error), "error")
        return _page(status=400)
    db.session.commit()
    if generated:
        response, status = _page(new_secret=coral.phase_secrets()[0])
        return response, status, {"Cache-Control": "no-store"}
    flash("Saved the signing secret; the previous one is still accepted until the next change.", "success")
    return redirect(url_for(".index"))
