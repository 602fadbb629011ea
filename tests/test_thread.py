"""The thread as readers expect it, and the everyday defects of issue 21 that a client can show."""
import re
from datetime import timedelta

from sqlalchemy import select

from moderation.extensions import db
from moderation.models import AuditEvent, Comment, User, utcnow
from tests.conftest import PASSWORD, post_form

CIVIL = "I think the new cycle lanes will make the riverside much safer for children."
ABUSIVE = "You are a fucking idiot and a stupid moron, shut up."


def client_for(app, make_user, role="reader"):
    client = app.test_client()
    user_id, email = make_user(role)
    post_form(client, "/auth/login", {"email": email, "password": PASSWORD})
    return client, user_id


def name_of(app, user_id):
    with app.app_context():
        return db.session.get(User, user_id).display_name


def comment(app, comment_id):
    with app.app_context():
        row = db.session.get(Comment, comment_id)
        db.session.expunge(row)
        return row


def test_a_rejected_reply_comes_back_as_a_reply_to_its_parent(app, make_user, make_comment, make_story):
    slug = make_story()
    parent_author = make_user()[0]
    parent = make_comment("The bridge reopens on Monday after the repairs.", status="published", slug=slug,
                          author_id=parent_author)
    client, _ = client_for(app, make_user)
    response = post_form(client, f"/stories/{slug}/comments", {"text": ABUSIVE, "parent_id": str(parent)})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your reply was not published" in page
    assert f"Your reply to {name_of(app, parent_author)}" in page  # the box says what it is
    assert f'name="parent_id" type="hidden" value="{parent}"' in page  # and sends it as a reply again
    assert "Post reply" in page
    resent = "Sorry, I was rude. I still think the repairs took far too long."
    post_form(client, f"/stories/{slug}/comments", {"text": resent, "parent_id": str(parent)})
    with app.app_context():
        assert db.session.scalar(select(Comment.parent_id).where(Comment.text == resent)) == parent


def test_my_comments_says_hidden_when_readers_reports_hid_it(app, make_user, make_story):
    slug = make_story()
    author, _ = client_for(app, make_user)
    post_form(author, f"/stories/{slug}/comments", {"text": CIVIL})
    with app.app_context():
        row = db.session.scalar(select(Comment))
        row.hidden = True
        db.session.commit()
    page = author.get("/my/comments").get_data(as_text=True)
    assert "Hidden while a moderator checks readers' reports" in page
    assert ">Published<" not in page


def test_a_page_past_the_end_goes_to_the_last_page(client, login, make_comment, make_story):
    slug = make_story()
    for n in range(3):
        make_comment(f"The council should listen to Mill Street, point {n}.", slug=slug)
    login("moderator")
    response = client.get("/review/?page=99")
    assert response.status_code == 302 and "page=1" in response.headers["Location"]
    assert "Mill Street, point 2" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert "page=1" in client.get(f"/stories/{slug}?page=99&sort=oldest").headers["Location"]


def test_banning_rejects_waiting_comments_for_the_rule_chosen_in_plain_words(app, make_user, make_comment):
    author_client, author_id = client_for(app, make_user)
    ids = [make_comment(f"Some waiting comment about the budget, number {n}.", author_id=author_id) for n in range(2)]
    moderator, _ = client_for(app, make_user, "moderator")
    page = post_form(moderator, f"/review/authors/{author_id}/standing",
                     {"standing": "banned", "reject_waiting": "1", "reject_reason": "abuse"},
                     follow_redirects=True).get_data(as_text=True)
    name = name_of(app, author_id)
    assert f"{name} is banned from commenting. 2 waiting comments rejected." in page and "done." not in page
    mine = author_client.get("/my/comments").get_data(as_text=True)
    assert mine.count("A moderator rejected it: Comments must not be abusive") == 2 and ": Other" not in mine
    item = moderator.get(f"/review/item/{ids[0]}").get_data(as_text=True)
    assert " rejected it (Abuse)" in item and "rejectd" not in item


