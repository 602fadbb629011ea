"""Admins manage API keys from the command line and the Integrations page; keys are shown once and stored hashed."""
import re

from sqlalchemy import select

from moderation.extensions import db
from moderation.models import ApiCall, ApiKey, AuditEvent
from tests.conftest import post_form

BODY = {"comment": {"text": "You are a complete idiot and a moron."}, "requestedAttributes": {"TOXICITY": {}},
        "doNotStore": True, "languages": ["en"]}


def test_the_command_creates_lists_and_revokes_keys(app, client, runner):
    created = runner.invoke(args=["api-key", "create", "coral", "--rate-limit", "100/minute"])
    assert created.exit_code == 0, created.output
    raw = created.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"mk_[0-9a-f]{8}_[A-Za-z0-9_-]{40,}", raw), created.stdout
    with app.app_context():
        key = db.session.scalar(select(ApiKey))
        assert raw not in str([key.key_hash, key.prefix, key.name]) and len(key.key_hash) == 64
    assert client.post(f"/v1alpha1/comments:analyze?key={raw}", json=BODY).status_code == 200
    listed = runner.invoke(args=["api-key", "list"]).stdout
    assert "coral" in listed and "100/minute" in listed and "1 calls" in listed and raw not in listed
    assert runner.invoke(args=["api-key", "create", "coral"]).exit_code != 0  # names are unique
    assert runner.invoke(args=["api-key", "create", "other", "--rate-limit", "lots"]).exit_code != 0
    assert runner.invoke(args=["api-key", "revoke", "coral"]).exit_code == 0
    assert "revoked" in runner.invoke(args=["api-key", "list"]).stdout
    assert client.post(f"/v1alpha1/comments:analyze?key={raw}", json=BODY).status_code == 403
    assert runner.invoke(args=["api-key", "revoke", "nobody"]).exit_code != 0


def test_an_admin_creates_a_key_sees_it_once_and_its_usage(app, client, login):
    login("admin")
    page = post_form(client, "/admin/integrations/keys", {"name": "wordpress", "rate_limit": "50/minute"})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    raw = re.search(r'id="new-key">([^<]+)<', page.get_data(as_text=True)).group(1)
    for _ in range(3):
        assert client.post("/v1alpha1/comments:analyze", json=BODY, headers={"X-Goog-Api-Key": raw}).status_code == 200
    listing = client.get("/admin/integrations/").get_data(as_text=True)
    assert raw not in listing and "wordpress" in listing
    figures = dict(re.findall(r'data-figure="(\w+)">([^<]*)<', listing))
    assert figures == {"calls": "3", "errors": "0", "limited": "0", "decisions": "reject 3"}, figures
    assert "/v1alpha1" in listing and "/integrations/coral/phase" in listing  # the copy-paste guide
    with app.app_context():
        key = db.session.scalar(select(ApiKey))
        assert [c.key_id for c in db.session.scalars(select(ApiCall))] == [key.id] * 3
        key_id = key.id
    assert post_form(client, f"/admin/integrations/keys/{key_id}", {"rate_limit": "2/minute",
                                                                    "train_on_feedback": "1"}).status_code == 302
    with app.app_context():
        key = db.session.get(ApiKey, key_id)
        assert key.rate_limit == "2/minute" and key.train_on_feedback
    assert post_form(client, f"/admin/integrations/keys/{key_id}/revoke", {}).status_code == 302
    assert client.post("/v1alpha1/comments:analyze", json=BODY, headers={"X-Goog-Api-Key": raw}).status_code == 403
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        assert actions == ["api_key_create", "api_key_update", "api_key_revoke"]


def test_bad_key_settings_are_explained_and_forms_need_csrf(client, login):
    login("admin")
    page = post_form(client, "/admin/integrations/keys", {"name": "", "rate_limit": ""})
    assert page.status_code == 400 and "name is 1-60" in page.get_data(as_text=True)
    page = post_form(client, "/admin/integrations/keys", {"name": "ok", "rate_limit": "fast please"})
    assert page.status_code == 400 and "1200/minute" in page.get_data(as_text=True)
    assert client.post("/admin/integrations/keys", data={"name": "no-token"}).status_code == 400
    assert client.post("/admin/integrations/coral", data={"secret": ""}).status_code == 400


def test_the_coral_secret_from_the_page_is_shown_once_and_never_logged(app, client, login):
    login("admin")
    page = post_form(client, "/admin/integrations/coral", {"secret": ""})
    secret = re.search(r'id="new-secret">([^<]+)<', page.get_data(as_text=True)).group(1)
    assert secret.startswith("ssec_")
    assert secret not in client.get("/admin/integrations/").get_data(as_text=True)
    assert post_form(client, "/admin/integrations/coral", {"secret": "short"}).status_code == 400
    with app.app_context():
        assert secret not in str([(e.before, e.after, e.note) for e in db.session.scalars(select(AuditEvent))])


def test_feedback_labels_are_listed_per_key(app, client, login, make_api_key):
    raw = make_api_key("coral")
    body = {"comment": {"text": "What a silly argument."}, "clientToken": "comment:5",
            "attributeScores": {"TOXICITY": {"summaryScore": {"value": 1}}}}
    assert client.post(f"/v1alpha1/comments:suggestscore?key={raw}", json=body).status_code == 200
    login("admin")
    with app.app_context():
        key_id = db.session.scalar(select(ApiKey.id))
    page = client.get(f"/admin/integrations/keys/{key_id}/feedback").get_data(as_text=True)
    assert "What a silly argument." in page and "abuse=1" in page and "comment:5" in page


def test_call_records_older_than_the_retention_period_are_forgotten(app, client, make_api_key):
    from datetime import timedelta

    from moderation.api.usage import key_summaries, prune_calls
    from moderation.models import utcnow

    raw = make_api_key()
    for _ in range(2):
        assert client.post(f"/v1alpha1/comments:analyze?key={raw}", json=BODY).status_code == 200
    with app.app_context():
        old = db.session.scalars(select(ApiCall)).first()
        old.created_at = utcnow() - timedelta(days=app.config["API_CALL_RETENTION_DAYS"] + 1)
        db.session.commit()
        assert prune_calls() == 1
        db.session.commit()
        assert [summary["calls"] for summary in key_summaries().values()] == [1]
