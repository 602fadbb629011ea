"""Readers' accounts through the client: confirm the address, reset and change the password, rename, delete,
with the mails read from a real SMTP server on loopback."""
import re

import pytest
from sqlalchemy import select

from moderation.accounts.operations import confirm_email
from moderation.extensions import db
from moderation.models import AuditEvent, Comment, User
from tests.conftest import PASSWORD, build_app, mail_config, post_form

NEW_PASSWORD = "a quiet evening by the river"
REPLY = "I agree with you, and the evidence from other cities supports that view."


@pytest.fixture
def app(trained_instance, tmp_path, smtp_server):
    yield from build_app(*trained_instance, tmp_path, mail_config(smtp_server))


def register(client, email="ann@example.com", name="Ann"):
    return post_form(client, "/auth/register", {"email": email, "display_name": name, "password": PASSWORD,
                                                "confirm": PASSWORD})


def log_in(app, email, password=PASSWORD):
    client = app.test_client()
    response = post_form(client, "/auth/login", {"email": email, "password": password})
    return client, response


def path_of(link):
    return link.removeprefix("http://news.example")


def user_by_email(app, email):
    with app.app_context():
        return db.session.scalar(select(User).where(User.email == email))


def test_registering_mails_a_link_that_confirms_the_address(app, client, smtp_server):
    assert register(client).status_code == 302
    [message] = smtp_server.to("ann@example.com")
    assert message["Subject"] == "Confirm your email address"
    link = smtp_server.link(message, "/account/verify/")
    assert link.startswith("http://news.example/account/verify/")  # PUBLIC_URL, never the request's Host
    assert user_by_email(app, "ann@example.com").email_verified_at is None
    assert "not confirmed yet" in client.get("/account/").get_data(as_text=True)
    response = client.get(path_of(link))
    assert response.status_code == 302
    assert user_by_email(app, "ann@example.com").email_verified_at is not None
    assert "<strong>confirmed</strong>" in client.get("/account/").get_data(as_text=True)


def test_a_confirmation_link_that_expired_or_was_altered_is_refused(app, client, smtp_server):
    register(client)
    link = path_of(smtp_server.link(smtp_server.messages[-1], "/account/verify/"))
    assert client.get(link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")).status_code == 400
    assert client.get("/account/verify/" + "x" * 5000).status_code == 400
    app.config["EMAIL_VERIFY_MAX_AGE"] = -1  # the link is older than its lifetime
    assert client.get(link).status_code == 400
    assert user_by_email(app, "ann@example.com").email_verified_at is None


def test_a_new_confirmation_link_can_be_asked_for(app, client, smtp_server):
    register(client)
    response = post_form(client, "/account/verify", {})
    assert response.status_code == 302 and len(smtp_server.to("ann@example.com")) == 2
    assert client.post("/account/verify").status_code == 400  # no CSRF token


def test_a_new_email_address_is_used_once_its_mailbox_confirms_and_the_old_one_is_told(app, client, smtp_server,
                                                                                     make_user):
    register(client)
    _, taken = make_user()
    assert post_form(client, "/account/email", {"email": "ann@new.example", "password": "wrong one"}
                     ).status_code == 422
    assert post_form(client, "/account/email", {"email": taken, "password": PASSWORD}).status_code == 422
    asked = post_form(client, "/account/email", {"email": "Ann@New.example", "password": PASSWORD})
    assert asked.status_code == 302
    assert user_by_email(app, "ann@example.com") is not None  # nothing moves before the link is opened
    notice = smtp_server.to("ann@example.com")[-1]
    assert "change its email address to ann@new.example" in notice.get_content()
    link = path_of(smtp_server.link(smtp_server.to("ann@new.example")[-1], "/account/email/"))
    assert client.get(link[:-3] + "xyz").status_code == 400  # altered
    assert client.get(link).status_code == 302
    moved = user_by_email(app, "ann@new.example")
    assert moved is not None and moved.email_verified_at is not None and user_by_email(app, "ann@example.com") is None
    assert client.get(link).status_code == 400  # used: the address it was bound to has changed
    assert post_form(app.test_client(), "/auth/login", {"email": "ann@new.example", "password": PASSWORD}
                     ).status_code == 302
    assert client.post("/account/email", data={"email": "x@example.com", "password": PASSWORD}).status_code == 400


def test_when_the_site_requires_it_readers_confirm_before_their_first_comment(app, client, smtp_server, make_story,
                                                                            make_user):
    slug = make_story()
    _, admin_email = make_user("admin")
    admin, _ = log_in(app, admin_email)
    response = post_form(admin, "/review/settings", {"audit_percent": "2", "require_verified_email": "on"})
    assert response.status_code == 302
    register(client)
    assert "open it to confirm your address" in client.get("/").get_data(as_text=True)
    response = post_form(client, f"/stories/{slug}/comments", {"text": REPLY})
    assert response.status_code == 422 and "Confirm your email address before your first comment" in \
        response.get_data(as_text=True)
    client.get(path_of(smtp_server.link(smtp_server.to("ann@example.com")[-1], "/account/verify/")))
    response = post_form(client, f"/stories/{slug}/comments", {"text": REPLY})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.after).where(AuditEvent.action == "setting").order_by(
            AuditEvent.id.desc())) == {"require_verified_email": True}
    # Turned off again, an unconfirmed reader comments at once.
    post_form(admin, "/review/settings", {"audit_percent": "2"})
    other = app.test_client()
    register(other, "bo@example.com", "Bo")
    assert post_form(other, f"/stories/{slug}/comments", {"text": REPLY}).status_code == 302


