"""What API clients did: every call recorded against its key, their feedback labels, and the figures admins see."""
import random
import time
from collections import defaultdict
from datetime import timedelta

from flask import current_app, g
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from moderation.extensions import db
from moderation.models import ApiCall, ApiFeedback, ApiKey, utcnow
from moderation.operations import split_decisions

# Attributes a client's label can teach, and the house rule each teaches.
ABUSIVE = ("TOXICITY", "SEVERE_TOXICITY", "IDENTITY_ATTACK", "THREAT", "PROFANITY", "ABUSE")
LATENCY_SAMPLE = 5000  # latency percentiles come from a key's newest answered calls
PRUNE_EVERY = 1000  # about one call in this many also forgets records past the retention period
LABELLED_RULES = {"INSULT": "personal_attack", "PERSONAL_ATTACK": "personal_attack", "NOT_ENGLISH": "not_english"}


def start_call():
    g.api_started = time.perf_counter()


def finish_call(response, key_id, endpoint=None):
    """Record the call against its key (the text and scores only when the client let us keep them)."""
    if endpoint is None or key_id is None and endpoint != "coral_phase":
        return response
    keep = g.get("api_store", False)
    call = dict(
        key_id=key_id, endpoint=endpoint, status_code=response.status_code,
        latency_ms=round((time.perf_counter() - g.get("api_started", time.perf_counter())) * 1000, 2),
        decision=g.get("api_decision"), created_at=utcnow(),
        text=g.get("api_text") if keep else None, scores=g.get("api_scores") if keep else None,
    )
    try:
        db.session.rollback()  # nothing of a failed request may ride along with the record
        if db.session.get_bind().dialect.name == "postgresql":
            # A usage record may be lost in a crash, so its commit need not wait for the disk.
            db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
        db.session.execute(insert(ApiCall).values(**call))  # one plain INSERT on every call: no ORM bookkeeping
        if random.randrange(PRUNE_EVERY) == 0:
            prune_calls()
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.error("could not record an API call to %s", endpoint)
    return response


def labels_from(values):
    """{rule: 0/1} from the attribute scores a client suggests (0 approved, 1 rejected, as Coral sends them)."""
    labels = {}
    for name, value in values.items():
        if name in ABUSIVE:
            labels["abuse"] = max(labels.get("abuse", 0), int(value >= 0.5))
            if name == "TOXICITY" and value < 0.5:
                labels.setdefault("personal_attack", 0)
        elif name in LABELLED_RULES:
            labels[LABELLED_RULES[name]] = int(value >= 0.5)
        elif name == "NOT_SENTENCES":
            labels["not_sentences"] = int(value >= 0.5)
    if labels.get("abuse") == 1 and labels.get("personal_attack") == 0 and "INSULT" not in values:
        del labels["personal_attack"]
    return labels


def store_feedback(key, text, labels, suggested, client_token, community_id, context):
    """Keep a label; the same key and clientToken again replaces it (a moderator reversed a decision)."""
    fields = dict(text=text, labels=labels, suggested=suggested, community_id=(community_id or None) and community_id[:256],
                  context=context, updated_at=utcnow())
    row = client_token is not None and db.session.scalar(
        select(ApiFeedback).where(ApiFeedback.key_id == key.id, ApiFeedback.client_token == client_token))
    if row:
        for name, value in fields.items():
            setattr(row, name, value)
        db.session.flush()
        return row
    row = ApiFeedback(key_id=key.id, client_token=client_token, **fields)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # the same token arrived twice at once: the later one wins
        row = db.session.scalar(
            select(ApiFeedback).where(ApiFeedback.key_id == key.id, ApiFeedback.client_token == client_token))
        for name, value in fields.items():
            setattr(row, name, value)
    db.session.flush()
    return row


