"""Mail leaves after its transaction commits, through a real SMTP server on loopback, or into instance/outbox."""
import email
import email.policy
import time

import pytest

from moderation.extensions import db
from moderation.mail import deliver, send_after_commit
from moderation.models import User
from moderation.worker.consumer import Background
from tests.conftest import PASSWORD, SmtpSink, build_app, mail_config, post_form

SPEC = {"to": "ann@example.com", "subject": "Hello", "text": "A line of text.\n", "headers": {}}


@pytest.fixture
def app(trained_instance, tmp_path, smtp_server):
    yield from build_app(*trained_instance, tmp_path, mail_config(smtp_server))


def test_a_mail_goes_through_smtp_with_sender_date_and_message_id(app, smtp_server):
    with app.app_context():
        deliver(SPEC)
    [message] = smtp_server.messages
    assert message.envelope_to == ["ann@example.com"] and message["Subject"] == "Hello"
    assert message["From"] == "Comments <comments@news.example>"
    assert message["Date"] and message["Message-ID"].endswith("@news.example>")
    assert message.get_content() == "A line of text.\n"


def test_smtp_login_uses_the_configured_account(app, smtp_server):
    app.config.update(MAIL_USERNAME=SmtpSink.USERNAME, MAIL_PASSWORD=SmtpSink.PASSWORD)
    with app.app_context():
        deliver(SPEC)
    assert smtp_server.logins == [(SmtpSink.USERNAME, SmtpSink.PASSWORD)] and len(smtp_server.messages) == 1


def test_a_mail_waits_for_the_commit_and_a_rollback_drops_it(app, smtp_server):
    with app.app_context():
        db.session.get(User, 1)  # a transaction is open
        send_after_commit(SPEC)
        assert smtp_server.messages == []
        db.session.rollback()
        db.session.commit()
        assert smtp_server.messages == []
        send_after_commit({**SPEC, "subject": "Second"})
        db.session.commit()
    assert [m["Subject"] for m in smtp_server.messages] == ["Second"]


def test_a_mail_server_that_is_down_is_logged_and_the_change_is_kept(app, smtp_server, make_user, caplog):
    app.config["MAIL_PORT"] = 1  # nothing listens there
    _, email_address = make_user()
    response = post_form(app.test_client(), "/account/reset", {"email": email_address})
    assert response.status_code == 302
    assert "sending mail 'Reset your password'" in caplog.text and smtp_server.messages == []


def test_header_injection_through_a_subject_is_refused(app):
    with app.app_context(), pytest.raises(ValueError):
        deliver({**SPEC, "subject": "Hi\nBcc: everyone@example.com"})


def test_without_a_mail_server_mails_go_to_the_outbox_and_the_log(trained_instance, tmp_path, caplog):
    outbox = tmp_path / "outbox"
    for app in build_app(*trained_instance, tmp_path, {"MAIL_OUTBOX": str(outbox)}):
        client = app.test_client()
        response = post_form(client, "/auth/register", {"email": "bo@example.com", "display_name": "Bo",
                                                        "password": PASSWORD, "confirm": PASSWORD})
        assert response.status_code == 302
        assert not outbox.exists()  # the request only queued it: the worker writes it
        with Background(workers=1):
            deadline = time.time() + 20
            while not list(outbox.glob("*.eml")) and time.time() < deadline:
                time.sleep(0.1)
    [path] = outbox.glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["To"] == "bo@example.com" and message["Subject"] == "Confirm your email address"
    assert "http://127.0.0.1:5000/account/verify/" in message.get_content()  # make run's address by default
    assert oct(path.stat().st_mode)[-3:] == "600"
    assert "Confirm your email address" in caplog.text and str(path) in caplog.text
