"""Two app hosts on one PostgreSQL and one Redis, with a worker: what one host does, every host sees.

Each host is a real gunicorn with an instance folder of its own (no model files in it); the worker is
`flask --app wsgi worker`. An admin trains on host A; the worker is killed mid-job and the next worker takes the job
up again, and no comment posted meanwhile is lost; the admin promotes on A, and a comment posted on host B is judged
by the new version."""
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from bench.load import PASSWORD, Reader, free_port, serve, stop
from moderation import versions
from moderation.extensions import db
from moderation.models import Comment, Job, ModelVersion
from moderation.operations import create_user, save_story
from tests.conftest import TEST_VERSION
from tests.model_helpers import isolated_app

ROOT = Path(__file__).resolve().parents[1]
DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
SECRET_KEY = "two-hosts-test-only"  # every host signs sessions with the same key
POSTS_PER_MINUTE = 5

pytestmark = pytest.mark.skipif(not DATABASE_URL.startswith("postgresql"),
                                reason="several hosts share a PostgreSQL database (SQLite is a file on one host); "
                                       "runs on the PostgreSQL pass with TEST_DATABASE_URL")


@pytest.fixture
def database(trained_instance, tmp_path):
    """The shared database: the test version active and shared, an admin, a reader, a story."""
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    for app in isolated_app(trained_instance, tmp_path / "setup"):
        with app.app_context():
            versions.share_artifact(app.config["MODELS_DIR"], TEST_VERSION,
                                    db.session.scalar(select(ModelVersion.sha256)))
            for email, role in (("admin@example.com", "admin"), ("reader@example.com", "reader")):
                create_user(email, PASSWORD, role=role)
            slug = save_story("Council approves the riverside cycle lanes", "The council voted on Tuesday.").slug
            db.session.commit()
        app.story = slug
        yield app


def instance(tmp_path, name, queue):
    """An empty instance folder of one host (or the worker) on the shared database, queue and rate limits."""
    folder = tmp_path / name
    folder.mkdir()
    (folder / "config.py").write_text(
        f"TASK_QUEUE_NAME = {queue!r}\nRATELIMIT_POST_PER_READER = '{POSTS_PER_MINUTE} per minute'\n")
    return {"MODERATION_INSTANCE_PATH": str(folder), "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL,
            "SECRET_KEY": SECRET_KEY, "JOB_HEARTBEAT_TIMEOUT": "3", "JOB_MAX_ATTEMPTS": "2"}


def start_worker(env, log):
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT,
                            env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)


def wait_for(app, query, seconds=120, what="condition"):
    """Poll the shared database until query(session) is truthy; its value."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with app.app_context():
            value = query(db.session)
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} not reached in {seconds} s")


def token(page):
    """The CSRF token of the page's first form."""
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def post_comment(reader, slug, text):
    _, page = reader.request("GET", f"/stories/{slug}")
    status, _ = reader.request("POST", f"/stories/{slug}/comments", {"csrf_token": token(page), "text": text})
    return status


def on_host(reader, port):
    """The same browser (its session cookie) sent to another host, as a load balancer would."""
    reader.port, reader.connection = port, None
    return reader


def verdict_version(app, text):
    with app.app_context():
        comment = db.session.scalar(select(Comment).where(Comment.text == text))
        return comment.status, comment.verdict.model_version if comment.verdict else None


def test_two_hosts_and_a_worker_share_versions_sessions_limits_and_jobs(database, tmp_path):
    queue = f"two-hosts-{uuid.uuid4().hex[:8]}"
    env_a, env_b, env_w = (instance(tmp_path, name, queue) for name in ("host-a", "host-b", "worker"))
    port_a, port_b = free_port(), free_port()
    log = open(tmp_path / "worker.log", "w+")
    processes = [start_worker(env_w, log)]
    worker = processes[0]
    try:
        processes.append(serve("wsgi:app", ROOT, env_a, 1, port_a))
        processes.append(serve("wsgi:app", ROOT, env_b, 1, port_b))
        admin = Reader(port_a)
        admin.log_in("admin@example.com")
        reader = Reader(port_a)
        reader.log_in("reader@example.com")
        on_host(reader, port_b)  # logged in on A; B reads the same signed session

        # The admin trains on A; the worker dies mid-job (SIGKILL: no cleanup) and a comment posted meanwhile is
        # judged all the same; the next worker takes the job up again once its heartbeat is overdue.
        _, page = admin.request("GET", "/admin/models")
        status, _ = admin.request("POST", "/admin/models/train", {"csrf_token": token(page), "limit": "100"})
        assert status == 302
        job = wait_for(database, lambda s: s.scalar(select(Job).where(Job.status == "running", Job.percent > 0)),
                       what="the training job running in the worker")
        assert job.worker.split(":")[-1] == str(worker.pid)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        during = "Thank you for this clear report on the council meeting and the vote."
        assert post_comment(reader, database.story, during) == 302
        assert verdict_version(database, during) == ("published", TEST_VERSION)
        time.sleep(3)  # the heartbeat timeout: only then is the job presumed lost (a slow stage is not)
        replacement = start_worker(env_w, log)
        processes.append(replacement)
        done = wait_for(database, lambda s: (lambda j: j if j.status not in ("queued", "running") else None)(
            s.get(Job, job.id)), what="the killed job taken up again")
        assert (done.status, done.attempts, done.worker.split(":")[-1]) == ("succeeded", 2, str(replacement.pid))
        name = done.result_version
        assert not (tmp_path / "host-a" / "models" / f"{name}.joblib").exists()  # only the worker has the file

        # The admin promotes on A (which fetches and checks the artifact); B judges its next comment with it.
        _, page = admin.request("GET", "/admin/models")
        status, _ = admin.request("POST", f"/admin/models/{name}/promote", {"csrf_token": token(page), "confirmed": "1"})
        assert status == 302
        assert (tmp_path / "host-a" / "models" / f"{name}.joblib").exists()
        text = "I hope the council publishes the full budget for the new lanes before the works start."
        assert post_comment(on_host(reader, port_b), database.story, text) == 302
        assert verdict_version(database, text)[1] == name  # B fetched it from the database, unrestarted
        assert (tmp_path / "host-b" / "models" / f"{name}.joblib").exists()

        # Rate limits are counted in Redis: posts alternating between the hosts share one allowance.
        statuses = [post_comment(on_host(reader, port), database.story, f"A further civil remark, number {n}.")
                    for n, port in zip(range(POSTS_PER_MINUTE), [port_a, port_b] * POSTS_PER_MINUTE)]
        assert statuses == [302] * (POSTS_PER_MINUTE - 2) + [429] * 2  # 2 posts before: 3 left of 5

        with database.app_context():
            assert db.session.scalar(select(func.count(Job.id)).where(Job.status.in_(("queued", "running")))) == 0
            assert db.session.scalar(select(func.count(Comment.id)).where(Comment.status == "pending")) == 0
            assert db.session.scalar(select(func.count(Comment.id))) == POSTS_PER_MINUTE
    finally:
        for process in processes:
            stop(process)
        log.seek(0)
        print(log.read()[-4000:])
