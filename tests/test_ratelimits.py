"""Rate limits: logins per account and per address, registrations, posts and reports; a clear 429 with Retry-After."""
import threading
import time

import pytest
from sqlalchemy import func, select

from moderation.extensions import db
from moderation.models import Comment, Report, User
from moderation.ratelimits import SweptMemoryStorage
from tests.conftest import PASSWORD, build_app, post_form

TIGHT = {
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_LOGIN_PER_ACCOUNT": "3 per minute; 5 per hour",
    "RATELIMIT_LOGIN_PER_ADDRESS": "6 per minute",
    "RATELIMIT_REGISTER_PER_ADDRESS": "2 per minute",
    "RATELIMIT_POST_PER_READER": "2 per minute",
    "RATELIMIT_POST_PER_ADDRESS": "3 per minute",
    "RATELIMIT_REPORT_PER_READER": "2 per minute",
    "RATELIMIT_REPORT_PER_ADDRESS": "100 per minute",
}


@pytest.fixture
def app(trained_instance, tmp_path):
    yield from build_app(*trained_instance, tmp_path, TIGHT)


def log_in(client, email, password=PASSWORD):
    return post_form(client, "/auth/login", {"email": email, "password": password})


def assert_limited(response):
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Too many attempts" in response.get_data(as_text=True) and "try again" in response.get_data(as_text=True)


def test_wrong_passwords_lock_the_account_even_for_the_right_one(client, make_user):
    """200 wrong passwords and then the right one logged in."""
    _, email = make_user()
    for _ in range(3):
        assert log_in(client, email, "wrong password").status_code == 200
    assert_limited(log_in(client, email))
    _, other = make_user()
    assert log_in(client, other).status_code == 302  # another account from the same address is not locked


def test_successful_logins_do_not_count_against_the_account(app, make_user):
    _, email = make_user()
    for _ in range(5):
        client = app.test_client()
        assert log_in(client, email).status_code == 302


def test_wrong_passwords_from_one_address_are_limited_across_accounts(client, make_user):
    emails = [make_user()[1] for _ in range(3)]
    for n in range(6):
        log_in(client, emails[n % 3], "wrong password")
    assert_limited(log_in(client, emails[0]))


def test_unknown_and_known_emails_are_refused_alike(client, make_user):
    _, email = make_user()
    known = log_in(client, email, "wrong password").get_data(as_text=True)
    unknown = log_in(client, "nobody@example.com", "wrong password").get_data(as_text=True)
    assert "Wrong email or password." in known and "Wrong email or password." in unknown


def test_registrations_per_address(client, app):
    for n in range(2):
        response = post_form(client, "/auth/register", {"email": f"new{n}@example.com", "display_name": f"New {n}",
                                                        "password": PASSWORD, "confirm": PASSWORD})
        assert response.status_code == 302
        client.delete_cookie("session")
    assert_limited(post_form(client, "/auth/register", {"email": "new9@example.com", "display_name": "New 9",
                                                         "password": PASSWORD, "confirm": PASSWORD}))
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 2


def test_posts_per_reader_and_per_address(app, client, make_user, make_story):
    slug = make_story()
    _, email = make_user()
    log_in(client, email)
    texts = [f"Comment number {n} on the council's plan for the river." for n in range(3)]
    assert [post_form(client, f"/stories/{slug}/comments", {"text": t}).status_code for t in texts[:2]] == [302, 302]
    other = app.test_client()  # another reader at the same address: the address allows one more
    log_in(other, make_user()[1])
    assert post_form(other, f"/stories/{slug}/comments", {"text": "A different reader writes here."}).status_code == 302
    assert_limited(post_form(other, f"/stories/{slug}/comments", {"text": "And once more from here."}))
    assert_limited(post_form(client, f"/stories/{slug}/comments", {"text": texts[2]}))
    with app.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 3


def test_reports_per_reader(app, client, login, make_comment):
    ids = [make_comment(f"Published comment number {n}.", status="published") for n in range(3)]
    login()
    with app.app_context():
        slugs = [db.session.get(Comment, i).story.slug for i in ids]
    responses = [post_form(client, f"/stories/{s}/comments/{i}/report", {"reason": "spam"}) for s, i in zip(slugs, ids)]
    assert [r.status_code for r in responses[:2]] == [302, 302]
    assert_limited(responses[2])
    with app.app_context():
        assert db.session.scalar(select(func.count(Report.id))) == 2


def test_posts_per_reader_alone(app, client, make_user, make_story):
    """200 posts in 7 s were all accepted."""
    app.config["RATELIMIT_POST_PER_ADDRESS"] = "100 per minute"
    slug = make_story()
    log_in(client, make_user()[1])
    texts = [f"Comment number {n} on the council's plan for the river." for n in range(3)]
    assert [post_form(client, f"/stories/{slug}/comments", {"text": t}).status_code for t in texts[:2]] == [302, 302]
    assert_limited(post_form(client, f"/stories/{slug}/comments", {"text": texts[2]}))


def test_logging_out_and_in_again_does_not_reset_a_readers_limits(app, client, make_user, make_story):
    """The per-reader keys held the session token, which logging out renews: each new login counted from zero."""
    app.config["RATELIMIT_POST_PER_ADDRESS"] = "100 per minute"
    slug = make_story()
    email = make_user()[1]
    log_in(client, email)
    texts = [f"Comment number {n} on the council's plan for the river." for n in range(3)]
    assert [post_form(client, f"/stories/{slug}/comments", {"text": t}).status_code for t in texts[:2]] == [302, 302]
    post_form(client, "/auth/logout", {})
    log_in(client, email)
    assert_limited(post_form(client, f"/stories/{slug}/comments", {"text": texts[2]}))


def test_counting_in_memory_starts_no_thread_per_request(app, client, make_user, make_story, monkeypatch):
    """limits' memory storage started a timer thread on almost every limited request (about 1.5 ms of a post)."""
    app.config.update(RATELIMIT_POST_PER_READER="100 per minute", RATELIMIT_POST_PER_ADDRESS="100 per minute")
    slug = make_story()
    log_in(client, make_user()[1])
    started, start = [], threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda thread: (started.append(thread), start(thread))[1])
    for n in range(20):
        text = f"Comment number {n} on the council's plan for the river."
        assert post_form(client, f"/stories/{slug}/comments", {"text": text}).status_code == 302
    assert len(started) <= 2


def test_an_expired_window_counts_from_zero_before_the_sweep():
    storage = SweptMemoryStorage()
    assert storage.incr("post-reader:1", expiry=0.05) == 1
    assert storage.incr("post-reader:1", expiry=0.05) == 2
    time.sleep(0.06)
    assert storage.get("post-reader:1") == 0
    assert storage.incr("post-reader:1", expiry=0.05) == 1


def test_expired_counters_are_freed_by_a_later_hit_without_a_thread(monkeypatch):
    """The sweep runs inline on a hit at most once a second: no timer thread, and expired counters still go."""
    storage = SweptMemoryStorage()
    started = []
    monkeypatch.setattr(threading.Thread, "start", lambda thread: started.append(thread))
    storage.incr("post-reader:1", expiry=0.05)
    time.sleep(0.06)
    storage._next_sweep = 0.0  # the second has passed
    storage.incr("post-reader:2", expiry=60)
    assert "post-reader:1" not in storage.storage and storage.get("post-reader:2") == 1
    assert not started