def feedback_decisions():
    """Labels from the keys whose feedback retraining uses, oldest first: (id, text, {rule: 0/1}, key name)."""
    rows = db.session.execute(
        select(ApiFeedback.id, ApiFeedback.text, ApiFeedback.labels, ApiKey.name)
        .join(ApiKey, ApiKey.id == ApiFeedback.key_id)
        .where(ApiKey.train_on_feedback)
        .order_by(ApiFeedback.updated_at, ApiFeedback.id)
    ).all()
    return [(row.id, row.text, row.labels, row.name) for row in rows if row.labels]


def feedback_split():
    """(to train on, held back): the newest fifth of the used feedback labels is held back, as for moderators."""
    return split_decisions([(i, text, labels) for i, text, labels, _ in feedback_decisions()])


def _percentile(values, share):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _empty_summary():
    return {"calls": 0, "errors": 0, "limited": 0, "decisions": {}, "endpoints": {}, "p50": None, "p99": None}


def key_summaries(days=30):
    """Per key: calls, errors, calls over the limit, decisions, p50/p99 latency (of its newest
    LATENCY_SAMPLE answered calls) over the last days, and the feedback labels received."""
    since = utcnow() - timedelta(days=days)
    out = defaultdict(_empty_summary)
    counted = db.session.execute(
        select(ApiCall.key_id, ApiCall.endpoint, ApiCall.status_code, ApiCall.decision, func.count(ApiCall.id))
        .where(ApiCall.created_at >= since)
        .group_by(ApiCall.key_id, ApiCall.endpoint, ApiCall.status_code, ApiCall.decision)
    ).all()
    for key_id, endpoint, status, decision, n in counted:
        row = out[key_id]
        row["calls"] += n
        row["endpoints"][endpoint] = row["endpoints"].get(endpoint, 0) + n
        row["errors"] += n if status >= 400 and status != 429 else 0
        row["limited"] += n if status == 429 else 0
        if decision:
            row["decisions"][decision] = row["decisions"].get(decision, 0) + n
    for key_id in list(out):
        latencies = db.session.scalars(
            select(ApiCall.latency_ms)
            .where(ApiCall.key_id.is_(None) if key_id is None else ApiCall.key_id == key_id,
                   ApiCall.created_at >= since, ApiCall.status_code < 300)
            .order_by(ApiCall.id.desc()).limit(LATENCY_SAMPLE)
        ).all()
        out[key_id]["p50"], out[key_id]["p99"] = _percentile(latencies, 0.5), _percentile(latencies, 0.99)
    for key_id, count in db.session.execute(
            select(ApiFeedback.key_id, func.count(ApiFeedback.id)).group_by(ApiFeedback.key_id)).all():
        out[key_id]["feedback"] = count
    return dict(out)


def prune_calls(days=None):
    """Forget call records older than API_CALL_RETENTION_DAYS; returns how many went."""
    days = days or current_app.config["API_CALL_RETENTION_DAYS"]
    gone = db.session.execute(delete(ApiCall).where(ApiCall.created_at < utcnow() - timedelta(days=days)))
    return gone.rowcount


def calls_per_day(days=14):
    """[(day, key id, calls)] for the last days, oldest first."""
    since = utcnow() - timedelta(days=days)
    day = func.date(ApiCall.created_at)
    return db.session.execute(
        select(day, ApiCall.key_id, func.count(ApiCall.id)).where(ApiCall.created_at >= since)
        .group_by(day, ApiCall.key_id).order_by(day)
    ).all()


def recent_feedback(key_id, limit=50):
    """A key's newest feedback labels."""
    return db.session.scalars(select(ApiFeedback).where(ApiFeedback.key_id == key_id)
                              .order_by(ApiFeedback.updated_at.desc()).limit(limit)).all()


def recent_calls(limit=50):
    """The newest calls whose text was kept (doNotStore false), for the usage view."""
    return db.session.scalars(select(ApiCall).where(ApiCall.text.is_not(None))
                              .order_by(ApiCall.id.desc()).limit(limit)).all()