def test_suspended_readers_are_told_before_writing(app, make_user, make_story):
    slug = make_story()
    client, user_id = client_for(app, make_user)
    with app.app_context():
        user = db.session.get(User, user_id)
        user.standing, user.suspended_until = "suspended", utcnow() + timedelta(days=3)
        db.session.commit()
    page = client.get(f"/stories/{slug}").get_data(as_text=True)
    assert "suspended from commenting until" in page and 'id="comment-form"' not in page


def test_the_comment_box_does_not_cut_a_long_paste(app, make_user, make_story, make_comment):
    slug = make_story()
    make_comment(CIVIL, status="published", slug=slug)
    client, _ = client_for(app, make_user)
    page = client.get(f"/stories/{slug}").get_data(as_text=True)
    boxes = re.findall(r"<textarea[^>]*>", page)
    assert len(boxes) == 2 and not any("maxlength" in box for box in boxes)  # the browser would cut a paste
    assert all('data-max-chars="5000"' in box for box in boxes)  # comments.js counts instead


def test_display_names_are_unique_whatever_the_case(client, app):
    def register(browser, email, name):
        return post_form(browser, "/auth/register", {"email": email, "display_name": name, "password": PASSWORD,
                                                    "confirm": PASSWORD}).get_data(as_text=True)
    register(client, "alice1@example.com", "Alice")
    page = register(app.test_client(), "alice2@example.com", " alice ")  # someone else, on another browser
    assert "That display name is taken" in page
    with app.app_context():
        assert db.session.scalars(select(User.display_name)).all() == ["Alice"]


def test_model_card_threshold_inputs_accept_the_stored_values(client, login):
    login("admin")
    page = client.get("/admin/models/test-v1").get_data(as_text=True)
    inputs = re.findall(r'<input type="number" name="[a-z_]+-(?:review|reject)" value="([^"]+)"\s+min="0" max="1" step="([^"]+)"', page)
    assert len(inputs) == 8
    assert any(len(value.split(".")[-1]) > 2 for value, _ in inputs)  # stored with more decimals than 0.01
    assert all(step == "any" for _, step in inputs)  # so Chromium lets the form be sent


def test_sort_orders_featured_first_and_a_link_to_each_comment(app, make_user, make_comment, make_story):
    slug = make_story()
    old = make_comment("The oldest comment on the cycle lanes plan.", status="published", slug=slug)
    busy = make_comment("A comment that many readers answered.", status="published", slug=slug)
    new = make_comment("The newest comment on the cycle lanes plan.", status="published", slug=slug)
    for n in range(2):
        make_comment(f"A reply that agrees with the busy comment, {n}.", status="published", parent_id=busy)
    reader = app.test_client()

    def order(url):
        page = reader.get(url).get_data(as_text=True)
        return [int(i) for i in re.findall(r'<article class="comment[^"]*"\s+id="c(\d+)"', page) if int(i) in (old, busy, new)]
    assert order(f"/stories/{slug}") == [new, busy, old]
    assert order(f"/stories/{slug}?sort=oldest") == [old, busy, new]
    assert order(f"/stories/{slug}?sort=replies") == [busy, new, old]
    page = reader.get(f"/stories/{slug}/comments/{old}").get_data(as_text=True)
    assert "The oldest comment" in page and "The newest comment" not in page
    assert f'href="/stories/{slug}/comments/{new}"' in reader.get(f"/stories/{slug}").get_data(as_text=True)

    moderator, _ = client_for(app, make_user, "moderator")
    post_form(moderator, f"/review/{old}/feature", {"featured": "1"})
    assert order(f"/stories/{slug}") == [old, new, busy]
    assert order(f"/stories/{slug}?sort=replies") == [old, busy, new]
    assert "Featured" in reader.get(f"/stories/{slug}").get_data(as_text=True)
    assert post_form(moderator, f"/review/{new + 1}/feature", {"featured": "1"}, follow_redirects=True) \
        .get_data(as_text=True).count("Only a published top-level comment can be featured") == 1


