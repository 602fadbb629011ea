"""What operators watch, for real: probes, /metrics and its access rules, JSON log lines, gunicorn's workers."""
import json
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select, update

from moderation.api.keys import KEY_PREFIX
from moderation.extensions import db
from moderation.models import ApiKey, ModelVersion
from moderation.observability.logs import StderrHandler
from tests.conftest import TEST_VERSION, build_app, post_form
from tests.model_helpers import isolated_app

ROOT = Path(__file__).resolve().parents[1]
CIVIL = "I think the new cycle lanes will make the riverside much safer for children."
ABUSIVE = "You are a fucking idiot and a stupid moron, shut up."
OUTSIDE = {"REMOTE_ADDR": "203.0.113.7"}


def samples(text):
    """{(name, frozenset(labels)): value} from a Prometheus text page."""
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(page, metric, **labels):
    return samples(page).get((metric, frozenset(labels.items())), 0.0)


def scrape(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_healthz_and_readyz_answer_ok_without_cookies_and_echo_the_request_id(client):
    health = client.get("/healthz", headers={"X-Request-Id": "lb-probe-1"})
    assert health.status_code == 200 and health.get_json() == {"status": "ok"}
    assert health.headers["X-Request-Id"] == "lb-probe-1"
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.get_json()
    body = ready.get_json()
    assert body["status"] == "ready" and body["failing"] == []
    assert body["checks"]["classifier"] == {"ok": True, "version": TEST_VERSION}
    assert body["checks"]["database"]["ok"] and body["checks"]["queue"]["ok"]
    assert len(ready.headers["X-Request-Id"]) == 32  # none sent: one is made
    for response in (health, ready, client.get("/metrics")):
        assert "Set-Cookie" not in response.headers


def test_a_made_up_request_id_is_replaced(client):
    response = client.get("/healthz", headers={"X-Request-Id": "x" * 500})
    assert response.headers["X-Request-Id"] != "x" * 500 and len(response.headers["X-Request-Id"]) == 32


def test_readyz_fails_without_an_active_version_and_says_why_only_to_allowed_callers(app, client):
    with app.app_context():
        db.session.execute(update(ModelVersion).values(active=False))
        db.session.commit()
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["failing"] == ["classifier"]
    assert body["checks"]["classifier"]["error"] == "no classifier version is active"
    assert body["checks"]["database"]["ok"] and body["checks"]["queue"]["ok"]
    outside = client.get("/readyz", environ_base=OUTSIDE)
    assert outside.status_code == 503 and outside.get_json()["failing"] == ["classifier"]
    assert "no classifier version" not in outside.get_data(as_text=True)
    assert client.get("/healthz").status_code == 200  # the process itself is fine


def test_readyz_fails_when_the_artifact_no_longer_matches_its_sha256(trained_instance, tmp_path):
    for app in isolated_app(trained_instance, tmp_path):
        model = Path(app.config["MODELS_DIR"]) / f"{TEST_VERSION}.joblib"
        model.write_bytes(model.read_bytes()[:-10] + b"tampered!!")
        response = app.test_client().get("/readyz")
        assert response.status_code == 503
        check = response.get_json()["checks"]["classifier"]
        assert not check["ok"] and ("sha256" in check["error"].lower() or "checksum" in check["error"].lower())


def test_readyz_fails_when_the_queue_is_unreachable(trained_instance, tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    for app in build_app(*trained_instance, tmp_path, {"REDIS_URL": f"redis://127.0.0.1:{closed}/0"}):
        response = app.test_client().get("/readyz")
        body = response.get_json()
        assert response.status_code == 503 and body["failing"] == ["queue"]
        assert body["checks"]["queue"]["backend"] == "redis" and "Connection" in body["checks"]["queue"]["error"]


def test_metrics_count_comments_rules_stages_routes_and_api_keys(app, client, login, make_story, make_api_key,
                                                                make_comment):
    before = scrape(client)
    login()
    slug = make_story()
    assert post_form(client, f"/stories/{slug}/comments", {"text": CIVIL}).status_code in (200, 302)
    assert post_form(client, f"/stories/{slug}/comments", {"text": ABUSIVE}).status_code in (200, 302)
    raw = make_api_key("coral-prod")
    analyzed = client.post(f"/v1alpha1/comments:analyze?key={raw}", json={
        "comment": {"text": CIVIL}, "requestedAttributes": {"TOXICITY": {}}, "doNotStore": True})
    assert analyzed.status_code == 200
    make_comment("Waiting for a moderator to read it, as the house rules say.", status="review")
    after = scrape(client)

    def grew(metric, **labels):
        return value(after, metric, **labels) - value(before, metric, **labels)

    assert grew("moderation_comments_judged_total", decision="publish") >= 1
    assert grew("moderation_comments_judged_total", decision="reject") >= 1
    assert grew("moderation_comment_rules_total", decision="publish", rule="none") >= 1
    assert grew("moderation_comment_rules_total", decision="reject", rule="abuse") >= 1
    assert grew("moderation_http_requests_total", endpoint="comments.post_comment", method="POST", status="302") == 2
    assert grew("moderation_http_request_duration_seconds_count", endpoint="comments.post_comment", method="POST") == 2
    for stage in ("language", "abuse", "assess"):
        assert grew("moderation_classifier_stage_seconds_count", stage=stage) >= 3, stage
    with app.app_context():
        prefix = db.session.scalar(select(ApiKey.prefix).where(ApiKey.name == "coral-prod"))
    endpoint = "perspective.analyze"
    assert grew("moderation_api_calls_total", key=prefix, key_name="coral-prod", endpoint=endpoint, status="200") == 1
    assert raw not in after and raw[len(KEY_PREFIX) + len(prefix):] not in after  # never the secret
    assert value(after, "moderation_review_queue_items", queue="review") >= 1
    assert value(after, "moderation_comments_review") >= 1
    assert value(after, "moderation_review_oldest_age_seconds") >= 0
    assert value(after, "moderation_active_version", version=TEST_VERSION) == 1
    assert value(after, "moderation_database_up") == 1
    assert "/stories/" not in after  # routes by endpoint name, never the raw path


def test_metrics_refused_from_other_addresses_unless_the_token_is_right(trained_instance, tmp_path):
    for app in build_app(*trained_instance, tmp_path, {"METRICS_TOKEN": "scrape-secret-123"}):
        client = app.test_client()
        assert client.get("/metrics").status_code == 200  # loopback is allowed by default
        refused = client.get("/metrics", environ_base=OUTSIDE)
        assert refused.status_code == 404 and "moderation_" not in refused.get_data(as_text=True)
        wrong = client.get("/metrics", environ_base=OUTSIDE, headers={"Authorization": "Bearer scrape-secret-124"})
        assert wrong.status_code == 403
        right = client.get("/metrics", environ_base=OUTSIDE, headers={"Authorization": "Bearer scrape-secret-123"})
        assert right.status_code == 200 and "moderation_http_requests_total" in right.get_data(as_text=True)
        # A proxy on this host relays everyone from 127.0.0.1; without PROXY_COUNT the address proves nothing.
        assert client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.9"}).status_code == 404


def test_metrics_allow_lists_networks(trained_instance, tmp_path):
    for app in build_app(*trained_instance, tmp_path, {"METRICS_ALLOW": "10.0.0.0/8, 203.0.113.0/24"}):
        client = app.test_client()
        assert client.get("/metrics", environ_base=OUTSIDE).status_code == 200
        assert client.get("/metrics").status_code == 404  # loopback no longer listed


@pytest.fixture
def json_logs():
    """Undo what a JSON-logging app did to the root logger, so later tests log as before."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in [h for h in root.handlers if isinstance(h, StderrHandler)]:
        root.removeHandler(handler)
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)


def log_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_json_log_lines_carry_the_request_and_decision_but_never_the_text(trained_instance, tmp_path, capsys,
                                                                         json_logs):
    for app in build_app(*trained_instance, tmp_path, {"LOG_FORMAT": "json"}):
        from tests.conftest import PASSWORD
        from moderation.operations import create_user, save_story

        with app.app_context():
            create_user("reader@example.com", PASSWORD)
            slug = save_story("Cycle lanes", "The council voted.").slug
            db.session.commit()
        client = app.test_client()
        post_form(client, "/auth/login", {"email": "reader@example.com", "password": PASSWORD})
        capsys.readouterr()
        response = post_form(client, f"/stories/{slug}/comments", {"text": ABUSIVE},
                             headers={"X-Request-Id": "req-42"})
        err = capsys.readouterr().err
        assert response.headers["X-Request-Id"] == "req-42"
        lines = log_lines(err)
        assert lines and len(lines) == len([line for line in err.splitlines() if line.strip()])  # all JSON
        posted = [line for line in lines if line.get("endpoint") == "comments.post_comment"]
        assert len(posted) == 1
        line = posted[0]
        assert line["request_id"] == "req-42" and line["method"] == "POST" and line["status"] == 302
        assert line["route"] == "/stories/<slug>/comments" and line["latency_ms"] > 0
        assert line["decision"] == "reject" and isinstance(line["comment_id"], int)
        assert "idiot" not in err and "moron" not in err


def test_json_log_lines_carry_the_text_when_asked(trained_instance, tmp_path, capsys, json_logs, make_user):
    for app in build_app(*trained_instance, tmp_path, {"LOG_FORMAT": "json", "LOG_COMMENT_TEXT": True}):
        from moderation.operations import create_user, save_story
        from tests.conftest import PASSWORD

        with app.app_context():
            create_user("reader@example.com", PASSWORD)
            slug = save_story("Cycle lanes", "The council voted.").slug
            db.session.commit()
        client = app.test_client()
        post_form(client, "/auth/login", {"email": "reader@example.com", "password": PASSWORD})
        capsys.readouterr()
        post_form(client, f"/stories/{slug}/comments", {"text": CIVIL})
        lines = log_lines(capsys.readouterr().err)
        posted = [line for line in lines if line.get("endpoint") == "comments.post_comment"]
        assert posted[0]["text"] == CIVIL and posted[0]["decision"] == "publish"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=5):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_under_gunicorn_counters_add_up_across_workers_and_logs_are_json(app, tmp_path):
    """Two gunicorn workers share PROMETHEUS_MULTIPROC_DIR: the requests both answered are all counted."""
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    port = free_port()
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               MODERATION_INSTANCE_PATH=app.instance_path,
               SECRET_KEY="test-only", TASK_QUEUE_SQLITE=app.config["TASK_QUEUE_SQLITE"], LOG_FORMAT="json",
               PROMETHEUS_MULTIPROC_DIR=str(metrics_dir), WEB_CONCURRENCY="2")
    env.pop("REDIS_URL", None)
    log_file = open(tmp_path / "gunicorn.log", "wb")  # a file, not a pipe nobody reads while it fills
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log_file)
    try:
        answered, deadline = 0, time.monotonic() + 90
        while time.monotonic() < deadline:  # until the server answers (the app loads in each worker)
            try:
                if get(f"http://127.0.0.1:{port}/healthz", 1)[0] == 200:
                    answered += 1
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError("gunicorn did not start")

        def counted_pids():
            return {name.split("_")[-1] for name in os.listdir(metrics_dir) if name.startswith("counter_")}

        with ThreadPoolExecutor(8) as pool:  # concurrent requests, so both workers take some
            while len(counted_pids()) < 2 and time.monotonic() < deadline:
                statuses = list(pool.map(lambda _: get(f"http://127.0.0.1:{port}/healthz", 30)[0], range(40)))
                assert statuses == [200] * 40
                answered += 40
        assert len(counted_pids()) == 2  # both workers answered and wrote their own counts
        status, page = get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200
        counted = value(page, "moderation_http_requests_total", endpoint="health.healthz", method="GET", status="200")
        assert counted >= answered  # all counted, whichever worker answered (a start-up try that timed out may too)
        ready, body = get(f"http://127.0.0.1:{port}/readyz")
        assert ready == 200, body
    finally:
        server.terminate()
        server.wait(timeout=30)
        log_file.close()
    err = (tmp_path / "gunicorn.log").read_text()
    assert [line for line in err.splitlines() if not line.startswith("{")] == []  # gunicorn's own lines too
    lines = log_lines(err)
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["message"] for line in lines)
    requests = [line for line in lines if line.get("logger") == "moderation.requests"]
    assert len(requests) >= answered + 2 and all(line["request_id"] and line["status"] for line in requests)


def test_the_worker_logs_json_lines_too(app, tmp_path):
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               MODERATION_INSTANCE_PATH=app.instance_path,
               SECRET_KEY="test-only", TASK_QUEUE_SQLITE=app.config["TASK_QUEUE_SQLITE"], LOG_FORMAT="json")
    env.pop("REDIS_URL", None)
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT, env=env,
                              stderr=subprocess.PIPE, text=True)
    try:
        seen = []
        for line in worker.stderr:  # until the consumer says it started; each log line on the way must be JSON
            seen.append(json.loads(line))
            if "Huey consumer started" in line:
                break
    finally:
        worker.terminate()
        worker.communicate(timeout=30)
    assert any(line["logger"] == "moderation" and line["message"].startswith("worker on") for line in seen)
    assert any(line["logger"].startswith("huey") for line in seen)
