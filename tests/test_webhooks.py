"""Webhooks to a real HTTP receiver on loopback: signed raw bodies, event ids, retries with backoff, the delivery
log with "send again", secret rotation, and posting that never waits for a receiver."""
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from moderation.extensions import db
from moderation.models import utcnow
from moderation.sites.operations import add_endpoint, find_site, rotate_endpoint_secret
from moderation.webhooks import delivery
from moderation.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEvent
from tests.conftest import post_form

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs"))
from webhook_receiver import Receiver, verify  # noqa: E402  (the receiver the docs give newsrooms)

STORY = {"story_id": "s-1", "url": "https://herald.example/news/s-1", "title": "Council approves new cycle lanes"}
AUTHOR = {"id": "cms-user-1", "name": "Alice Riverside"}
CIVIL = "I think the new cycle lanes will make the riverside much safer for children."


@pytest.fixture
def hook(app, make_site, make_api_key):
    """A site with an endpoint at a loopback receiver; yields (receiver, endpoint id, API key)."""
    make_site("herald")
    key = make_api_key(site="herald", scope="moderate")
    receiver = Receiver(secret="")
    server = receiver.serve()
    with app.app_context():
        endpoint = add_endpoint(find_site("herald"), None, f"http://127.0.0.1:{server.server_port}/hooks", [])
        db.session.commit()
        receiver.secret, endpoint_id = endpoint.secret, endpoint.id
    yield receiver, endpoint_id, key
    server.shutdown()


def submit(client, key, comment_id="c-1", text=CIVIL):
    return client.post("/api/v1/comments", headers={"Authorization": f"Bearer {key}"},
                       json={"comment_id": comment_id, "story": STORY, "author": AUTHOR, "text": text})


def deliver(app):
    with app.app_context():
        return delivery.deliver_due()


def test_signed_events_reach_the_receiver_once_each(app, client, hook):
    receiver, _, key = hook
    comment = submit(client, key).get_json()
    assert receiver.events == []  # nothing is sent from the request itself
    assert deliver(app) == 3
    # Two worker threads send at once, so events may arrive out of order (as with Stripe's and Coral's
    # webhooks); each carries the time it happened, which puts them back in order.
    in_order = sorted(receiver.events, key=lambda e: (e["created"], e["type"] != "story.created"))
    assert [e["type"] for e in in_order] == ["story.created", "comment.created", "comment.published"]
    published = receiver.events[-1]
    assert published["id"].startswith("evt_") and published["data"]["comment"]["id"] == comment["id"]
    assert published["data"]["comment"]["decision"]["outcome"] == "publish"
    assert receiver.refused == 0
    moderator = client.post(f"/api/v1/comments/{comment['id']}/moderation", headers={"Authorization": f"Bearer {key}"},
                            json={"action": "reject", "reason": "spam"})
    assert moderator.status_code == 200
    deliver(app)
    left = [e for e in receiver.events if e["type"] == "comment.review_left"][0]
    assert left["data"]["decision"] == "reject" and left["data"]["reason"] == "spam"
    assert receiver.events[-1]["type"] == "comment.rejected"
    assert deliver(app) == 0  # every delivery is done


