"""Background jobs (train a version, compare one with the active version): one at a time, progress stored."""
import os
import subprocess
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from classifiers import compare, store, training
from moderation.api import usage
from moderation.extensions import db
from moderation.models import Job, ModelVersion
from moderation.operations import (
    OperationError,
    active_version,
    moderator_decisions,
    next_version_name,
    register_version,
    split_decisions,
)
from moderation.pipeline import load_bundle

PROJECT_ROOT = Path(__file__).resolve().parents[1]
# Training reports 0-100; the job maps it to 0-TRAINING_SHARE and spends the rest comparing and saving.
TRAINING_SHARE = 85
FEEDBACK_SOURCE = "api_feedback"  # API clients' labels: a training source of their own
MAX_ERROR = 2000


class JobCancelled(Exception):
    """An admin asked the running job to stop."""


def _now():
    return datetime.now(timezone.utc)


def current_job():
    """The queued or running job, or None."""
    return db.session.scalar(select(Job).where(Job.slot == 1))


def _queue(job):
    """Queue a job; refused while another is queued or running (a unique slot in the database)."""
    busy = "A job is already queued or running; wait for it or cancel it."
    if current_job() is not None:
        raise OperationError(busy)
    try:
        with db.session.begin_nested():
            db.session.add(job)
    except IntegrityError as error:
        raise OperationError(busy) from error
    return job


def create_training_job(user=None, limit=None):
    """Queue a training job."""
    return _queue(Job(kind="train", status="queued", slot=1, row_limit=limit, created_by=user))


def create_comparison_job(version, user=None):
    """Queue a job that compares a stored version with the version active now and updates its card."""
    active = active_version()
    if active is None or active.name == version.name:
        raise OperationError(f"{version.name} is the active version; there is nothing to compare it with."
                             if active else "No version is active to compare with.")
    return _queue(Job(kind="compare", status="queued", slot=1, result_version=version.name, created_by=user))


def describe(job):
    """What a job does, in words for the admin pages."""
    if job.kind == "compare":
        return f"comparing {job.result_version} with the active version"
    return "training a new version"


def request_cancel(job):
    """Cancel a queued job at once; ask a running one to stop at its next progress report."""
    if job.status == "queued":
        _finish(job, "cancelled", stage="cancelled before it started")
    elif job.status == "running":
        job.cancel_requested = True
        db.session.flush()
    else:
        raise OperationError(f"This job has already {job.status}.")


def fail(job, error):
    """Mark a job failed with the error an admin will read."""
    _finish(job, "failed", stage="failed", error=error)


def _finish(job, status, stage=None, error=None):
    job.status, job.slot, job.finished_at = status, None, _now()
    if stage:
        job.stage = stage
    if error:
        job.error = error[:MAX_ERROR]
    db.session.flush()


def _process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_if_dead(job):
    """A queued or running job whose process has gone (crashed, killed, machine restarted) is marked failed."""
    if job is not None and job.status in ("queued", "running") and job.pid and not _process_alive(job.pid):
        fail(job, "The training process ended unexpectedly (see instance/jobs/ for its log).")
        return True
    return False


