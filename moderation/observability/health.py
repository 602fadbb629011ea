"""/healthz (the process answers) and /readyz (database, active version loaded and verified, task queue)."""
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from moderation import versions, worker
from moderation.observability import metrics
from moderation.extensions import db, limiter
from moderation.operations import active_version
from moderation.pipeline import load_bundle

bp = Blueprint("health", __name__)
limiter.exempt(bp)  # probes come every few seconds from the balancer's few addresses


@bp.get("/healthz")
def healthz():
    """The process is up and serving; nothing else is touched, so a slow database never restarts it."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """200 when this host can judge comments and queue work, else 503 naming the failing checks."""
    checks = {"database": _database(), "classifier": _classifier(), "queue": _queue()}
    ready = all(check["ok"] for check in checks.values())
    failing = [name for name, check in checks.items() if not check["ok"]]
    if failing:
        current_app.logger.warning("not ready: %s", "; ".join(f"{n}: {checks[n].get('error')}" for n in failing))
        if not metrics.may_read():  # what failed, for everyone; why (paths, hosts) only for those who read /metrics
            for name in failing:
                checks[name]["error"] = "failing (details at /readyz for METRICS_ALLOW addresses or the token)"
    return jsonify(status="ready" if ready else "not ready", failing=failing, checks=checks), 200 if ready else 503


def _problem(error):
    return f"{type(error).__name__}: {str(error)[:300]}"


def _database():
    try:
        db.session.execute(text("SELECT 1"))
        return {"ok": True}
    except Exception as error:
        db.session.rollback()
        return {"ok": False, "error": _problem(error)}


def _classifier():
    """The active version, loaded by the loader comments use (which checks the sha256), its artifact intact."""
    try:
        version = active_version()
        if version is None:
            return {"ok": False, "error": "no classifier version is active"}
        load_bundle(current_app.config["MODELS_DIR"], version)
        problem = versions.artifact_problem(current_app.config["MODELS_DIR"], version)
        if problem:
            return {"ok": False, "version": version.name, "error": problem}
        return {"ok": True, "version": version.name}
    except Exception as error:
        db.session.rollback()
        return {"ok": False, "error": _problem(error)}


def _queue():
    """The task queue's storage answers (Redis, or the SQLite file): the worker's work can be queued."""
    backend = worker.queue_backend(current_app).split(":", 1)[0]
    try:
        return {"ok": True, "backend": backend, "waiting": worker.huey.storage.queue_size()}
    except Exception as error:
        return {"ok": False, "backend": backend, "error": _problem(error)}
