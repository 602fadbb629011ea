"""A reader comments under a story and sees the outcome at once."""
import re

from sqlalchemy import select

from moderation.extensions import db
from moderation.models import Comment, ModelVersion, Verdict
from tests.conftest import post_form

CIVIL = "I think the new cycle lanes will make the riverside much safer for children."
ABUSIVE = "You are a fucking idiot and a stupid moron, shut up."


def comments_in(app):
    with app.app_context():
        return db.session.scalars(select(Comment).order_by(Comment.id)).all()


def test_civil_comment_is_published_and_shown(client, login, make_story, app):
    slug = make_story()
    login()
    response = post_form(client, f"/stories/{slug}/comments", {"text": CIVIL}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Your comment is published." in page
    assert CIVIL in page
    [comment] = comments_in(app)
    assert comment.status == "published"
    with app.app_context():
        verdict = db.session.scalar(select(Verdict))
        assert verdict.model_version == "test-v1"
        assert set(verdict.scores) == {"not_english", "not_sentences", "abuse", "personal_attack"}


def test_the_published_notice_is_the_authors_and_posting_leaves_the_session_cookie_alone(client, login, make_story,
                                                                                       reader):
    slug = make_story()
    login()
    response = post_form(client, f"/stories/{slug}/comments", {"text": CIVIL})
    assert response.status_code == 302 and "Set-Cookie" not in response.headers  # nothing kept in the session
    location = response.headers["Location"]
    assert "Your comment is published." in client.get(location).get_data(as_text=True)
    assert "Your comment is published." not in client.get(f"/stories/{slug}").get_data(as_text=True)
    _, _, other = reader()
    page = other.get(location).get_data(as_text=True)  # someone else opening the same address
    assert CIVIL in page and "Your comment is published." not in page


def test_abusive_comment_is_rejected_naming_rule_and_words(client, login, make_story, app):
    slug = make_story()
    login()
    response = post_form(client, f"/stories/{slug}/comments", {"text": ABUSIVE})
    # Shown at a GET address after a redirect, so reloading the page never offers to send the form again.
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(f"/stories/{slug}?rejected=") and location.endswith("#rejection")
    page = client.get(location).get_data(as_text=True)
    assert "Your comment was not published" in client.get(location).get_data(as_text=True)  # a reload
    assert "Your comment was not published" in page
    assert "must not be abusive" in page or "must not be personal" in page
    marked = re.findall(r"<mark>([^<]*)</mark>", page)  # the words that broke the rule
    assert marked and all(word.lower() in ABUSIVE.lower() for word in marked)
    assert {"fucking", "idiot", "stupid", "moron"} & set(" ".join(marked).lower().split())
    assert f"{ABUSIVE}</textarea>" in page  # kept for editing
    [comment] = comments_in(app)
    assert comment.status == "rejected"
    assert ABUSIVE not in client.get(f"/stories/{slug}").get_data(as_text=True)


def test_empty_and_whitespace_comments_get_a_clear_error(client, login, make_story, app):
    slug = make_story()
    login()
    for text in ("", "   \n\t  "):
        response = post_form(client, f"/stories/{slug}/comments", {"text": text})
        assert response.status_code == 422
        assert "Write something before you send it." in response.get_data(as_text=True)
    assert comments_in(app) == []


def test_overlong_comment_is_refused_and_the_text_stays(client, login, make_story, app):
    slug = make_story()
    login()
    text = "This is a long and thoughtful comment. " * 130  # over 5,000 characters
    response = post_form(client, f"/stories/{slug}/comments", {"text": text})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "at most 5,000 characters" in page
    assert text.strip()[:200] in page
    assert comments_in(app) == []


def test_markup_is_shown_as_text_and_control_characters_stripped(client, login, make_story, app):
    slug = make_story()
    login()
    text = "I really liked this report.\x07 <script>alert('x')</script> <b>Thanks</b> for writing it."
    post_form(client, f"/stories/{slug}/comments", {"text": text})
    [comment] = comments_in(app)
    assert "\x07" not in comment.text
    page = client.get(f"/stories/{slug}").get_data(as_text=True) + client.get("/my/comments").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page


def test_post_without_csrf_token_is_refused(client, login, make_story, app):
    slug = make_story()
    login()
    response = client.post(f"/stories/{slug}/comments", data={"text": CIVIL})
    assert response.status_code == 400
    assert comments_in(app) == []


def test_anonymous_visitor_cannot_comment_but_can_read(client, make_story, app):
    slug = make_story()
    page = client.get(f"/stories/{slug}").get_data(as_text=True)
    assert "House rules" in page and "to comment" in page
    response = post_form(client, f"/stories/{slug}/comments", {"text": CIVIL})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert comments_in(app) == []


def test_closed_story_takes_no_comments(client, login, make_story, app):
    slug = make_story(comments_open=False)
    login()
    assert "Comments are closed on this story." in client.get(f"/stories/{slug}").get_data(as_text=True)
    response = post_form(client, f"/stories/{slug}/comments", {"text": CIVIL})
    assert response.status_code == 422
    assert comments_in(app) == []


def test_reply_appears_under_its_parent(client, login, make_story, app):
    slug = make_story()
    login()
    post_form(client, f"/stories/{slug}/comments", {"text": CIVIL})
    [parent] = comments_in(app)
    reply = "I agree with you, and the evidence from other cities supports that view."
    post_form(client, f"/stories/{slug}/comments", {"text": reply, "parent_id": str(parent.id)})
    page = client.get(f"/stories/{slug}").get_data(as_text=True)
    assert page.index(CIVIL) < page.index(reply)
    assert comments_in(app)[1].parent_id == parent.id


def test_comments_are_newest_first_and_paginated(client, login, make_story, app):
    app.config["COMMENTS_PER_PAGE"] = 2
    slug = make_story()
    login()
    texts = [
        "Thank you for this clear report on the council meeting.",
        "The parking levy seems fair to me, and the shops will adapt.",
        "I hope the council publishes the full budget for the new lanes.",
    ]
    for text in texts:
        post_form(client, f"/stories/{slug}/comments", {"text": text})
    first = client.get(f"/stories/{slug}").get_data(as_text=True)
    assert first.index(texts[2]) < first.index(texts[1]) and texts[0] not in first
    assert texts[0] in client.get(f"/stories/{slug}?page=2").get_data(as_text=True)


def test_my_comments_lists_each_status(client, login, make_story):
    slug = make_story()
    login()
    post_form(client, f"/stories/{slug}/comments", {"text": CIVIL})
    post_form(client, f"/stories/{slug}/comments", {"text": ABUSIVE})
    page = client.get("/my/comments").get_data(as_text=True)
    assert "Published" in page and "Rejected" in page
    assert "must not be" in page


def test_classifier_failure_sends_the_comment_to_review(client, login, make_story, app):
    """An active version whose artifact is missing must not publish or lose the comment."""
    with app.app_context():
        version = db.session.scalar(select(ModelVersion))
        db.session.add(ModelVersion(name="missing", sha256="0" * 64, thresholds=version.thresholds, card={}))
        db.session.flush()
        from moderation.operations import promote_version

        promote_version("missing")
        db.session.commit()
    slug = make_story()
    login()
    response = post_form(client, f"/stories/{slug}/comments", {"text": CIVIL}, follow_redirects=True)
    assert "waiting for a moderator" in response.get_data(as_text=True)
    [comment] = comments_in(app)
    assert comment.status == "review"
    with app.app_context():
        assert db.session.scalar(select(Verdict)).error


def test_the_author_is_told_only_the_rules_that_rejected_the_comment(client, login, make_story, app):
    """A rule that merely raised a doubt (below its reject threshold) is for moderators, not the author."""
    slug = make_story()
    login()
    text = "Ye sab bakwas hai, council ko kuch nahi pata hai yaar"
    post_form(client, f"/stories/{slug}/comments", {"text": text})
    with app.app_context():
        verdict = db.session.scalar(select(Verdict))
        assert verdict.decision == "reject" and verdict.rejecting_rules == ["not_english"]
        # As the rules could have judged it: the abuse model also doubted a Hindi word it does not know.
        verdict.scores = {**verdict.scores, "abuse": verdict.thresholds["abuse"]["review"]}
        verdict.broken_rules = ["not_english", "abuse"]
        verdict.rule_reasons = {**verdict.rule_reasons, "abuse": ["Abusive language: 'ko'"]}
        verdict.spans = [[text.index("ko"), text.index("ko") + 2]]
        db.session.commit()
        assert verdict.rejecting_rules == ["not_english"] and verdict.rejecting_spans == []
    page = client.get("/my/comments").get_data(as_text=True)
    assert "Comments must be in English." in page and "romanized Hindi" in page
    assert "must not be abusive" not in page and "<mark>" not in page
