"""Admin pages: the transparency report for a period with charts, and its CSV and JSON exports."""
import io
from datetime import date, timedelta

from flask import Blueprint, Response, flash, jsonify, render_template, request

from moderation.auth import role_required
from moderation.models import utcnow
from moderation.pipeline import RULE_TEXT
from moderation.transparency.cli import write_csv
from moderation.transparency.report import build_report

bp = Blueprint("transparency", __name__, url_prefix="/admin/transparency")
MAX_DAYS = 3660  # a period of up to ten years


def _period():
    """The asked period (default: the last 30 days), or None with a message when the dates do not make one."""
    today = utcnow().date()
    try:
        first = date.fromisoformat(request.args.get("from") or (today - timedelta(days=29)).isoformat())
        last = date.fromisoformat(request.args.get("to") or today.isoformat())
    except ValueError:
        return None, "Dates are written YYYY-MM-DD."
    if last < first:
        return None, "The period ends before it starts."
    if (last - first).days > MAX_DAYS:
        return None, "A report covers at most ten years."
    return (first, last), None


def _rule_label(rule):
    return {**{key: text.removeprefix("Comments ").rstrip(".") for key, text in RULE_TEXT.items()},
            "spam": "spam", "other": "other reason"}.get(rule, rule)


def _duration(seconds):
    """Seconds in words a reader takes in at a glance."""
    if seconds is None:
        return "no decisions"
    if seconds < 120:
        return f"{seconds:g} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


@bp.get("/")
@role_required("admin")
def page():
    period, problem = _period()
    if problem:
        flash(problem, "error")
        return render_template("transparency/report.html", report=None, args=request.args), 400
    report = build_report(*period)
    by_rule = report["decisions"]["rejections_by_rule"]
    return render_template(
        "transparency/report.html", report=report, args=request.args, label=_rule_label, duration=_duration,
        auto_rows=[(_rule_label(rule), n["automated"]) for rule, n in by_rule.items() if rule in RULE_TEXT],
        human_rows=[(_rule_label(rule), n["human"]) for rule, n in by_rule.items()])


def _export(kind):
    period, problem = _period()
    if problem:
        return jsonify(error=problem), 400
    report = build_report(*period)
    name = f"transparency-{period[0]}-{period[1]}.{kind}"
    if kind == "json":
        response = jsonify(report)
    else:
        buffer = io.StringIO()
        write_csv(report, buffer)
        response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/report.json")
@role_required("admin")
def export_json():
    return _export("json")


@bp.get("/report.csv")
@role_required("admin")
def export_csv():
    return _export("csv")