def test_a_deep_branch_continues_on_its_own_page(app, make_comment, make_story):
    slug = make_story()
    parent = make_comment("Level 0 of a long argument about buses.", status="published", slug=slug)
    chain = [parent]
    for depth in range(1, 8):
        chain.append(make_comment(f"Level {depth} of a long argument about buses.", status="published",
                                  parent_id=chain[-1]))
    reader = app.test_client()
    page = reader.get(f"/stories/{slug}").get_data(as_text=True)
    assert "Level 4 of" in page and "Level 5 of" not in page
    assert f'href="/stories/{slug}/comments/{chain[4]}">Continue this thread' in page
    deeper = reader.get(f"/stories/{slug}/comments/{chain[4]}").get_data(as_text=True)
    assert "Level 5 of" in deeper and "Level 7 of" in deeper and "Level 3 of" not in deeper


def test_long_comments_collapse_behind_read_more(app, make_comment, make_story):
    slug = make_story()
    long_text = "The council has not explained how the new lanes will be paid for. " * 15
    make_comment(long_text, status="published", slug=slug)
    make_comment(CIVIL, status="published", slug=slug)
    page = app.test_client().get(f"/stories/{slug}").get_data(as_text=True)
    assert page.count('class="link read-more"') == 1 and page.count('class="text long"') == 1


def test_edit_within_ten_minutes_is_judged_again_and_moderators_see_the_earlier_text(app, make_user, make_story):
    slug = make_story()
    author, author_id = client_for(app, make_user)
    post_form(author, f"/stories/{slug}/comments", {"text": CIVIL})
    with app.app_context():
        comment_id = db.session.scalar(select(Comment.id))
    page = author.get(f"/stories/{slug}").get_data(as_text=True)
    assert f'href="/stories/{slug}/comments/{comment_id}/edit"' in page
    response = post_form(author, f"/stories/{slug}/comments/{comment_id}/edit", {"text": ABUSIVE})
    assert response.status_code == 302 and "rejected=" in response.headers["Location"]
    edited = comment(app, comment_id)
    assert edited.status == "rejected" and edited.text == ABUSIVE and edited.edited_at is not None
    with app.app_context():
        assert len(db.session.get(Comment, comment_id).verdicts) == 2
    moderator, _ = client_for(app, make_user, "moderator")
    item = moderator.get(f"/review/item/{comment_id}").get_data(as_text=True)
    assert "before, it said" in item and CIVIL in item

    post_form(author, f"/stories/{slug}/comments", {"text": "A second comment about the riverside lanes, kindly put."})
    with app.app_context():
        second = db.session.scalar(select(Comment).where(Comment.id != comment_id))
        second.created_at = utcnow() - timedelta(minutes=11)
        db.session.commit()
        second_id = second.id
    late = post_form(author, f"/stories/{slug}/comments/{second_id}/edit", {"text": "Changed much later than allowed."})
    assert late.status_code == 409 and "edited for 10 minutes" in late.get_data(as_text=True)
    assert comment(app, second_id).text.startswith("A second comment")
    stranger, _ = client_for(app, make_user)
    assert stranger.get(f"/stories/{slug}/comments/{second_id}/edit").status_code == 403