def launch(job):
    """Run the job in its own process (`flask run-job ID`), so it outlives the request and the worker."""
    app = current_app._get_current_object()
    log_dir = Path(app.instance_path) / "jobs"
    log_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "MODERATION_INSTANCE_PATH": app.instance_path}
    with open(log_dir / f"job-{job.id}.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "run-job", str(job.id)],
            cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    # Collect the exit status so the finished process leaves no zombie behind.
    threading.Thread(target=process.wait, daemon=True).start()
    return process


def _reporter(job_id, echo):
    """progress(stage, percent) for training: store it, echo it, and stop if a cancel was asked for."""

    def progress(stage, percent, scale=True):
        shown = int(percent * TRAINING_SHARE / 100) if scale else int(percent)
        if db.session.scalar(select(Job.cancel_requested).where(Job.id == job_id)):
            raise JobCancelled("cancelled by an admin")
        db.session.execute(update(Job).where(Job.id == job_id).values(stage=stage[:120], percent=shown))
        db.session.commit()
        if echo:
            echo(stage, shown)

    return progress


def run_job(job_id, echo=None):
    """Run a queued job in this process; returns the Job, whatever its outcome."""
    claimed = db.session.execute(
        update(Job).where(Job.id == job_id, Job.status == "queued")
        .values(status="running", started_at=_now(), pid=os.getpid(), stage="starting")
    ).rowcount
    db.session.commit()
    if not claimed:
        raise OperationError(f"Job {job_id} is not waiting to run.")
    progress = _reporter(job_id, echo)
    try:
        job = db.session.get(Job, job_id)
        name = (_recompare if job.kind == "compare" else _train)(job, progress)
    except JobCancelled:
        db.session.rollback()
        _finish(db.session.get(Job, job_id), "cancelled", stage="cancelled")
    except Exception as error:  # the job records any failure for the admin to read
        db.session.rollback()
        current_app.logger.exception("job %s failed", job_id)
        fail(db.session.get(Job, job_id), f"{type(error).__name__}: {error}")
    else:
        job = db.session.get(Job, job_id)
        job.result_version, job.percent = name, 100
        _finish(job, "succeeded", stage="done")
    db.session.commit()
    return db.session.get(Job, job_id)


def _train(job, progress):
    """Train on the corpora plus moderators' decisions (newest fifth held back); compare; save; register."""
    config = current_app.config
    train_on, held_back = split_decisions(moderator_decisions())
    feedback_on, feedback_held = usage.feedback_split()
    extra = train_on + [(text, labels, FEEDBACK_SOURCE) for text, labels in feedback_on]
    bundle = training.train(config["DATA_DIR"], extra, limit=job.row_limit, progress=progress)
    progress("comparing with the active version", TRAINING_SHARE + 2, scale=False)
    bundle.metadata["moderator_decisions"] = {"trained_on": len(train_on), "held_back": len(held_back)}
    bundle.metadata["api_feedback"] = {"trained_on": len(feedback_on), "held_back": len(feedback_held)}
    bundle.metadata["comparison"] = _compare(bundle, bundle.thresholds, held_back, job.row_limit, config,
                                             feedback_held)
    progress("saving the artifact", 97, scale=False)
    name = next_version_name()
    metadata = store.save(bundle, config["MODELS_DIR"], name)
    register_version(name, metadata)
    return name


def _recompare(job, progress):
    """Compare a stored version with the version active now, on today's held-back decisions; update its card."""
    config = current_app.config
    version = db.session.scalar(select(ModelVersion).where(ModelVersion.name == job.result_version))
    if version is None:
        raise OperationError(f"Version {job.result_version} no longer exists.")
    progress("loading the versions", 10, scale=False)
    bundle = load_bundle(config["MODELS_DIR"], version)
    _, held_back = split_decisions(moderator_decisions())
    progress("comparing with the active version", 30, scale=False)
    comparison = _compare(bundle, version.thresholds, held_back, version.card.get("limit"), config,
                          usage.feedback_split()[1])
    progress("saving the model card", 95, scale=False)
    changes = {"comparison": comparison}
    store.update_card(config["MODELS_DIR"], version.name, changes)
    version.card = {**version.card, **changes}
    db.session.commit()
    return version.name


def _compare(bundle, thresholds, held_back, limit, config, feedback_held=()):
    """The candidate's and the active version's figures on the same held-back decisions (moderators' and API
    clients' labels apart) and validation rows."""
    validation = compare.validation_set(config["DATA_DIR"], limit, bundle.metadata.get("seed", 0))
    result = {"candidate": compare.evaluate(bundle, thresholds, held_back, validation, feedback_held),
              "compared_at": _now().strftime("%Y-%m-%d %H:%M UTC")}
    active = active_version()
    if active is not None:
        result["against"] = active.name
        try:
            active_bundle = load_bundle(config["MODELS_DIR"], active)
            result["active"] = compare.evaluate(active_bundle, active.thresholds, held_back, validation,
                                                feedback_held)
        except Exception as error:  # a broken active artifact must not stop the candidate
            result["active_error"] = f"{type(error).__name__}: {error}"
    return result
