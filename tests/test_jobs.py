"""Training runs as a background job: one at a time, with stored progress, errors and cancellation."""
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from moderation import jobs
from moderation.extensions import db
from moderation.models import AuditEvent, Job, ModelVersion
from moderation.operations import OperationError
from tests.conftest import post_form
from tests.model_helpers import copy_version, decide_comments, isolated_app


@pytest.fixture
def app(trained_instance, tmp_path):
    yield from isolated_app(trained_instance, tmp_path)


def wait_for(client, job_id, seconds=120):
    """Poll the job's JSON endpoint, as the page does, until it stops."""
    seen = []
    deadline = time.time() + seconds
    while time.time() < deadline:
        state = client.get("/admin/models/job").get_json()
        assert state["id"] == job_id
        seen.append((state["status"], state["percent"]))
        if state["status"] not in ("queued", "running"):
            return state, seen
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} still {seen[-1]} after {seconds} s")


def test_admin_trains_in_the_background_and_watches_progress(app, worker, client, login):
    decide_comments(app, [("I think the new bus lanes are a sensible idea.", "approve", None),
                          ("The library should open on Sundays too.", "approve", None),
                          ("You are a worthless idiot, go away.", "reject", "abuse"),
                          ("This is spam, buy cheap watches now.", "reject", "spam"),
                          ("Thanks for covering the school board meeting.", "approve", None),
                          ("Shut up, you pathetic clown.", "reject", "personal_attack")])
    login("admin")
    response = post_form(client, "/admin/models/train", {"limit": "400"})
    assert response.status_code == 302
    page = client.get("/admin/models").get_data(as_text=True)
    assert 'data-status-url="/admin/models/job"' in page and "<progress" in page and "Cancel job" in page
    with app.app_context():
        job_id = db.session.scalar(select(Job.id))
    # While it runs a second job is refused, by the page and by the database.
    again = post_form(client, "/admin/models/train", {"limit": "all"}, follow_redirects=True).get_data(as_text=True)
    assert "already queued or running" in again
    state, seen = wait_for(client, job_id)
    assert state["status"] == "succeeded", state
    assert state["percent"] == 100 and state["version"] == "v2"
    assert any(status == "running" and 0 < percent < 100 for status, percent in seen) or len(seen) == 1
    page = client.get("/admin/models").get_data(as_text=True)
    assert 'href="/admin/models/v2"' in page and "Train a new version" in page
    card = client.get("/admin/models/v2").get_data(as_text=True)
    assert "Compared with test-v1" in card and "Held-back moderator decisions" in card
    # Six decisions: the spam rejection labels no rule; of the five left the newest is held back.
    assert "4 trained on, 1 held back" in " ".join(card.split())
    with app.app_context():
        version = db.session.scalar(select(ModelVersion).where(ModelVersion.name == "v2"))
        assert not version.active and version.card["moderator_decisions"]["held_back"] == 1
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "train")) is not None


def test_a_stored_version_is_compared_again_with_the_version_active_now(app, worker, client, login):
    copy_version(app, "v2")
    decide_comments(app, [("The council should publish the budget.", "approve", None),
                          ("Good reporting on the flood defences.", "approve", None),
                          ("You are a brainless moron.", "reject", "abuse"),
                          ("Nobody asked you, clown.", "reject", "personal_attack"),
                          ("I agree with the last two letters.", "approve", None)])
    login("admin")
    card = client.get("/admin/models/v2").get_data(as_text=True)
    assert "No comparison was recorded" in card and "Compare with test-v1 now" in card
    assert post_form(client, "/admin/models/v2/compare", {}).status_code == 302
    with app.app_context():
        job_id = db.session.scalar(select(Job.id).where(Job.kind == "compare"))
    assert "comparing v2 with the active version" in client.get("/admin/models").get_data(as_text=True)
    state, _ = wait_for(client, job_id)
    assert state["status"] == "succeeded" and state["version"] == "v2", state
    card = " ".join(client.get("/admin/models/v2").get_data(as_text=True).split())
    assert "Compared with test-v1" in card and "Held-back moderator decisions" in card and "Evaluated on 20" in card
    with app.app_context():
        version = db.session.scalar(select(ModelVersion).where(ModelVersion.name == "v2"))
        comparison = version.card["comparison"]
        assert comparison["against"] == "test-v1" and comparison["candidate"]["held_back"]["rows"] == 1
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "compare")) is not None
    stored = (Path(app.config["MODELS_DIR"]) / "v2.json").read_text(encoding="utf-8")
    assert '"against": "test-v1"' in stored

    # Once another version is promoted, the card says its comparison is with an older one.
    copy_version(app, "v3")
    post_form(client, "/admin/models/v3/promote", {"confirmed": "1"})
    card = " ".join(client.get("/admin/models/v2").get_data(as_text=True).split())
    assert "This comparison is with test-v1; the active version is now v3." in card and "Compare with v3 now" in card
    refused = post_form(client, "/admin/models/v3/compare", {}, follow_redirects=True).get_data(as_text=True)
    assert "v3 is the active version; there is nothing to compare it with." in refused
    with app.app_context():
        assert db.session.scalar(select(Job).where(Job.status == "queued")) is None