def test_a_rejected_edit_leaves_the_published_text_up(app, make_user, make_story):
    """The machine rejects an edit: readers still see the published text, the author sees the rejection of the edit
    with the marked words, and a moderator sees both texts."""
    slug = make_story()
    author, _ = client_for(app, make_user)
    post_form(author, f"/stories/{slug}/comments", {"text": CIVIL})
    with app.app_context():
        comment_id = db.session.scalar(select(Comment.id))
    response = post_form(author, f"/stories/{slug}/comments/{comment_id}/edit", {"text": ABUSIVE})
    rejection = author.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your edit was not published" in rejection and "<mark>" in rejection
    assert "still see your comment as it was" in rejection
    reader = app.test_client()
    page = reader.get(f"/stories/{slug}").get_data(as_text=True)
    assert CIVIL in page and "fucking" not in page and "1 comment" in page
    assert CIVIL in reader.get(f"/stories/{slug}/comments/{comment_id}").get_data(as_text=True)
    own = author.get(f"/stories/{slug}").get_data(as_text=True)
    assert CIVIL in own and "Your edit was not published; readers still see this text." in own
    moderator, _ = client_for(app, make_user, "moderator")
    item = moderator.get(f"/review/item/{comment_id}").get_data(as_text=True)
    assert "Readers still see the text before this edit" in item and CIVIL in item and "fucking" in item
    # A moderator's decision is on the comment as a whole: a rejection takes the earlier text down too.
    with app.app_context():
        row = db.session.get(Comment, comment_id)
        row.status = "review"
        db.session.commit()
        revision = row.revision
    decided = post_form(moderator, f"/review/{comment_id}",
                        {"action": "reject", "reason": "abuse", "revision": str(revision), "next": "/review/"})
    assert decided.status_code == 302
    assert CIVIL not in reader.get(f"/stories/{slug}").get_data(as_text=True)


def test_delete_leaves_a_marker_only_where_replies_hang(app, make_user, make_comment, make_story):
    slug = make_story()
    author, author_id = client_for(app, make_user)
    lonely = make_comment("A comment nobody answered about the market.", status="published", slug=slug,
                          author_id=author_id)
    answered = make_comment("A comment that got an answer about the market.", status="published", slug=slug,
                            author_id=author_id)
    make_comment("I agree with you about the market stalls.", status="published", parent_id=answered)
    for comment_id in (lonely, answered):
        post_form(author, f"/stories/{slug}/comments/{comment_id}/delete", {})
    page = app.test_client().get(f"/stories/{slug}").get_data(as_text=True)
    assert "nobody answered" not in page and "got an answer" not in page
    assert page.count("deleted by its author") == 1 and "I agree with you about the market stalls." in page
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "delete", AuditEvent.target_id == lonely))
    waiting = make_comment("A waiting comment its author thinks better of.", slug=slug, author_id=author_id)
    moderator, _ = client_for(app, make_user, "moderator")
    stranger, _ = client_for(app, make_user)
    post_form(stranger, f"/stories/{slug}/comments/{waiting}/delete", {})  # refused: not theirs
    assert moderator.get("/review/counts").get_json()["review"] == 1
    post_form(author, f"/stories/{slug}/comments/{waiting}/delete", {})
    assert moderator.get("/review/counts").get_json()["review"] == 0  # it leaves the queue


def test_own_waiting_comments_show_in_place_to_their_author_only(app, make_user, make_comment, make_story):
    slug = make_story()
    author, author_id = client_for(app, make_user)
    make_comment("A comment still waiting for a moderator to read.", status="review", slug=slug, author_id=author_id)
    mine = author.get(f"/stories/{slug}").get_data(as_text=True)
    assert "still waiting for a moderator" in mine and "only you can see it" in mine
    assert "still waiting for a moderator" not in app.test_client().get(f"/stories/{slug}").get_data(as_text=True)
    other, _ = client_for(app, make_user)
    assert "still waiting for a moderator" not in other.get(f"/stories/{slug}").get_data(as_text=True)


def test_holds_are_let_go_and_counts_are_served(app, make_user, make_comment):
    comment_id = make_comment(CIVIL)
    first, _ = client_for(app, make_user, "moderator")
    second, _ = client_for(app, make_user, "moderator")
    assert post_form(first, f"/review/{comment_id}/hold", {}).get_json()["mine"] is True
    assert post_form(second, f"/review/{comment_id}/release", {}).get_json()["released"] is False  # not theirs
    assert post_form(first, f"/review/{comment_id}/release", {}).get_json()["released"] is True
    assert post_form(second, f"/review/{comment_id}/hold", {}).get_json()["mine"] is True
    assert first.get("/review/counts").get_json() == {"review": 1, "reported": 0, "audit": 0}
