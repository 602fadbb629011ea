"""Prometheus metrics (prometheus-client): counters and histograms kept per process, queue and job figures read
from the database at scrape time, and /metrics for allowed addresses or a bearer token.

Under gunicorn set PROMETHEUS_MULTIPROC_DIR (an empty folder, emptied at each start): every worker process writes
its counters there and a scrape adds them up. Without it each process reports only its own."""
import hmac
import ipaddress
import os
import time

from flask import Blueprint, Response, current_app, g, has_app_context, has_request_context, request
from prometheus_client import (CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram,
                               disable_created_metrics, generate_latest, multiprocess)
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from moderation import pipeline
from moderation.extensions import db, limiter
from moderation.models import Comment, Job, ModelVersion, Verdict, utcnow
from moderation.operations import INSERTED_ROWS

FAST = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
JOB_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200)
VERDICTS = "moderation.observability.verdicts"
disable_created_metrics()  # no *_created series beside each counter: half the scrape, nothing operators read

REQUESTS = Counter("moderation_http_requests", "Requests answered, by route (endpoint name) and status.",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("moderation_http_request_duration_seconds", "Time to answer a request, by route.",
                    ["endpoint", "method"])
JUDGED = Counter("moderation_comments_judged", "Comments the machine decided (or sent to review on a failure).",
                 ["decision"])
RULES = Counter("moderation_comment_rules", "Rules that led to each machine decision: a rule broken or doubtful, "
                "'none', or 'classifier_error' (the machine failed and the comment went to review).",
                ["decision", "rule"])
STAGES = Histogram("moderation_classifier_stage_seconds", "Classifier time per stage: load (artifact checked and "
                   "read), language, abuse (scores), spans (highlighted words), assess (all of one call).",
                   ["stage"], buckets=FAST)
API_CALLS = Counter("moderation_api_calls", "API calls by key (prefix and name, never the secret), route and status.",
                    ["key", "key_name", "endpoint", "status"])

bp = Blueprint("metrics", __name__)
limiter.exempt(bp)


def init_app(app):
    """Settings, the request hooks, the comment-decision hooks and the stage timers on every loaded version."""
    app.config.setdefault("METRICS_ALLOW", os.environ.get("METRICS_ALLOW", "127.0.0.1/32,::1/128"))
    app.config.setdefault("METRICS_TOKEN", os.environ.get("METRICS_TOKEN") or None)
    app.before_request(_start)
    app.after_request(_finish)
    if _time_stages not in pipeline.load_hooks:
        pipeline.load_hooks.append(_time_stages)
    app.register_blueprint(bp)


def _start():
    g.metrics_started = time.perf_counter()


def _finish(response):
    """Count the request under its route's endpoint name (never the raw path) and an API call under its key."""
    endpoint = request.endpoint or "unmatched"
    elapsed = time.perf_counter() - g.get("metrics_started", time.perf_counter())
    LATENCY.labels(endpoint, request.method).observe(elapsed)
    REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
    key = g.get("api_key") or g.get("rest_key")
    if key is not None:
        prefix, name = _key_label(key)
        API_CALLS.labels(prefix, name, endpoint, str(response.status_code)).inc()
    elif endpoint.startswith("coral."):
        API_CALLS.labels("", "coral", endpoint, str(response.status_code)).inc()
    return response


def _key_label(key):
    """(prefix, name) of the key the request authenticated with: a plain row (moderation.api.keys.authenticate)."""
    return getattr(key, "prefix", ""), getattr(key, "name", "")


def _note(session, row):
    """Remember a new machine verdict as plain values (the rows expire at commit) until its transaction ends."""
    rules = ["classifier_error"] if row.error else list(row.broken_rules or []) or ["none"]
    comment = row.__dict__.get("comment") or session.identity_map.get(identity_key(Comment, row.comment_id))
    # the text only for LOG_COMMENT_TEXT=1, and only when already loaded (never read for it)
    text = comment.__dict__.get("text") if comment is not None else None
    session.info.setdefault(VERDICTS, []).append((row.comment_id, row.decision, rules, text))


@event.listens_for(Session, "after_flush")
def _note_flushed_verdicts(session, _context):
    for row in session.new:
        if isinstance(row, Verdict):
            _note(session, row)


@event.listens_for(Session, "before_commit")
def _note_inserted_verdicts(session):
    """Verdicts the posting path writes with a Core INSERT (operations.insert_loaded), which no flush sees."""
    for row in session.info.pop(INSERTED_ROWS, []):
        if isinstance(row, Verdict):
            _note(session, row)


@event.listens_for(Session, "after_commit")
def _count_verdicts(session):
    judged = session.info.pop(VERDICTS, [])
    for _comment_id, decision, rules, _text in judged:
        JUDGED.labels(decision).inc()
        for rule in rules:
            RULES.labels(decision, rule).inc()
    if judged and has_request_context():
        g.setdefault("judged_comments", []).extend(judged)  # for the request's log line


@event.listens_for(Session, "after_soft_rollback")
def _forget_verdicts(session, previous_transaction):
    if previous_transaction.parent is None:
        session.info.pop(VERDICTS, None)
        session.info.pop(INSERTED_ROWS, None)


class _Timed:
    """A method that reports its duration under a stage."""

    def __init__(self, method, stage):
        self.method, self.stage = method, stage

    def __call__(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return self.method(*args, **kwargs)
        finally:
            STAGES.labels(self.stage).observe(time.perf_counter() - started)


def _time_stages(bundle, load_seconds):
    """Time the stages of a bundle just loaded for serving (its instance only; the artifact is untouched)."""
    STAGES.labels("load").observe(load_seconds)
    for part, method, stage in (("language_gate", "assess_many", "language"),
                                ("abuse_models", "predict_proba", "abuse"),
                                ("abuse_models", "spans_many", "spans"), (None, "assess_many", "assess")):
        owner = getattr(bundle, part) if part else bundle
        if hasattr(owner, method):
            setattr(owner, method, _Timed(getattr(owner, method), stage))
    return bundle


class DatabaseFigures:
    """Gauges read from the database at scrape time: the same on every host, so take max(), not sum()."""

    def describe(self):
        return []  # nothing to read at registration: the figures need the app's database

    def collect(self):
        if not has_app_context():
            return
        up = GaugeMetricFamily("moderation_database_up", "1 when the scrape could read the database.")
        try:
            families = list(self._families())
            up.add_metric([], 1)
        except Exception:
            current_app.logger.exception("reading figures for /metrics failed")
            db.session.rollback()
            families = []
            up.add_metric([], 0)
        yield up
        yield from families

    def _families(self):
        from moderation.queues import queue_counts

        now = utcnow()
        queue = GaugeMetricFamily("moderation_review_queue_items", "Items waiting in each moderator queue.",
                                  labels=["queue"])
        for name, count in queue_counts().items():
            queue.add_metric([name], count)
        yield queue
        for status, label in (("review", "review"), ("pending", "pending")):
            count, oldest = db.session.execute(
                select(func.count(), func.min(Comment.created_at)).where(Comment.status == status)).one()
            yield GaugeMetricFamily(f"moderation_comments_{label}", f"Comments now in status {status}.", value=count)
            age = (now - _utc(oldest)).total_seconds() if oldest else 0
            yield GaugeMetricFamily(f"moderation_{label}_oldest_age_seconds",
                                    f"Age of the oldest comment in status {status} (0 when none).", value=age)
        jobs = GaugeMetricFamily("moderation_jobs", "Background jobs by kind and state.", labels=["kind", "state"])
        for kind, state, count in db.session.execute(
                select(Job.kind, Job.status, func.count()).group_by(Job.kind, Job.status)):
            jobs.add_metric([kind, state], count)
        yield jobs
        yield self._durations()
        active = GaugeMetricFamily("moderation_active_version", "The classifier version in force (1).",
                                   labels=["version"])
        for name in db.session.scalars(select(ModelVersion.name).where(ModelVersion.active)):
            active.add_metric([name], 1)
        yield active

    @staticmethod
    def _durations():
        """A histogram of finished jobs' run times, by kind and final state, from their start and finish times."""
        family = HistogramMetricFamily("moderation_job_duration_seconds", "Run time of finished background jobs.",
                                       labels=["kind", "state"])
        runs = {}
        for kind, state, started, finished in db.session.execute(
                select(Job.kind, Job.status, Job.started_at, Job.finished_at)
                .where(Job.started_at.is_not(None), Job.finished_at.is_not(None))):
            runs.setdefault((kind, state), []).append(max((_utc(finished) - _utc(started)).total_seconds(), 0))
        for (kind, state), seconds in sorted(runs.items()):
            buckets = [(str(float(edge)), sum(s <= edge for s in seconds)) for edge in JOB_BUCKETS]
            family.add_metric([kind, state], buckets + [("+Inf", len(seconds))], sum(seconds))
        return family


def _utc(moment):
    from moderation.operations import as_utc

    return as_utc(moment) if moment else moment


DATABASE_FIGURES = DatabaseFigures()
REGISTRY.register(DATABASE_FIGURES)


def _registry():
    """Every process's counters from the shared folder under gunicorn, else this process's own."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(DATABASE_FIGURES)
    return registry


def may_read():
    """True for an allowed address (not one relayed by an unconfigured proxy) or the right bearer token."""
    config = current_app.config
    header = request.headers.get("Authorization", "")
    token = config.get("METRICS_TOKEN")
    if token and header[:7].lower() == "bearer ":
        return hmac.compare_digest(header[7:].strip().encode(), token.encode())
    if "X-Forwarded-For" in request.headers and not config.get("PROXY_COUNT"):
        return False  # a proxy on this host makes every visitor look local
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    for allowed in filter(None, (part.strip() for part in str(config["METRICS_ALLOW"]).split(","))):
        if address in ipaddress.ip_network(allowed, strict=False):
            return True
    return False


@bp.get("/metrics")
def scrape():
    """The metrics in Prometheus' text format; 404 to others (403 when a wrong token was sent)."""
    if not may_read():
        sent_token = request.headers.get("Authorization", "")[:7].lower() == "bearer "
        return Response("Forbidden\n" if sent_token else "Not Found\n", 403 if sent_token else 404,
                        mimetype="text/plain")
    return Response(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
