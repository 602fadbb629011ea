"""Fixtures: a small real model trained once per session, a fresh database per test, factories."""
import json
import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from tests.parallel import isolate_worker, shared_folder

isolate_worker()  # before any test module reads TEST_DATABASE_URL / TEST_REDIS_URL at its import

from classifiers import store, training
from moderation import create_app
from moderation.extensions import db
from moderation.operations import (
    create_user,
    promote_version,
    register_version,
    save_story,
)

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "corpora"
TEST_VERSION = "test-v1"
PASSWORD = "correct horse battery"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def trained_models(tmp_path_factory):
    """A models folder holding a version trained on a slice of the real corpora (seed 0), and its card.

    Trained once per run: under xdist the first worker trains it into the run's shared temp folder while the others
    wait on a file lock, then load it (tests.parallel.shared_folder)."""
    with shared_folder(tmp_path_factory, "trained-models") as folder:
        card = folder / f"{TEST_VERSION}.json"
        if not card.exists():
            store.save(training.train(str(DATA_DIR), limit=1500, seed=0), str(folder), TEST_VERSION)
        return folder, json.loads(card.read_text())


@pytest.fixture(scope="session")
def trained_bundle(trained_models):
    """The trained test version, loaded (read-only: it is shared by every test of the worker)."""
    return store.load(str(trained_models[0]), TEST_VERSION)


@pytest.fixture(scope="session")
def trained_instance(tmp_path_factory, trained_models):
    """An instance folder of this worker's own holding the trained test version, and its card."""
    path = tmp_path_factory.mktemp("instance")
    shutil.copytree(trained_models[0], path / "models")
    return path, trained_models[1]


def build_app(instance_dir, metadata, tmp_path, config=None):
    """An app on a fresh database (SQLite in tmp_path, or TEST_DATABASE_URL) with the test version active."""
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.db'}"
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test-only",
         "TASK_QUEUE_SQLITE": str(tmp_path / "tasks.sqlite3"), **(config or {})},
        instance_path=str(instance_dir),
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        register_version(TEST_VERSION, metadata)
        promote_version(TEST_VERSION)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def app(trained_instance, tmp_path):
    yield from build_app(*trained_instance, tmp_path)


@pytest.fixture
def worker(app):
    """A real Huey consumer on the app's queue (SQLite in tmp_path), in background threads of the test process."""
    from moderation.worker.consumer import Background

    with Background(workers=2) as background:
        yield background