def test_a_reset_link_sets_a_new_password_once_and_logs_out_every_session(app, client, smtp_server, make_user):
    _, email = make_user()
    elsewhere, _ = log_in(app, email)
    response = post_form(client, "/account/reset", {"email": email.upper()})
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    [message] = smtp_server.to(email)
    link = path_of(smtp_server.link(message, "/account/reset/"))
    page = client.get(link).get_data(as_text=True)
    assert "Choose a new password" in page
    response = post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert "(reader)" in client.get("/").get_data(as_text=True)  # logged in with the new password
    assert elsewhere.get("/my/comments").status_code == 302  # the other session is over
    assert log_in(app, email)[1].status_code == 200  # the old password no longer works
    assert log_in(app, email, NEW_PASSWORD)[1].status_code == 302
    assert client.get(link).status_code == 400  # used once
    user = user_by_email(app, email)
    assert user.email_verified_at is not None  # the link reached the mailbox
    assert [m["Subject"] for m in smtp_server.to(email)] == ["Reset your password", "Your password was changed"]


def test_a_reset_answers_the_same_for_an_unknown_address_and_mails_nothing(app, client, smtp_server, make_user):
    _, email = make_user()
    known = post_form(client, "/account/reset", {"email": email}, follow_redirects=True).get_data(as_text=True)
    unknown = post_form(client, "/account/reset", {"email": "nobody@example.com"},
                        follow_redirects=True).get_data(as_text=True)

    def strip(page):  # each page's CSRF token carries the second it was signed in: under load two pages can differ
        page = page.replace(email, "").replace("nobody@example.com", "")
        return re.sub(r'(name="csrf_token" type="hidden" value=)"[^"]+"', r"\1", page)

    assert strip(known) == strip(unknown) and "If an account has that address" in known
    assert [m["To"] for m in smtp_server.messages] == [email]


def test_a_reset_link_names_public_url_whatever_host_the_request_named(app, client, smtp_server, make_user):
    _, email = make_user()
    client.environ_base["HTTP_HOST"] = "evil.example"
    assert post_form(client, "/account/reset", {"email": email}).status_code == 302
    assert smtp_server.link(smtp_server.to(email)[0], "/account/reset/").startswith("http://news.example/")