def test_a_failing_receiver_is_retried_with_backoff_then_marked_failed(app, client, hook):
    receiver, _, key = hook
    receiver.status = 500
    submit(client, key)
    deliver(app)
    with app.app_context():
        app.config["WEBHOOK_MAX_ATTEMPTS"] = 3
        rows = db.session.scalars(select(WebhookDelivery)).all()
        assert {(d.status, d.attempts, d.last_status_code) for d in rows} == {("pending", 1, 500)}
        waits = [(delivery.as_utc(d.next_attempt_at) - utcnow()).total_seconds() for d in rows]
        assert all(20 < wait <= 30 for wait in waits)
        assert delivery.deliver_due() == 0  # not due yet
        for expected_attempts, wait in ((2, 60), (3, None)):
            db.session.execute(update(WebhookDelivery).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
            db.session.commit()
            delivery.deliver_due()
            db.session.expire_all()
            rows = db.session.scalars(select(WebhookDelivery)).all()
            assert {d.attempts for d in rows} == {expected_attempts}
        assert {d.status for d in rows} == {"failed"}
        assert db.session.query(WebhookAttempt).count() == 9
        assert [delivery.backoff(n) for n in (1, 2, 3, 12)] == [30, 60, 120, 6 * 3600]


def test_the_delivery_log_and_send_again(app, client, hook, login):
    receiver, _, key = hook
    receiver.status = 503
    submit(client, key)
    deliver(app)
    with app.app_context():
        site_id = find_site("herald").id
        published = db.session.scalar(select(WebhookDelivery).join(WebhookEvent)
                                      .where(WebhookEvent.type == "comment.published"))
        published.status = "failed"
        db.session.commit()
        delivery_id, uid = published.id, published.event.uid
    login("admin")
    log = client.get(f"/admin/sites/{site_id}").get_data(as_text=True)
    assert "comment.published" in log and "503" in log
    receiver.status = 200
    again = post_form(client, f"/admin/sites/{site_id}/deliveries/{delivery_id}/resend", {}, follow_redirects=True)
    page = again.get_data(as_text=True)
    assert "the receiver answered 200" in page and "succeeded" in page
    assert [e["id"] for e in receiver.events] == [uid]
    # Sending a delivered event again repeats its id, so the receiver keeps it once.
    post_form(client, f"/admin/sites/{site_id}/deliveries/{delivery_id}/resend", {})
    assert [e["id"] for e in receiver.events] == [uid]


def test_a_rotated_secret_signs_beside_the_old_one_for_a_while(app, client, hook):
    receiver, endpoint_id, key = hook
    old = receiver.secret
    with app.app_context():
        from moderation.webhooks.models import WebhookEndpoint

        new = rotate_endpoint_secret(db.session.get(WebhookEndpoint, endpoint_id), None)
        db.session.commit()
    submit(client, key)
    deliver(app)
    assert len(receiver.events) == 3  # still verified with the old secret
    with app.app_context():
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        event = db.session.scalars(select(WebhookEvent)).first()
        body, stamp = delivery.body_of(event), str(int(time.time()))
        header = delivery.signature_header(endpoint, stamp, body)
        assert verify(old, header, body) and verify(new, header, body)
        assert not verify(new, header, body + b" ")  # the raw body is what is signed
        assert not verify(new, header.replace(f"t={stamp}", f"t={int(stamp) - 3600}"), body)  # a replay
        later = delivery.signature_header(endpoint, stamp, body, now=utcnow() + timedelta(days=2))
        assert verify(new, later, body) and not verify(old, later, body)


def test_a_slow_receiver_never_slows_posting(app, client, hook):
    receiver, _, key = hook
    receiver.delay = 3.0
    started = time.perf_counter()
    answer = submit(client, key)
    assert answer.status_code == 201 and time.perf_counter() - started < 2.5
    with app.app_context():
        assert {d.status for d in db.session.scalars(select(WebhookDelivery))} == {"pending"}


def test_no_endpoint_no_events(app, client, make_site, make_api_key):
    make_site("herald")
    key = make_api_key(site="herald")
    submit(client, key)
    with app.app_context():
        assert db.session.query(WebhookEvent).count() == 0


def test_an_unreachable_receiver_is_logged_not_raised(app, client, hook):
    receiver, endpoint_id, key = hook
    with app.app_context():
        from moderation.webhooks.models import WebhookEndpoint

        db.session.get(WebhookEndpoint, endpoint_id).url = "http://127.0.0.1:9/closed"
        db.session.commit()
    submit(client, key)
    deliver(app)
    with app.app_context():
        rows = db.session.scalars(select(WebhookDelivery)).all()
        assert rows and all(d.last_status_code is None and "Connection" in d.last_error for d in rows)


def test_the_worker_delivers_events_once_the_change_commits(app, client, hook, worker):
    receiver, _, key = hook
    submit(client, key)
    deadline = time.time() + 20
    while len(receiver.events) < 3 and time.time() < deadline:
        time.sleep(0.1)
    # Two worker threads send at once, so events may arrive out of order (as with Stripe's and Coral's
    # webhooks); each carries the time it happened, which puts them back in order.
    in_order = sorted(receiver.events, key=lambda e: (e["created"], e["type"] != "story.created"))
    assert [e["type"] for e in in_order] == ["story.created", "comment.created", "comment.published"]
