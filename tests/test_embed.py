"""The embed without a browser: framing only by the site's origins, stories made on first use, posting and
reporting with the reader's token in a header (never a cookie, so no cross-site request can post)."""
import re
import time

import jwt
from sqlalchemy import select

from moderation.extensions import db
from moderation.models import Comment, Story, User
from tests.conftest import PASSWORD, post_form

ORIGIN = "https://herald.example"
FRAME = ("/embed/frame?site=herald&story_id=2026-cycle-lanes&story_url=https://herald.example/news/cycle-lanes"
         "&title=Council+approves+new+cycle+lanes&origin=https://herald.example")
CIVIL = "I think the new cycle lanes will make the riverside much safer for children."
ABUSIVE = "You are a fucking idiot and a stupid moron, shut up."


def sso(client, secret, name="Alice Riverside", sub="cms-user-1"):
    claims = {"sub": sub, "name": name, "email": f"{sub}@herald.example", "exp": int(time.time()) + 300}
    answer = client.post("/embed/sso", json={"site": "herald", "token": jwt.encode(claims, secret, "HS256")})
    assert answer.status_code == 200, answer.get_json()
    return {"Authorization": "Bearer " + answer.get_json()["token"]}


def story_id(app):
    with app.app_context():
        return db.session.scalar(select(Story.id).where(Story.external_id == "2026-cycle-lanes"))


def test_the_frame_may_be_framed_only_by_the_sites_origins(client, make_site, app):
    make_site("herald", [ORIGIN, "https://www.herald.example"])
    page = client.get(FRAME)
    assert page.status_code == 200
    csp = page.headers["Content-Security-Policy"]
    assert "frame-ancestors https://herald.example https://www.herald.example" in csp
    assert "X-Frame-Options" not in page.headers and "Set-Cookie" not in page.headers
    assert "House rules" in page.get_data(as_text=True)
    with app.app_context():
        story = db.session.get(Story, story_id(app))
        assert (story.title, story.url, story.site.slug) == ("Council approves new cycle lanes",
                                                              "https://herald.example/news/cycle-lanes", "herald")
    renamed = client.get(FRAME.replace("title=Council+approves+new+cycle+lanes", "title=Cycle+lanes+approved"))
    assert renamed.status_code == 200
    with app.app_context():
        assert db.session.get(Story, story_id(app)).title == "Cycle lanes approved"
        assert len(db.session.scalars(select(Story).where(Story.external_id == "2026-cycle-lanes")).all()) == 1
    assert client.get(FRAME.replace("origin=https://herald.example", "origin=https://evil.example")).status_code == 403
    assert client.get(FRAME.replace("story_url=https://herald.example", "story_url=https://evil.example")
                      ).status_code == 400
    assert client.get(FRAME.replace("site=herald", "site=nobody")).status_code == 404
    # The service's own pages still refuse every frame.
    assert "frame-ancestors 'none'" in client.get("/").headers["Content-Security-Policy"]


def test_a_signed_in_reader_posts_is_rejected_with_marked_words_and_sees_waiting_comments(client, make_site, app):
    secret = make_site("herald")
    client.get(FRAME)
    url = f"/embed/stories/{story_id(app)}/comments"
    assert client.post(url, data={"text": CIVIL}).status_code == 401
    reader = sso(client, secret)
    published = client.post(url, data={"text": CIVIL}, headers=reader)
    assert published.status_code == 200 and "Your comment is published." in published.get_data(as_text=True)
    assert CIVIL in published.get_data(as_text=True) and "Signed in as <strong>Alice Riverside" in \
        published.get_data(as_text=True)
    rejected = client.post(url, data={"text": ABUSIVE}, headers=reader)
    page = rejected.get_data(as_text=True)
    assert rejected.status_code == 422 and "Your comment was not published" in page and "<mark>" in page
    assert ABUSIVE.replace("'", "&#39;") in page  # kept in the form to edit
    with app.app_context():
        comment = db.session.scalar(select(Comment).where(Comment.text == CIVIL))
        comment_id = comment.id
        waiting = Comment(story_id=comment.story_id, author_id=comment.author_id, status="review",
                          text="A comment that a moderator still has to read.")
        db.session.add(waiting)
        db.session.commit()
    stream = client.get(f"/embed/stories/{story_id(app)}/stream", headers=reader).get_data(as_text=True)
    assert "Waiting for a moderator · only you can see it" in stream and "still has to read" in stream
    assert "still has to read" not in client.get(f"/embed/stories/{story_id(app)}/stream").get_data(as_text=True)
    reply = client.post(url, data={"text": "I agree, and the crossing by the school needs the same care.",
                                   "parent_id": str(comment_id)}, headers=sso(client, secret, "Bob M", "cms-2"))
    assert reply.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Comment.parent_id).where(Comment.text.like("I agree%"))) == comment_id


