"""A reader's download of their data (/account/data.json) and the admin's settings (/admin/privacy)."""
import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from moderation.auth import role_required
from moderation.extensions import db, limiter
from moderation.operations import set_setting
from moderation.privacy.erasure import DELETION_MODES, deletion_mode
from moderation.privacy.export import reader_data
from moderation.privacy.retention import MAX_DAYS, retention_days

bp = Blueprint("privacy", __name__)
DAY_FIELDS = {"rejected_text_days": "rejected comments' texts", "api_text_days": "API calls' texts"}


@bp.get("/account/data.json")
@login_required
@limiter.limit("20/hour", key_func=lambda: f"data-export:{current_user.id}")
def download():
    body = json.dumps(reader_data(current_user), indent=2, ensure_ascii=False)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="my-data-{current_user.id}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _parse_days(form):
    """{field: days} from the form, or a message saying what is wrong."""
    days = {}
    for field, what in DAY_FIELDS.items():
        value = (form.get(field) or "").strip()
        if not (value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_DAYS):
            return None, f"Keep {what} for a whole number of days between 1 and {MAX_DAYS}."
        days[field] = int(value)
    return days, None


@bp.route("/admin/privacy", methods=["GET", "POST"])
@role_required("admin")
def settings():
    current = {"mode": deletion_mode(), **retention_days()}
    if request.method == "POST":
        days, problem = _parse_days(request.form)
        mode = request.form.get("deleted_account_comments")
        if mode not in DELETION_MODES:
            problem = problem or "Choose what deleting an account does to its comments."
        if problem:
            flash(problem, "error")
            wanted = {"mode": mode or current["mode"], **{f: request.form.get(f, "") for f in DAY_FIELDS}}
            return render_template("privacy/settings.html", current=wanted, modes=DELETION_MODES), 422
        changes = {"deleted_account_comments": mode, **days}
        for key, value in changes.items():
            if value != {"deleted_account_comments": current["mode"], **retention_days()}[key]:
                set_setting(key, value, current_user)
        db.session.commit()
        flash("Saved: the daily retention job uses these from its next run.", "success")
        return redirect(url_for("privacy.settings"))
    return render_template("privacy/settings.html", current=current, modes=DELETION_MODES)