def test_the_database_allows_one_job_at_a_time(app):
    with app.app_context():
        jobs.create_training_job(limit=300)
        db.session.commit()
        with pytest.raises(OperationError):
            jobs.create_training_job(limit=300)
        db.session.add(Job(kind="train", status="queued", slot=1))
        with pytest.raises(IntegrityError):
            db.session.commit()


def test_cancelling_a_queued_job_and_a_running_one(app, client, login):
    with app.app_context():
        job_id = jobs.create_training_job(limit=300).id
        db.session.commit()
    login("admin")
    post_form(client, "/admin/models/job/cancel", {})
    assert client.get("/admin/models/job").get_json()["status"] == "cancelled"
    page = post_form(client, "/admin/models/job/cancel", {}, follow_redirects=True).get_data(as_text=True)
    assert "No job is queued or running." in page

    with app.app_context():
        job_id = jobs.create_training_job(limit=300).id
        db.session.commit()
        stages = []

        def admin_cancels(stage, percent):
            stages.append(stage)
            if len(stages) == 1:  # the admin clicks Cancel while the job runs
                assert post_form(client, "/admin/models/job/cancel", {}).status_code == 302

        job = jobs.run_job(job_id, echo=admin_cancels)
        assert job.status == "cancelled" and job.slot is None and len(stages) == 1
        assert db.session.scalar(select(ModelVersion).where(ModelVersion.name == "v2")) is None
    # The slot is free again.
    with app.app_context():
        jobs.create_training_job(limit=300)


def test_a_failed_job_shows_its_error(app, client, login, tmp_path):
    app.config["DATA_DIR"] = str(tmp_path / "no-corpora-here")
    with app.app_context():
        job_id = jobs.create_training_job(limit=300).id
        db.session.commit()
        job = jobs.run_job(job_id)
        assert job.status == "failed" and "no-corpora-here" in job.error
    login("admin")
    page = client.get("/admin/models").get_data(as_text=True)
    assert "FileNotFoundError" in page and "no-corpora-here" in page and "Train a new version" in page


def test_a_running_job_whose_worker_went_silent_is_retried_then_failed(app, client, login):
    app.config.update(JOB_HEARTBEAT_TIMEOUT=30, JOB_MAX_ATTEMPTS=2)
    with app.app_context():
        job = jobs.create_training_job(limit=300)
        job.status, job.attempts, job.worker = "running", 1, "gone-host:4242"
        job.heartbeat_at = datetime.now(timezone.utc) - timedelta(seconds=31)
        db.session.commit()
        job_id = job.id
    login("admin")
    state = client.get("/admin/models/job").get_json()
    assert state["id"] == job_id and state["status"] == "queued" and "attempt 2 of 2" in state["stage"]
    with app.app_context():  # a worker claims the retry, then dies too
        db.session.get(Job, job_id).status = "running"
        db.session.get(Job, job_id).attempts = 2
        db.session.get(Job, job_id).heartbeat_at = datetime.now(timezone.utc) - timedelta(seconds=31)
        db.session.commit()
    state = client.get("/admin/models/job").get_json()
    assert state["status"] == "failed" and "gone-host:4242" in state["error"] and "attempt 2 of 2" in state["error"]
    assert "Train a new version" in client.get("/admin/models").get_data(as_text=True)


def test_a_running_job_with_a_recent_heartbeat_is_left_alone(app, client, login):
    with app.app_context():
        job = jobs.create_training_job(limit=300)
        job.status, job.attempts, job.heartbeat_at = "running", 1, datetime.now(timezone.utc) - timedelta(seconds=5)
        db.session.commit()
    login("admin")
    assert client.get("/admin/models/job").get_json()["status"] == "running"


def test_bad_training_input_is_explained(app, client, login):
    login("admin")
    for bad in ({"limit": "lots"}, {"limit": "5"}, {}):
        page = post_form(client, "/admin/models/train", bad, follow_redirects=True).get_data(as_text=True)
        assert "whole number" in page
    with app.app_context():
        assert db.session.scalar(select(Job)) is None


def test_cli_train_shows_progress_and_models_marks_the_active_version(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["train", "--limit", "300"])
    assert result.exit_code == 0, result.output
    percents = [int(p) for p in re.findall(r"\[\s*(\d+)%\]", result.output)]
    assert percents and percents == sorted(percents) and percents[-1] >= 85
    assert "training abuse and personal-attack models" in result.output
    listing = runner.invoke(args=["models"]).output
    assert re.search(r"^\* test-v1 ", listing, re.M) and re.search(r"^  v2 ", listing, re.M)
    with app.app_context():
        assert db.session.scalar(select(Job)).status == "succeeded"
        jobs.create_training_job(limit=300)
        db.session.commit()
    refused = runner.invoke(args=["train", "--limit", "300"])
    assert refused.exit_code != 0 and "already queued or running" in refused.output
