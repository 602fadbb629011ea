"""For admins: the audit log of every moderator and admin action, and the site settings (audit sample rate,
whether readers confirm their email before commenting)."""
from datetime import datetime, timezone

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select

from moderation.auth import role_required
from moderation.extensions import db
from moderation.forms import page_number, parse_id
from moderation.models import AuditEvent, User
from moderation.operations import get_setting, set_setting

bp = Blueprint("audit", __name__)


@bp.get("/audit")
@role_required("admin")
def log():
    filters = {key: (request.args.get(key) or "").strip()[:100] for key in ("actor", "action", "target", "since")}
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if filters["actor"]:
        pattern = f"%{filters['actor']}%"
        query = query.join(User, User.id == AuditEvent.actor_id).where(
            or_(User.display_name.ilike(pattern), User.email.ilike(pattern))
        )
    if filters["action"]:
        query = query.where(AuditEvent.action == filters["action"])
    if filters["target"]:
        kind, _, number = filters["target"].partition(":")
        query = query.where(AuditEvent.target_type == kind)
        if parse_id(number):
            query = query.where(AuditEvent.target_id == parse_id(number))
    if filters["since"]:
        try:
            since = datetime.strptime(filters["since"], "%Y-%m-%d").replace(tzinfo=timezone.utc)
        except ValueError:
            flash("Dates are written YYYY-MM-DD; that filter was ignored.", "error")
        else:
            query = query.where(AuditEvent.created_at >= since)
    page = db.paginate(query, page=page_number(request.args), per_page=50, error_out=False)
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    return render_template("review/audit.html", events=page, filters=filters, actions=actions)


@bp.route("/settings", methods=["GET", "POST"])
@role_required("admin")
def settings():
    rate, verify = get_setting("audit_sample_rate"), get_setting("require_verified_email")
    if request.method == "POST":
        try:
            percent = float(request.form.get("audit_percent", ""))
        except ValueError:
            percent = -1
        if not 0 <= percent <= 100:
            flash("The audit sample is a percentage between 0 and 100.", "error")
            return render_template("review/settings.html", percent=request.form.get("audit_percent", ""),
                                   verify=verify), 422
        set_setting("audit_sample_rate", percent / 100, current_user)
        wanted = request.form.get("require_verified_email") == "on"
        if wanted != verify:
            set_setting("require_verified_email", wanted, current_user)
        db.session.commit()
        flash(f"From now on {percent:g}% of automatic decisions go to the audit queue; readers "
              f"{'confirm' if wanted else 'need not confirm'} their email address before their first comment.",
              "success")
        return redirect(url_for("review.audit.settings"))
    return render_template("review/settings.html", percent=f"{rate * 100:g}", verify=verify)

