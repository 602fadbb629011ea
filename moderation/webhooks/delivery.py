"""Sending a delivery: the raw body signed with HMAC-SHA256 (Stripe's scheme), one attempt at a time, retried
with exponential backoff, every attempt logged."""
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from moderation.extensions import db
from moderation.models import utcnow
from moderation.operations import as_utc
from moderation.webhooks.models import WebhookAttempt, WebhookDelivery

SIGNATURE_HEADER = "X-Moderation-Signature"
EVENT_HEADER = "X-Moderation-Event-Id"
MAX_ATTEMPTS = 8  # then the delivery is marked failed; an admin can send it again
BACKOFF_SECONDS = 30  # the wait after the first failure, doubled after each one ...
MAX_BACKOFF_SECONDS = 6 * 3600  # ... up to this
TIMEOUT_SECONDS = 5
CLAIM_SECONDS = 60  # a delivery being sent is not due again for this long (a second worker skips it)


def body_of(event):
    """The exact bytes sent (and signed): the event as JSON."""
    return json.dumps({"id": event.uid, "type": event.type, "created": as_utc(event.created_at).isoformat(),
                       "data": event.payload}, separators=(",", ":"), sort_keys=True).encode()


def sign(secret, timestamp, body):
    """Hex HMAC-SHA256 of "<timestamp>.<raw body>" with the secret."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(endpoint, timestamp, body, now=None):
    """"t=<unix time>,v1=<sig>[,v1=<sig with the previous secret>]": during a rotation both secrets sign."""
    parts = [f"t={timestamp}", f"v1={sign(endpoint.secret, timestamp, body)}"]
    until = as_utc(endpoint.previous_until)
    if endpoint.previous_secret and until and until > (now or utcnow()):
        parts.append(f"v1={sign(endpoint.previous_secret, timestamp, body)}")
    return ",".join(parts)


def verify(secret, header, body, tolerance=300, now=None):
    """What a receiver does (and docs/webhook_receiver.py shows): check one v1 signature in constant time and
    refuse an old timestamp (a replay)."""
    items = [item.split("=", 1) for item in (header or "").split(",") if "=" in item]
    timestamps = [value for name, value in items if name == "t"]
    if len(timestamps) != 1 or not timestamps[0].isdigit():
        return False
    if abs((now or time.time()) - int(timestamps[0])) > tolerance:
        return False
    expected = sign(secret, timestamps[0], body)
    return any(hmac.compare_digest(expected, value) for name, value in items if name == "v1")


def backoff(attempts):
    """Seconds to wait after `attempts` failed attempts: 30 s, 1 min, 2 min, ... at most 6 h."""
    return min(BACKOFF_SECONDS * 2 ** (attempts - 1), MAX_BACKOFF_SECONDS)


def claim(delivery_id):
    """Take a due delivery for this worker (a conditional update, so two workers never send it at once)."""
    now = utcnow()
    return db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending",
               WebhookDelivery.next_attempt_at <= now)
        .values(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS))
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def post(url, body, headers, timeout=TIMEOUT_SECONDS):
    """(status code or None, error or None) of one POST; redirects are not followed."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            response.read(1024)
            return response.status, None
    except urllib.error.HTTPError as error:
        return error.code, None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return None, f"{type(reason).__name__}: {reason}"[:500]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def attempt(delivery_id, manual=False):
    """Send one delivery once, log the attempt, and either finish it or schedule the next attempt; commits.

    Returns the delivery. `manual` is an admin's "send again": it runs whatever the state and counts apart."""
    if not manual and not claim(delivery_id):
        db.session.rollback()
        return None
    db.session.commit()  # the claim holds while the request is under way, without a transaction open
    delivery = db.session.get(WebhookDelivery, delivery_id)
    event, endpoint = delivery.event, delivery.endpoint
    body = body_of(event)
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "User-Agent": "moderation-webhooks/1",
               EVENT_HEADER: event.uid, "X-Moderation-Event-Type": event.type,
               SIGNATURE_HEADER: signature_header(endpoint, timestamp, body)}
    started = time.perf_counter()
    status, error = post(endpoint.url, body, headers, current_app.config.get("WEBHOOK_TIMEOUT", TIMEOUT_SECONDS))
    took = round((time.perf_counter() - started) * 1000, 1)
    ok = status is not None and 200 <= status < 300
    if error is None and not ok:
        error = f"the receiver answered {status}"
    db.session.add(WebhookAttempt(delivery_id=delivery.id, status_code=status, error=None if ok else error,
                                  duration_ms=took, manual=manual))
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = status, None if ok else error
    delivery.updated_at = utcnow()
    if ok:
        delivery.status, delivery.next_attempt_at = "succeeded", None
    elif not endpoint.active:
        delivery.status, delivery.next_attempt_at = "failed", None
    elif manual and delivery.status != "pending":
        pass  # an admin's retry of a finished delivery leaves its state as it was, with the attempt logged
    elif delivery.attempts >= current_app.config.get("WEBHOOK_MAX_ATTEMPTS", MAX_ATTEMPTS):
        delivery.status, delivery.next_attempt_at = "failed", None
    else:
        delivery.next_attempt_at = utcnow() + timedelta(seconds=backoff(delivery.attempts))
    db.session.commit()
    if not ok:
        current_app.logger.info("webhook delivery %s to %s failed: %s", delivery.id, endpoint.url, error)
    return delivery


def due(limit=100):
    """Ids of pending deliveries whose next attempt is due, oldest first."""
    return db.session.scalars(
        select(WebhookDelivery.id).where(WebhookDelivery.status == "pending",
                                         WebhookDelivery.next_attempt_at <= utcnow())
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)
    ).all()


def deliver_due(limit=100):
    """Attempt every due delivery once; returns how many were attempted."""
    sent = 0
    for delivery_id in due(limit):
        sent += attempt(delivery_id) is not None
    return sent


def send_again(delivery):
    """An admin's "send again": a failed delivery is pending once more with a fresh count and goes now; a
    succeeded one is re-sent once with the same event id (receivers ignore a repeat they already have)."""
    if delivery.status == "failed":
        delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, utcnow()
        db.session.commit()
        return attempt(delivery.id)
    return attempt(delivery.id, manual=True)
