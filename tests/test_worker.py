"""The task queue for real: Huey on SQLite and on Redis, `flask worker` processes, a worker killed mid-job."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from sqlalchemy import select

from moderation import jobs
from moderation.extensions import db
from moderation.models import Job, ModelVersion, Story
from moderation.operations import default_site
from moderation.worker import enqueue, task
from moderation.worker.consumer import Background
from moderation.worker import tasks
from tests.conftest import post_form
from tests.model_helpers import isolated_app

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


@task()
def write_story_title(slug, path):
    """A test duty: read a row the enqueuing transaction wrote, and leave a mark a test can see."""
    story = db.session.scalar(select(Story).where(Story.slug == slug))
    Path(path).write_text(story.title if story else "missing")


def redis_or_skip():
    try:
        redis.Redis.from_url(REDIS_URL).flushdb()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    return REDIS_URL


@pytest.fixture
def app(request, trained_instance, tmp_path):
    """The test's app on the SQLite queue, or on Redis when parametrized with "redis"."""
    config = {"REDIS_URL": redis_or_skip()} if getattr(request, "param", "sqlite") == "redis" else {}
    yield from isolated_app(trained_instance, tmp_path, config)


def wait_until(condition, seconds=90, what="condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} not reached in {seconds} s")


@pytest.mark.parametrize("app", ["sqlite", "redis"], indirect=True)
def test_a_task_is_sent_when_the_transaction_commits_and_dropped_when_it_rolls_back(app, worker, tmp_path):
    dropped, sent = tmp_path / "dropped", tmp_path / "sent"
    with app.app_context():
        db.session.add(Story(slug="kept", title="Kept story", site=default_site()))
        enqueue(write_story_title, "kept", str(dropped))
        db.session.rollback()
        db.session.add(Story(slug="kept", title="Kept story", site=default_site()))
        enqueue(write_story_title, "kept", str(sent))
        db.session.commit()
    assert wait_until(sent.exists, 20, "the task's mark")
    assert sent.read_text() == "Kept story"  # the worker saw the committed row
    time.sleep(0.5)
    assert not dropped.exists()


@pytest.mark.parametrize("app", ["redis"], indirect=True)
def test_a_job_sent_twice_runs_once(app, tmp_path):
    with app.app_context():
        job_id = jobs.create_training_job(limit=100).id
        db.session.commit()
        for _ in range(3):  # e.g. a resend after a lost message, while the first is still queued
            tasks.run_job(job_id)
    with Background(workers=2):
        with app.app_context():
            job = wait_until(lambda: db.session.scalar(
                select(Job).where(Job.id == job_id, Job.status.notin_(["queued", "running"]))
                .execution_options(populate_existing=True)), 120, "the job's end")
            assert job.status == "succeeded" and job.attempts == 1, (job.status, job.error)
            assert db.session.scalars(select(ModelVersion.name)).all() == ["test-v1", "v2"]


def start_worker(app, env):
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--workers", "1"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def test_a_worker_killed_mid_job_leaves_it_retried_by_the_next_worker(app, client, login):
    app.config.update(JOB_HEARTBEAT_TIMEOUT=2, JOB_MAX_ATTEMPTS=2)
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], MODERATION_INSTANCE_PATH=app.instance_path,
               TASK_QUEUE_SQLITE=app.config["TASK_QUEUE_SQLITE"], REDIS_URL=app.config["REDIS_URL"] or "",
               SECRET_KEY="test-only", JOB_HEARTBEAT_TIMEOUT="2")
    login("admin")
    first = start_worker(app, env)
    try:
        assert post_form(client, "/admin/models/train", {"limit": "100"}).status_code == 302
        state = wait_until(lambda: (lambda s: s if s["status"] == "running" and s["percent"] > 0 else None)(
            client.get("/admin/models/job").get_json()), 90, "the first worker's progress")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    second = start_worker(app, env)
    try:
        # The admin's page (or the worker's minute reaper) sees the silent heartbeat and queues the job again.
        final = wait_until(lambda: (lambda s: s if s["status"] not in ("queued", "running") else None)(
            client.get("/admin/models/job").get_json()), 150, "the retried job's end")
    finally:
        second.terminate()
        second.wait(timeout=20)
    assert final["id"] == state["id"] and final["status"] == "succeeded", final
    with app.app_context():
        job = db.session.get(Job, final["id"])
        assert job.attempts == 2 and job.worker.endswith(f":{second.pid}") and job.slot is None
        assert db.session.scalar(select(ModelVersion).where(ModelVersion.name == final["version"])) is not None
