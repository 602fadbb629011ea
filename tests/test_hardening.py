"""Hostile numbers, headers and cookies, expired forms, self-moderation and huge stories."""
import re

import pytest
from sqlalchemy import func, select

from moderation.extensions import db
from moderation.models import Comment, Review, Story, User, utcnow
from tests.conftest import post_form

CIVIL = "I think the new cycle lanes will make the riverside much safer for children."
HUGE = "9" * 20


def test_odd_numbers_are_a_clear_4xx_never_a_500(app, client, login, make_comment, make_story):
    """parent_id="²" passed isdigit() and failed int(); 20-digit ids overflowed SQLite and PostgreSQL integers."""
    slug = make_story()
    comment_id = make_comment(status="review")
    login("admin")
    for parent in ("²", "٣", HUGE, "-1", "0x10", " 7 "):
        response = post_form(client, f"/stories/{slug}/comments", {"text": CIVIL, "parent_id": parent})
        assert response.status_code == 422 and "no longer exists" in response.get_data(as_text=True), parent
    for url in (f"/review/item/{HUGE}", f"/stories/{slug}/comments/{HUGE}/report", f"/review/authors/{HUGE}",
                f"/admin/stories/{HUGE}/edit"):
        assert client.get(url).status_code in (404, 405), url
    assert post_form(client, f"/review/{HUGE}", {"action": "approve"}).status_code == 404
    assert post_form(client, f"/review/{comment_id}", {"action": "approve", "revision": HUGE}).status_code == 302
    assert post_form(client, f"/review/{comment_id}", {"action": "approve", "revision": "²"}).status_code == 302
    response = post_form(client, "/review/bulk", {"action": "approve", "ids": [HUGE, "²", str(comment_id)]})
    assert response.status_code == 200 and "1 comment" in response.get_data(as_text=True)
    response = post_form(client, "/review/bulk", {"action": "approve", "confirmed": "1",
                                                  "targets": f"{HUGE}:0,{comment_id}:{HUGE},²:0"})
    assert response.status_code == 302
    for url in (f"/stories/{slug}?page={HUGE}", f"/review/?page={HUGE}", f"/review/audit?page={HUGE}",
                f"/my/comments?page={HUGE}", f"/review/stats?days={HUGE}", f"/review/audit?target=comment:{HUGE}"):
        assert client.get(url).status_code == 200, url
    with app.app_context():
        assert db.session.get(Comment, comment_id).status == "review"


def test_security_headers_on_every_page(client, make_story):
    slug = make_story()
    response = client.get(f"/stories/{slug}")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP: HSTS would be ignored
    css = client.get("/static/style.css")
    assert css.headers["X-Content-Type-Options"] == "nosniff" and "Content-Security-Policy" not in css.headers


def test_no_template_carries_inline_script_or_style():
    """The CSP forbids inline script and style, so no page may rely on them."""
    from pathlib import Path
    for path in (Path(__file__).resolve().parents[1] / "templates").rglob("*.html"):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert not re.search(r"\son[a-z]+=|\sstyle=|<style", text), path


def test_https_behind_a_proxy_gets_hsts_and_secure_cookies(trained_instance, tmp_path, make_user):
    from tests.conftest import PASSWORD, build_app
    for app in build_app(*trained_instance, tmp_path, {"PROXY_COUNT": 1}):
        with app.app_context():
            from moderation.operations import create_user
            create_user("reader@example.com", PASSWORD)
            db.session.commit()
        client = app.test_client()
        https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9",
                 "Referer": "https://localhost/auth/login"}  # Flask-WTF checks the referrer over HTTPS
        page = client.get("/auth/login", headers=https).get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post("/auth/login", headers=https, data={
            "csrf_token": token, "email": "reader@example.com", "password": PASSWORD, "remember": "y"})
        assert response.status_code == 302
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
        cookies = response.headers.getlist("Set-Cookie")
        assert len(cookies) == 2 and all("Secure" in cookie for cookie in cookies)
        plain = app.test_client().get("/auth/login")
        assert all("Secure" not in cookie for cookie in plain.headers.getlist("Set-Cookie"))


def test_an_expired_form_keeps_the_typed_comment(app, client, login, make_story):
    """The CSRF expiry page lost an hour's typing."""
    slug = make_story()
    login()
    text = "A long and careful comment typed over an hour about the cycle lanes on the river."
    response = client.post(f"/stories/{slug}/comments", data={"text": text, "csrf_token": "expired"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "form had expired" in page
    assert f"{text}</textarea>" in page and 'name="csrf_token"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 0


def test_a_moderator_cannot_decide_their_own_comment(app, client, login, make_comment):
    moderator_id, _ = login("moderator")
    rejected = make_comment("You are a fucking idiot and a stupid moron, shut up.", status=None,
                            author_id=moderator_id)
    waiting = make_comment(author_id=moderator_id)
    for comment_id, revision in ((waiting, ""), (rejected, "0")):
        page = post_form(client, f"/review/{comment_id}", {"action": "approve", "revision": revision},
                         follow_redirects=True).get_data(as_text=True)
        assert "cannot decide your own comment" in page
    with app.app_context():
        assert db.session.get(Comment, rejected).status == "rejected"
        assert db.session.get(Comment, waiting).status == "review"
        assert db.session.scalar(select(func.count(Review.id))) == 0


@pytest.fixture
def huge_story(app, make_user, make_story):
    """A story with 30 threads and a chain of 3,000 replies, each answering the one before (the SIGSEGV case)."""
    author_id, _ = make_user()
    slug = make_story()
    with app.app_context():
        story_id = db.session.scalar(select(Story.id).where(Story.slug == slug))
        rows = [{"story_id": story_id, "author_id": author_id, "text": f"Thread {n}.", "status": "published",
                 "created_at": utcnow()} for n in range(30)]
        db.session.execute(Comment.__table__.insert(), rows)
        parent = db.session.scalar(select(func.max(Comment.id)))
        for n in range(3000):
            parent = db.session.execute(Comment.__table__.insert().values(
                story_id=story_id, author_id=author_id, parent_id=parent, text=f"Reply {n}.", status="published",
                created_at=utcnow())).inserted_primary_key[0]
        db.session.commit()
    return slug


def test_a_story_with_thousands_of_replies_reads_one_bounded_page(app, client, huge_story):
    from moderation.thread.reading import MAX_REPLIES
    statements = []
    with app.app_context():
        engine = db.engine
    from sqlalchemy import event
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(f"/stories/{huge_story}")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Thread 29." in page and "Reply 0." in page
    assert page.count('class="comment"') <= 20 + MAX_REPLIES
    assert page.count('<div class="replies">') <= 20 + MAX_REPLIES
    assert max(len(re.findall(r"<div class=\"replies\">", line)) for line in page.splitlines()) <= 1
    assert len(statements) <= 8, statements  # user, story, threads and their count, replies, authors, total
    assert client.get(f"/stories/{huge_story}?page=2").status_code == 200


def test_a_nul_character_anywhere_is_a_clear_400(app, client, login, make_story):
    """PostgreSQL refuses NUL in text: a moderator's filter containing one was a 500 there (found by the fuzz test)."""
    slug = make_story()
    login("admin")
    assert client.get("/review/?story=%00").status_code == 400
    assert client.get("/review/audit?actor=a%00b").status_code == 400
    assert client.get(f"/stories/{slug}%00").status_code == 400
    response = post_form(client, f"/stories/{slug}/comments", {"text": "A comment with a NUL \x00 in it."})
    assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 0
