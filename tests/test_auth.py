"""Registering, logging in and out; passwords are stored hashed."""
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
    assert "already exists" in page
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
