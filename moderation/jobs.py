"""Background jobs (train a version, compare one with the active version): one at a time across every host (a
unique slot in the database), run by the worker, progress and heartbeats stored."""
import os
import socket
import threading
from datetime import datetime, timezone

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from classifiers import store, training
from classifiers.evaluation import compare
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
from moderation.versions import share_artifact

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
    return _queue(Job(kind="train", status="queued", slot=1, row_limit=limit, created_by=user, heartbeat_at=_now()))


def create_comparison_job(version, user=None):
    """Queue a job that compares a stored version with the version active now and updates its card."""
    active = active_version()
    if active is None or active.name == version.name:
        raise OperationError(f"{version.name} is the active version; there is nothing to compare it with."
                             if active else "No version is active to compare with.")
    return _queue(Job(kind="compare", status="queued", slot=1, result_version=version.name, created_by=user,
                      heartbeat_at=_now()))


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


def worker_name():
    """This process as a worker: "host:pid"."""
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def _timeout():
    return float(current_app.config.get("JOB_HEARTBEAT_TIMEOUT", 60))


def _age(moment):
    """Seconds since a stored moment (SQLite returns naive datetimes in UTC)."""
    if moment is None:
        return float("inf")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (_now() - moment).total_seconds()


def reap_if_dead(job, requeue_lost=False):
    """A running job whose worker stopped sending heartbeats (killed, crashed, host gone) is queued again, or
    failed with its reason once it used its JOB_MAX_ATTEMPTS; with requeue_lost, a queued job nobody picked up
    within the timeout is sent to the queue again (a duplicate message is harmless: a job is claimed once).
    Returns True if the job changed."""
    if job is None or job.status not in ("queued", "running") or _age(job.heartbeat_at) < _timeout():
        return False
    if job.status == "queued":
        if requeue_lost:
            job.heartbeat_at = _now()
            db.session.flush()
            _send(job)
        return requeue_lost
    attempts = int(current_app.config.get("JOB_MAX_ATTEMPTS", 2))
    lost = f"The worker running it ({job.worker}) stopped answering for {int(_timeout())} s"
    if job.attempts < attempts:
        job.status, job.heartbeat_at, job.cancel_requested = "queued", _now(), False
        job.stage = f"queued again: its worker stopped answering (attempt {job.attempts + 1} of {attempts})"
        job.percent = 0
        db.session.flush()
        _send(job)
    else:
        fail(job, f"{lost} on attempt {job.attempts} of {attempts}; the job was not retried again.")
    return True


def reap_jobs():
    """Reap the current job if its worker is gone (the worker does this every minute and when it starts)."""
    changed = reap_if_dead(current_job(), requeue_lost=True)
    db.session.commit()
    return changed


def _send(job):
    from moderation.worker import enqueue, tasks

    enqueue(tasks.run_job, job.id)


def launch(job):
    """Send a committed job to the task queue; the worker runs it (`flask --app wsgi worker`)."""
    from moderation.worker import tasks

    return tasks.run_job(job.id)


class JobSuperseded(Exception):
    """Another worker took the job over (this one was presumed dead); stop without touching it."""


def _reporter(job_id, attempt, echo):
    """progress(stage, percent) for training: store it, echo it, and stop if a cancel was asked for."""

    def progress(stage, percent, scale=True):
        shown = int(percent * TRAINING_SHARE / 100) if scale else int(percent)
        row = db.session.execute(select(Job.cancel_requested, Job.status, Job.attempts)
                                 .where(Job.id == job_id)).one()
        if row.status != "running" or row.attempts != attempt:
            raise JobSuperseded(f"job {job_id} attempt {attempt} was taken over")
        if row.cancel_requested:
            raise JobCancelled("cancelled by an admin")
        db.session.execute(update(Job).where(Job.id == job_id)
                           .values(stage=stage[:120], percent=shown, heartbeat_at=_now()))
        db.session.commit()
        if echo:
            echo(stage, shown)

    return progress


class _Heartbeat:
    """A thread that stamps the job's heartbeat while it runs, so a dead worker is told from a slow stage."""

    def __init__(self, job_id, attempt):
        self.app = current_app._get_current_object()
        self.job_id, self.attempt = job_id, attempt
        self.interval = max(_timeout() / 4, 0.5)
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"job-{job_id}-heartbeat", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join()

    def _beat(self):
        while not self.stopped.wait(self.interval):
            try:
                with self.app.app_context(), db.engine.begin() as connection:
                    connection.execute(update(Job).where(Job.id == self.job_id, Job.attempts == self.attempt,
                                                         Job.status == "running").values(heartbeat_at=_now()))
            except Exception:  # a missed beat is retried at the next interval
                self.app.logger.warning("job %s: heartbeat failed", self.job_id, exc_info=True)


def run_job(job_id, echo=None):
    """Claim a queued job and run it in this process; returns the Job, whatever its outcome.

    The claim is one conditional UPDATE, so of two workers handed the same job only one runs it."""
    claimed = db.session.execute(
        update(Job).where(Job.id == job_id, Job.status == "queued")
        .values(status="running", started_at=_now(), pid=os.getpid(), worker=worker_name(), stage="starting",
                attempts=Job.attempts + 1, heartbeat_at=_now())
    ).rowcount
    db.session.commit()
    if not claimed:
        raise OperationError(f"Job {job_id} is not waiting to run.")
    attempt = db.session.scalar(select(Job.attempts).where(Job.id == job_id))
    progress = _reporter(job_id, attempt, echo)
    with _Heartbeat(job_id, attempt):
        try:
            job = db.session.get(Job, job_id)
            name = (_recompare if job.kind == "compare" else _train)(job, progress)
        except JobSuperseded:
            db.session.rollback()
            current_app.logger.warning("job %s: taken over by another worker; stopping", job_id)
            return db.session.get(Job, job_id)
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
    share_artifact(config["MODELS_DIR"], name, metadata["sha256"])  # every host fetches it from the database
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
