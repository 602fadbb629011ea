"""Every statement of reasons reaches its author by mail (DSA Art. 17), as a decisions notification: the machine's
rejections too, sent from the worker, with a one-click unsubscribe that is respected. Mails read from a real SMTP
server on loopback (aiosmtpd)."""
import time

import pytest
from sqlalchemy import select

from moderation.extensions import db
from moderation.legal.models import Statement
from moderation.models import Comment, User
from moderation.operations import REPORT_HIDE_WEIGHT, report_comment, review_comment
from tests.conftest import build_app, mail_config, post_form

ABUSIVE = "You are a fucking idiot and a stupid moron, shut up."
CIVIL = "The council should listen to the people who live on Mill Street."


@pytest.fixture
def app(trained_instance, tmp_path, smtp_server):
    yield from build_app(*trained_instance, tmp_path, mail_config(smtp_server))


def statement_uids(app, author_id):
    with app.app_context():
        return db.session.scalars(select(Statement.uid).where(Statement.author_id == author_id)
                                  .order_by(Statement.id)).all()


def wait_for(smtp_server, address, count, seconds=30):
    deadline = time.time() + seconds
    while len(smtp_server.to(address)) < count and time.time() < deadline:
        time.sleep(0.1)
    return smtp_server.to(address)


def test_a_machine_rejection_mails_its_statement_from_the_worker(app, smtp_server, make_story, reader, worker):
    app.config["MAIL_FROM_WORKER"] = True
    slug = make_story()
    author_id, email, client = reader()
    response = post_form(client, f"/stories/{slug}/comments", {"text": ABUSIVE})
    assert "rejected=" in response.headers["Location"]
    [uid] = statement_uids(app, author_id)
    [message] = wait_for(smtp_server, email, 1)
    assert message["Subject"] == f"Your comment was not published ({uid})"
    text = message.get_content()
    assert "our automatic checks did not publish your comment" in text
    assert f"Statement of reasons {uid}" in text and "Taken: automatically, without a person." in text
    assert "score" in text and "rejected from" in text and "Marked words:" in text and "idiot" in text
    assert f"http://news.example/legal/appeals/{uid}" in text and "out-of-court dispute settlement" in text
    unsubscribe = message["List-Unsubscribe"].strip("<>")
    assert unsubscribe in text and message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # The one-click unsubscribe (a mail client's POST, no session) stops the next statement's mail.
    response = app.test_client().post(unsubscribe.removeprefix("http://news.example"),
                                      data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    app.config["MAIL_FROM_WORKER"] = False  # composed (or not) in the request: nothing left to wait for
    post_form(client, f"/stories/{slug}/comments", {"text": ABUSIVE + " Again."})
    assert len(statement_uids(app, author_id)) == 2  # the statement is issued and shown on My comments
    assert len(smtp_server.to(email)) == 1
    assert "Statement of reasons" in client.get("/my/comments").get_data(as_text=True)


def test_no_statement_mail_to_an_unconfirmed_address_or_with_decisions_turned_off(app, smtp_server, make_story,
                                                                                   reader):
    slug = make_story()
    unconfirmed_id, unconfirmed, unconfirmed_client = reader(confirmed=False)
    post_form(unconfirmed_client, f"/stories/{slug}/comments", {"text": ABUSIVE})
    quiet_id, quiet, quiet_client = reader()
    assert post_form(quiet_client, "/account/notifications", {"replies": "y"}).status_code == 302
    post_form(quiet_client, f"/stories/{slug}/comments", {"text": ABUSIVE})
    assert len(statement_uids(app, unconfirmed_id)) == 1 and len(statement_uids(app, quiet_id)) == 1
    assert smtp_server.to(unconfirmed) == [] and smtp_server.to(quiet) == []


def test_a_hiding_and_a_later_rejection_each_mail_their_statement(app, smtp_server, make_user, make_comment, reader):
    author_id, email, _ = reader()
    comment_id = make_comment(CIVIL, author_id=author_id, status="published")
    moderator_id, _ = make_user("moderator")
    reporters = [make_user()[0] for _ in range(int(REPORT_HIDE_WEIGHT))]
    with app.app_context():
        for reporter_id in reporters:
            report_comment(db.session.get(Comment, comment_id), db.session.get(User, reporter_id), "abuse")
        db.session.commit()
    [hidden] = smtp_server.to(email)
    [uid] = statement_uids(app, author_id)
    assert hidden["Subject"] == f"Your comment is hidden ({uid})" and hidden["List-Unsubscribe"]
    assert "readers' reports hid your comment" in hidden.get_content() and "3 readers reported it" in hidden.get_content()
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        review_comment(comment_id, db.session.get(User, moderator_id), "reject", "abuse", "Insults a neighbour.",
                       revision=comment.revision)
        db.session.commit()
    first, second = statement_uids(app, author_id)
    [_, rejected] = smtp_server.to(email)
    assert rejected["Subject"] == f"Your comment was not published ({second})"
    assert "a moderator took your comment" in rejected.get_content() and "Insults a neighbour." in rejected.get_content()


def test_a_moderator_publishing_a_rejected_comment_mails_that_the_statement_no_longer_stands(
        app, smtp_server, make_user, make_comment, reader):
    author_id, email, _ = reader()
    comment_id = make_comment(ABUSIVE, author_id=author_id, status=None)  # the machine rejects it
    [uid] = statement_uids(app, author_id)
    assert len(wait_for(smtp_server, email, 1)) == 1
    moderator_id, _ = make_user("moderator")
    with app.app_context():
        revision = db.session.get(Comment, comment_id).revision
        review_comment(comment_id, db.session.get(User, moderator_id), "approve", revision=revision)
        db.session.commit()
    [_, reversed_] = wait_for(smtp_server, email, 2)
    assert reversed_["Subject"] == f"Your comment is published ({uid} reversed)" and reversed_["List-Unsubscribe"]
    text = reversed_.get_content()
    assert "a moderator looked again at your comment" in text and f"statement of reasons {uid}" in text
    assert f"#c{comment_id}" in text