def test_reports_from_the_embed(client, make_site, app):
    secret = make_site("herald")
    client.get(FRAME)
    url = f"/embed/stories/{story_id(app)}/comments"
    client.post(url, data={"text": CIVIL}, headers=sso(client, secret))
    with app.app_context():
        comment_id = db.session.scalar(select(Comment.id).where(Comment.text == CIVIL))
    bob = sso(client, secret, "Bob Millstream", "cms-user-2")
    answer = client.post(f"{url}/{comment_id}/report", data={"reason": "spam"}, headers=bob)
    assert answer.status_code == 200 and "a moderator will look" in answer.get_data(as_text=True)
    assert client.post(f"{url}/{comment_id}/report", data={"reason": "spam"}).status_code == 401


def test_a_session_cookie_never_posts_in_the_embed(client, make_site, make_user, app):
    """A reader logged in on the service's own pages has a cookie; a forged cross-site form rides on it, so the
    embed ignores cookies altogether and needs its header token."""
    make_site("herald")
    client.get(FRAME)
    _, email = make_user()
    assert post_form(client, "/auth/login", {"email": email, "password": PASSWORD}).status_code == 302
    assert client.post(f"/embed/stories/{story_id(app)}/comments", data={"text": CIVIL}).status_code == 401


def test_own_accounts_log_in_in_the_embed_when_the_site_allows(client, make_site, make_user, app):
    make_site("herald")
    make_site("strict", ["https://strict.example"], local_accounts=False)
    _, email = make_user()
    wrong = client.post("/embed/login", data={"site": "herald", "email": email, "password": "nope"})
    assert wrong.status_code == 401
    ok = client.post("/embed/login", data={"site": "herald", "email": email, "password": PASSWORD})
    assert ok.status_code == 200 and ok.get_json()["token"]
    refused = client.post("/embed/login", data={"site": "strict", "email": email, "password": PASSWORD})
    assert refused.status_code == 403


def test_a_bad_sso_token_is_a_clear_401(client, make_site):
    make_site("herald")
    answer = client.post("/embed/sso", json={"site": "herald", "token": "abc"})
    assert answer.status_code == 401 and "not a JWT" in answer.get_json()["error"]


def test_embed_js_is_served_for_any_page(client):
    script = client.get("/embed.js")
    assert script.status_code == 200 and script.mimetype == "text/javascript"
    assert re.search(r"/embed/frame\?", script.get_data(as_text=True))