@pytest.fixture
def live_server(app):
    """The app served over HTTP on a free local port, for the browser."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def browser():
    """Debian's headless Chromium driven by Playwright; skipped where it is missing unless CI requires it."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"REQUIRE_BROWSER is set but {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip("Debian's chromium is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    return browser.new_page(viewport={"width": 1100, "height": 900})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client):
    """The CSRF token of the client's session, read from a page as a browser would."""
    page = client.get("/auth/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def post_form(client, url, data, **kwargs):
    """POST a form the way the page would, CSRF token included."""
    return client.post(url, data={"csrf_token": csrf_token(client), **data}, **kwargs)


@pytest.fixture
def make_user(app):
    """Create-one factory for people: make_user(role="moderator")."""
    counter = iter(range(1, 10_000))

    def make(role="reader", email=None):
        with app.app_context():
            user = create_user(email or f"{role}{next(counter)}@example.com", PASSWORD, role=role)
            db.session.commit()
            return user.id, user.email

    return make


@pytest.fixture
def make_story(app):
    """Create-one factory for stories."""

    def make(title="Council approves new cycle lanes", comments_open=True):
        with app.app_context():
            story = save_story(title, "The council voted on Tuesday.", "", comments_open)
            db.session.commit()
            return story.slug

    return make


@pytest.fixture
def login(client, make_user):
    """Log the test client in as a new person of a role; returns (id, email)."""

    def log_in(role="reader"):
        user_id, email = make_user(role)
        response = post_form(client, "/auth/login", {"email": email, "password": PASSWORD})
        assert response.status_code == 302
        return user_id, email

    return log_in


@pytest.fixture
def reader(app, make_user):
    """A person (a reader unless told otherwise) with a confirmed address unless told otherwise, logged in on a
    client of their own: reader(confirmed=True, role="reader") -> (id, email, client)."""
    from moderation.accounts.operations import confirm_email
    from moderation.models import User

    def make(confirmed=True, role="reader"):
        user_id, email = make_user(role)
        if confirmed:
            with app.app_context():
                confirm_email(db.session.get(User, user_id))
                db.session.commit()
        client = app.test_client()
        assert post_form(client, "/auth/login", {"email": email, "password": PASSWORD}).status_code == 302
        return user_id, email, client

    return make


@pytest.fixture
def make_comment(app, make_user, make_story):
    """Create-one factory for comments, classified by the real model: make_comment(text, status="review").

    status=None keeps the pipeline's outcome; any other status overrides it (the verdict is kept).
    Returns the comment's id.
    """
    from sqlalchemy import select

    from moderation.models import Comment, Story, User
    from moderation.operations import classify_comment, submit_comment

    def make(text="The council should listen to the people who live on Mill Street.", status="review",
             author_id=None, slug=None, parent_id=None):
        author_id = author_id or make_user()[0]
        with app.app_context():
            parent = db.session.get(Comment, parent_id) if parent_id else None
            story = parent.story if parent else db.session.scalar(select(Story).where(Story.slug == (slug or make_story())))
            comment = submit_comment(story, db.session.get(User, author_id), text, parent)
            classify_comment(comment)
            if status:
                comment.status = status
            db.session.commit()
            return comment.id

    return make


@pytest.fixture
def make_api_key(app):
    """Create-one factory for API keys: make_api_key("coral", rate_limit="10/minute") -> the raw key."""
    from moderation.api.keys import create_key

    counter = iter(range(1, 10_000))

    def make(name=None, rate_limit=None, train_on_feedback=False, site=None, scope="submit"):
        from moderation.sites.operations import find_site

        with app.app_context():
            _, raw = create_key(name or f"client-{next(counter)}", None, rate_limit, train_on_feedback,
                                site=find_site(site) if site else None, scope=scope)
            db.session.commit()
            return raw

    return make


@pytest.fixture
def make_site(app):
    """Create-one factory for sites: make_site("herald", ["https://herald.example"]) -> its SSO secret."""
    from moderation.sites.operations import rotate_sso_secret, save_site

    def make(slug="herald", origins=("https://herald.example",), sso=True, local_accounts=True, premoderate=False):
        with app.app_context():
            site = save_site(None, slug.title(), slug, "\n".join(origins), local_accounts, premoderate)
            secret = rotate_sso_secret(site, None) if sso else None
            db.session.commit()
            return secret

    return make


class SmtpSink:
    """What a real SMTP server on loopback (aiosmtpd) received: parsed messages and the logins it saw."""

    USERNAME, PASSWORD = "mailer", "mail secret"

    def __init__(self):
        self.messages, self.logins, self.port = [], [], None

    async def handle_DATA(self, server, session, envelope):
        import email
        import email.policy

        message = email.message_from_bytes(envelope.content.replace(b"\r\n", b"\n"), policy=email.policy.default)
        message.envelope_to = list(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=(auth_data.login.decode(), auth_data.password.decode()) == (self.USERNAME,
                                                                                                self.PASSWORD))

    def to(self, address):
        """The messages sent to one address, oldest first."""
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def link(message, path):
        """The first link in a message's text whose path starts with `path`."""
        return re.search(r"https?://\S+?" + re.escape(path) + r"\S*", message.get_content()).group(0)


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free loopback port, AUTH allowed without TLS."""
    import socket

    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        sink.port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port, authenticator=sink.authenticate,
                            auth_require_tls=False)
    controller.start()
    yield sink
    controller.stop()


def mail_config(smtp):
    """App config that sends through the loopback SMTP server, links naming PUBLIC_URL."""
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "MAIL_USE_TLS": False,
            "MAIL_DEFAULT_SENDER": "Comments <comments@news.example>", "PUBLIC_URL": "http://news.example",
            "MAIL_FROM_WORKER": False}
