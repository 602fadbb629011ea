"""Registering, logging in and out; passwords are stored hashed and must not be common."""
import statistics
import time
from datetime import datetime, timezone

from sqlalchemy import select

from moderation.extensions import db
from moderation.models import User
from tests.conftest import PASSWORD, post_form


def test_register_logs_in_and_hashes_the_password(client, app):
    response = post_form(
        client,
        "/auth/register?next=/my/comments",
        {"email": "Ann@Example.com", "display_name": "Ann", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/my/comments"
    assert "Ann (reader)" in client.get("/").get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.email == "ann@example.com" and user.role == "reader"
        assert PASSWORD not in user.password_hash and user.check_password(PASSWORD)


def test_register_refuses_a_taken_email_and_mismatched_passwords(client, make_user):
    _, email = make_user()
    page = post_form(client, "/auth/register", {"email": email, "display_name": "X y", "password": PASSWORD, "confirm": PASSWORD}).get_data(as_text=True)
    assert "could not be created" in page and "already exists" not in page  # no telling who has an account
    page = post_form(client, "/auth/register", {"email": "new@example.com", "display_name": "New", "password": PASSWORD, "confirm": "other password"}).get_data(as_text=True)
    assert "The passwords do not match." in page


def test_wrong_password_is_refused(client, make_user):
    _, email = make_user()
    page = post_form(client, "/auth/login", {"email": email, "password": "wrong password"}).get_data(as_text=True)
    assert "Wrong email or password." in page


def test_login_ignores_a_next_that_leaves_the_site(client, make_user):
    _, email = make_user()
    response = post_form(client, "/auth/login?next=https://evil.example/", {"email": email, "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_logout_is_a_post_with_csrf(client, login):
    login()
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/auth/logout").status_code == 405
    post_form(client, "/auth/logout", {})
    assert "Log in" in client.get("/").get_data(as_text=True)


def test_common_short_and_control_character_passwords_are_refused(client, app):
    for password, words in [("password", "too common"), ("12345678", "too common"), ("Password1", "too common"),
                            ("\x01" * 8, "control"), ("aaaaaaaaaaaa", "too common"), ("short1!", "at least 8"),
                            ("\x00" * 8, "NUL")]:  # NUL is refused before any form (see test_hardening)
        page = post_form(client, "/auth/register", {"email": "new@example.com", "display_name": "New",
                                                    "password": password, "confirm": password}).get_data(as_text=True)
        assert words in page, password
    with app.app_context():
        assert db.session.scalar(select(User)) is None


def test_create_user_command_applies_the_password_rules(runner):
    result = runner.invoke(args=["create-user", "mod@example.com", "--role", "moderator"], input="12345678\n")
    assert result.exit_code != 0 and "too common" in result.output


def test_logout_ends_every_copy_of_the_session_and_remember_cookies(app, make_user):
    _, email = make_user()
    browser = app.test_client()
    post_form(browser, "/auth/login", {"email": email, "password": PASSWORD, "remember": "y"})
    session_cookie = browser.get_cookie("session").value
    remember_cookie = browser.get_cookie("remember_token").value
    post_form(browser, "/auth/logout", {})
    for name, value in (("session", session_cookie), ("remember_token", remember_cookie)):
        thief = app.test_client()
        thief.set_cookie(name, value)
        assert "Log in" in thief.get("/").get_data(as_text=True), name
        assert thief.get("/my/comments").status_code == 302, name


def test_the_remember_cookie_is_same_site_http_only_and_lasts_a_month(client, make_user):
    _, email = make_user()
    response = post_form(client, "/auth/login", {"email": email, "password": PASSWORD, "remember": "y"})
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie
    expires = datetime.strptime(cookie.split("Expires=")[1].split(";")[0], "%a, %d %b %Y %H:%M:%S GMT")
    assert (expires.replace(tzinfo=timezone.utc) - datetime.now(timezone.utc)).days <= 31


def test_login_takes_as_long_for_an_unknown_email_as_for_a_wrong_password(client, make_user):
    """193 ms for a known email and 7 ms for an unknown one told who has an account."""
    _, email = make_user()

    def seconds(address):
        start = time.perf_counter()
        post_form(client, "/auth/login", {"email": address, "password": "not the password"})
        return time.perf_counter() - start

    known = statistics.median(seconds(email) for _ in range(3))
    unknown = statistics.median(seconds("nobody@example.com") for _ in range(3))
    assert unknown > 0.5 * known