def test_an_expired_or_foreign_reset_token_is_refused(app, client, smtp_server, make_user):
    _, email = make_user()
    post_form(client, "/account/reset", {"email": email})
    link = path_of(smtp_server.link(smtp_server.to(email)[0], "/account/reset/"))
    token = link.rsplit("/", 1)[1]
    assert client.get(f"/account/verify/{token}").status_code == 400  # a reset token is no confirmation
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    assert client.get(link).status_code == 400
    assert post_form(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 400
    assert log_in(app, email)[1].status_code == 302


def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(app, client, smtp_server, make_user):
    user_id, email = make_user()
    with app.app_context():
        confirm_email(db.session.get(User, user_id))
        db.session.commit()
    client, _ = log_in(app, email)
    elsewhere, _ = log_in(app, email)
    page = post_form(client, "/account/password", {"current": "wrong one", "password": NEW_PASSWORD,
                                                   "confirm": NEW_PASSWORD}).get_data(as_text=True)
    assert "Your current password is not right." in page
    page = post_form(client, "/account/password", {"current": PASSWORD, "password": "password",
                                                   "confirm": "password"}).get_data(as_text=True)
    assert "too common" in page
    response = post_form(client, "/account/password", {"current": PASSWORD, "password": NEW_PASSWORD,
                                                       "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/my/comments").status_code == 200  # this session goes on
    assert elsewhere.get("/my/comments").status_code == 302  # the other one is logged out
    assert log_in(app, email, NEW_PASSWORD)[1].status_code == 302
    assert [m["Subject"] for m in smtp_server.to(email)] == ["Your password was changed"]


def test_display_names_stay_unique_ignoring_case_and_lookalike_forms(app, client, make_user):
    register(app.test_client(), "alice@example.com", "Alice")
    register(client, "ann@example.com", "Ann")
    for name, words in [("alice", "already uses that name"), ("ＡＬＩＣＥ", "already uses that name"),
                        ("  ALICE ", "already uses that name"), ("Deleted account 7", "reserved"),
                        ("A", "between 2 and 60"), ("x" * 61, "between 2 and 60")]:
        response = post_form(client, "/account/name", {"display_name": name})
        assert response.status_code == 422 and words in response.get_data(as_text=True), name
    assert post_form(client, "/account/name", {"display_name": "ann"}).status_code == 302  # one's own, recased
    assert post_form(client, "/account/name", {"display_name": "Ann  <b>Lee</b>\nx"}).status_code == 302
    page = client.get("/account/").get_data(as_text=True)
    assert "Ann &lt;b&gt;Lee&lt;/b&gt; x" in page and "<b>Lee</b>" not in page
    assert user_by_email(app, "ann@example.com").display_name == "Ann <b>Lee</b> x"


def test_the_database_keeps_display_names_unique_when_two_requests_race(app, client, monkeypatch):
    """Both requests pass the check before either inserts: the unique index decides, and the loser sees the form's
    "taken" message rather than an error page."""
    from moderation import operations
    from moderation.accounts import operations as account_operations

    register(app.test_client(), "alice@example.com", "Alice")
    register(client, "ann@example.com", "Ann")
    monkeypatch.setattr(operations, "display_name_taken", lambda *args, **kwargs: False)  # the race window
    monkeypatch.setattr(account_operations, "display_name_taken", lambda *args, **kwargs: False)
    racing = register(app.test_client(), "alicia@example.com", "ＡＬＩＣＥ")
    assert racing.status_code == 200 and "That display name is taken" in racing.get_data(as_text=True)
    assert user_by_email(app, "alicia@example.com") is None
    renamed = post_form(client, "/account/name", {"display_name": "alice"})
    assert renamed.status_code == 422 and "already uses that name" in renamed.get_data(as_text=True)
    assert user_by_email(app, "ann@example.com").display_name == "Ann"
    assert register(app.test_client(), "bo@example.com", "Bo").status_code == 302  # the form still works


def test_deleting_an_account_anonymises_it_and_keeps_its_comments(app, client, smtp_server, make_story):
    slug = make_story()
    register(client, "ann@example.com", "Ann Smith")
    post_form(client, f"/stories/{slug}/comments", {"text": REPLY})
    user_id = user_by_email(app, "ann@example.com").id
    elsewhere, _ = log_in(app, "ann@example.com")
    page = post_form(client, "/account/delete", {"password": "wrong password", "understood": "y"}).get_data(
        as_text=True)
    assert "That password is not right." in page
    assert post_form(client, "/account/delete", {"password": PASSWORD}).status_code == 422  # box not ticked
    response = post_form(client, "/account/delete", {"password": PASSWORD, "understood": "y"})
    assert response.status_code == 302
    assert elsewhere.get("/my/comments").status_code == 302 and client.get("/my/comments").status_code == 302
    story = client.get(f"/stories/{slug}").get_data(as_text=True)
    assert REPLY in story and f"Deleted account {user_id}" in story and "Ann Smith" not in story
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.email == f"deleted-{user_id}@deleted.invalid" and user.deleted_at is not None
        assert db.session.scalar(select(Comment.author_id)) == user_id
    assert log_in(app, "ann@example.com")[1].status_code == 200
    sent = len(smtp_server.messages)
    post_form(app.test_client(), "/account/reset", {"email": "ann@example.com"})
    assert len(smtp_server.messages) == sent  # no account has that address any more
    assert register(app.test_client(), "ann@example.com", "Ann Smith").status_code == 302  # both are free again


def test_moderators_cannot_delete_their_account_here(app, client, login):
    login("moderator")
    page = post_form(client, "/account/delete", {"password": PASSWORD, "understood": "y"}).get_data(as_text=True)
    assert "ask an admin to make you a reader first" in page


def test_account_pages_need_a_login_and_their_forms_a_csrf_token(client, login):
    for url in ("/account/", "/account/notifications", "/account/delete"):
        assert "/auth/login" in client.get(url).headers["Location"]
    login()
    for url, data in [("/account/name", {"display_name": "Zed"}), ("/account/notifications", {"replies": "y"}),
                      ("/account/password", {"current": PASSWORD, "password": NEW_PASSWORD,
                                             "confirm": NEW_PASSWORD}),
                      ("/account/delete", {"password": PASSWORD, "understood": "y"})]:
        assert client.post(url, data=data).status_code == 400, url
    assert client.get("/my/comments").status_code == 200  # nothing was changed or deleted
    assert client.post("/account/reset", data={"email": "a@example.com"}).status_code == 400


RATE_LIMITS = {"RATELIMIT_ENABLED": True, "RATELIMIT_RESET_PER_ACCOUNT": "2 per hour",
               "RATELIMIT_RESET_PER_ADDRESS": "5 per minute", "RATELIMIT_VERIFY_PER_READER": "1 per hour",
               "RATELIMIT_REGISTER_PER_ADDRESS": "20 per minute"}


@pytest.fixture
def limited_app(trained_instance, tmp_path, smtp_server):
    yield from build_app(*trained_instance, tmp_path, {**mail_config(smtp_server), **RATE_LIMITS})


def test_reset_and_confirmation_requests_are_rate_limited(limited_app, smtp_server):
    client = limited_app.test_client()
    for email in ("a@example.com", "a@example.com"):
        assert post_form(client, "/account/reset", {"email": email}).status_code == 302
    response = post_form(client, "/account/reset", {"email": "A@example.com"})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    for email in ("b@example.com", "c@example.com"):  # unknown addresses count the same; the refusal counted too
        assert post_form(client, "/account/reset", {"email": email}).status_code == 302
    assert post_form(client, "/account/reset", {"email": "d@example.com"}).status_code == 429
    reader = limited_app.test_client()
    register(reader, "ann@example.com", "Ann")
    assert post_form(reader, "/account/verify", {}).status_code == 302
    assert post_form(reader, "/account/verify", {}).status_code == 429
    assert len(smtp_server.to("ann@example.com")) == 2