def test_the_framed_stream_is_the_story_pages_thread(client, make_site, app):
    """Sorts, permalinks, read more, edit, delete, feature and report in the frame, from the thread partials."""
    secret = make_site("herald")
    client.get(FRAME)
    sid = story_id(app)
    url = f"/embed/stories/{sid}/comments"
    alice, bob = sso(client, secret), sso(client, secret, "Bob Millstream", "cms-user-2")
    moderator = sso(client, secret, "Mia Desk", "cms-mod")
    with app.app_context():  # an admin made this site reader a moderator
        db.session.scalar(select(User).where(User.external_id == "cms-mod")).role = "moderator"
        db.session.commit()
    long_text = "The council has not said how the new lanes will be paid for, or who will maintain them. " * 10
    for text, reader in ((CIVIL, alice), (long_text, bob)):
        assert client.post(url, data={"text": text}, headers=reader).status_code == 200
    with app.app_context():
        civil_id = db.session.scalar(select(Comment.id).where(Comment.text == CIVIL))
    page = client.get(f"/embed/stories/{sid}/stream", headers=alice).get_data(as_text=True)
    assert 'aria-label="Sort comments"' in page and f"/embed/stories/{sid}/stream?sort=oldest" in page
    assert f'href="/embed/stories/{sid}/comments/{civil_id}" data-load' in page  # the permalink, in the frame
    assert "read-more" in page and f"{url}/{civil_id}/edit" in page and f"{url}/{civil_id}/delete" in page
    assert "csrf_token" not in page and "Feature" not in page
    assert client.get(f"{url}/{civil_id}", headers=bob).status_code == 200

    # Edit in the frame: the form with the text, then judged again; Bob may neither edit nor delete it.
    form = client.get(f"{url}/{civil_id}/edit", headers=alice).get_data(as_text=True)
    assert "Edit your comment" in form and CIVIL in form
    assert client.post(f"{url}/{civil_id}/edit", data={"text": "x"}, headers=bob).status_code == 403
    assert client.post(f"{url}/{civil_id}/edit", data={"text": CIVIL + " Truly."}).status_code == 401
    edited = client.post(f"{url}/{civil_id}/edit", data={"text": CIVIL + " Truly."}, headers=alice)
    assert edited.status_code == 200 and "Your edit is published." in edited.get_data(as_text=True)

    # Feature: only a moderator sees and uses it; featured comes first.
    assert "Feature" in client.get(f"/embed/stories/{sid}/stream", headers=moderator).get_data(as_text=True)
    assert client.post(f"{url}/{civil_id}/feature", data={"featured": "1"}, headers=bob).status_code == 403
    featured = client.post(f"{url}/{civil_id}/feature", data={"featured": "1"}, headers=moderator)
    body = featured.get_data(as_text=True)
    assert featured.status_code == 200 and "badge featured" in body
    assert body.index(CIVIL) < body.index("The council has not said")  # though older, it is shown first

    # Delete: gone from the stream.
    assert client.post(f"{url}/{civil_id}/delete", headers=bob).status_code == 403
    deleted = client.post(f"{url}/{civil_id}/delete", headers=alice)
    assert deleted.status_code == 200 and "Your comment is deleted." in deleted.get_data(as_text=True)
    assert CIVIL not in deleted.get_data(as_text=True)


def test_readers_register_inside_the_frame_where_the_site_has_no_sso(client, make_site, make_user, app):
    """No cookie and no new window: the registration answers with the embed's token, which posts at once."""
    make_site("herald", sso=False)
    make_site("strict", ["https://strict.example"], local_accounts=False)
    frame = client.get(FRAME).get_data(as_text=True)
    assert '<form method="post" data-register' in frame and "Display name" in frame  # HTML, not escaped text
    assert "&lt;form" not in frame
    new = {"site": "herald", "email": "nia@example.com", "display_name": "Nia Brook", "password": PASSWORD,
           "confirm": PASSWORD}
    answer = client.post("/embed/register", data=new)
    assert answer.status_code == 200 and answer.get_json()["name"] == "Nia Brook", answer.get_json()
    assert "Set-Cookie" not in answer.headers
    reader = {"Authorization": "Bearer " + answer.get_json()["token"]}
    posted = client.post(f"/embed/stories/{story_id(app)}/comments", data={"text": CIVIL}, headers=reader)
    assert posted.status_code == 200 and "Signed in as <strong>Nia Brook" in posted.get_data(as_text=True)
    again = client.post("/embed/register", data={**new, "email": "nia2@example.com", "display_name": "NIA BROOK"})
    assert again.status_code == 422 and "taken" in again.get_json()["error"]
    mismatch = client.post("/embed/register", data={**new, "email": "x@example.com", "confirm": "other"})
    assert mismatch.status_code == 422 and "do not match" in mismatch.get_json()["error"]
    assert client.post("/embed/register", data={**new, "site": "strict"}).status_code == 403
