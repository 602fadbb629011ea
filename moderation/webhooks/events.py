"""Events for a site's webhooks: recorded in the same transaction as the change, with one delivery per endpoint."""
import secrets

from flask import has_request_context, request
from sqlalchemy import bindparam, select

from moderation.extensions import db
from moderation.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from moderation.models import utcnow

EVENT_TYPES = ("comment.created", "comment.published", "comment.review_entered", "comment.review_left",
               "comment.rejected", "comment.reported", "comment.hidden", "story.created")
_TABLE = WebhookEndpoint.__table__
# Built once: a post reads it, and building it anew cost more than running it.
ENDPOINTS = select(_TABLE.c.id, _TABLE.c.events).where(_TABLE.c.site_id == bindparam("site_id"), _TABLE.c.active)
STATUS_EVENTS = {"published": "comment.published", "review": "comment.review_entered",
                 "rejected": "comment.rejected", "pending": "comment.created"}


def read_endpoints(site_id):
    """The site's active endpoints as (id, wanted event types) rows.

    Read once per request (a post emits an event on each side of its first commit), afresh outside a request. A
    post reads them before it stores the comment, so on SQLite the write lock is held for the writes only."""
    memo = request.environ.setdefault("moderation.webhook_endpoints", {}) if has_request_context() else {}
    if site_id not in memo:
        memo[site_id] = db.session.connection().execute(ENDPOINTS, {"site_id": site_id}).all()
    return memo[site_id]


def _endpoints(site_id, event_type):
    """The ids of the site's active endpoints that want this type of event."""
    return [endpoint_id for endpoint_id, wanted in read_endpoints(site_id) if not wanted or event_type in wanted]


def emit(site_id, event_type, data):
    """Record an event and its deliveries (nothing when no endpoint wants it); returns the event or None.

    `data` is a function giving the payload, called only when an endpoint wants the event. The deliveries are sent
    by the worker after the caller commits, so a slow receiver never slows the change."""
    endpoints = _endpoints(site_id, event_type)
    if not endpoints:
        return None
    event = WebhookEvent(uid="evt_" + secrets.token_hex(12), site_id=site_id, type=event_type, payload=data())
    db.session.add(event)
    now = utcnow()
    for endpoint_id in endpoints:
        db.session.add(WebhookDelivery(event=event, endpoint_id=endpoint_id, next_attempt_at=now))
    db.session.flush()
    db.session.info.setdefault("webhook_events", []).append(event.id)
    from moderation.worker import enqueue
    from moderation.worker.tasks import deliver_webhooks

    enqueue(deliver_webhooks)  # once the change commits, the worker delivers it
    return event


def comment_event(comment, event_type, extra=None):
    """An event about a comment, carrying the comment as the REST API shows it."""
    from moderation.api.schemas import CommentOut

    return emit(comment.story.site_id, event_type, lambda: {"comment": CommentOut().dump(comment), **(extra or {})})


def story_event(story, event_type):
    """An event about a story."""
    from moderation.api.schemas import StoryOut

    return emit(story.site_id, event_type, lambda: {"story": StoryOut().dump(story)})
