"""Two app servers on one database and one Redis: a key's rate limit and its revocation hold across both."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
BODY = json.dumps({"comment": {"text": "The council approved the cycle lanes on Tuesday."},
                   "requestedAttributes": {"TOXICITY": {}}, "doNotStore": True, "languages": ["en"]}).encode()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(base, key):
    request = urllib.request.Request(f"{base}/v1alpha1/comments:analyze?key={key}", data=BODY,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def two_hosts(app):
    """Two gunicorn servers (one worker each, as two hosts would run) on the test database and Redis."""
    try:
        redis.Redis.from_url(REDIS_URL).flushdb()
    except redis.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=REDIS_URL,
               MODERATION_INSTANCE_PATH=app.instance_path, SECRET_KEY="test-only")
    hosts, servers = [], []
    try:
        for _ in range(2):
            port = free_port()
            servers.append(subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
            hosts.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 60
        for base, server in zip(hosts, servers):
            while True:
                try:
                    urllib.request.urlopen(base + "/", timeout=30)
                    break
                except OSError:  # not listening yet, or its worker still importing
                    assert server.poll() is None, server.stderr.read().decode()[-2000:]
                    assert time.monotonic() < deadline, "gunicorn did not start"
                    time.sleep(0.2)
        yield hosts
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()


def test_rate_limit_and_revocation_hold_across_hosts(two_hosts, make_api_key, runner):
    key = make_api_key("shared", rate_limit="10/minute")
    first, second = two_hosts
    answers = [post(host, key) for _ in range(8) for host in (first, second)]
    # One budget for the key in Redis: exactly 10 pass, whichever host answered (memory storage would pass 16).
    assert answers.count(200) == 10 and answers.count(429) == 6, answers
    other = make_api_key("other")
    assert post(first, other) == post(second, other) == 200
    assert runner.invoke(args=["api-key", "revoke", "other"]).exit_code == 0
    assert post(first, other) == post(second, other) == 403
