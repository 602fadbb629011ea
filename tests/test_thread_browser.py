"""In real Chromium at 390 and 1280 pixels wide: the thread, the rejection, My comments; axe-core finds nothing serious."""
from playwright.sync_api import expect
from sqlalchemy import select

from moderation.extensions import db
from moderation.models import Comment
from tests.browser_helpers import axe_problems, log_in, screenshot

ABUSIVE = "You are a fucking idiot and a stupid moron, shut up."
LONG = "The council has not said how the new lanes will be paid for, or who will maintain them. " * 12


def test_reader_on_a_phone_and_a_desktop(app, live_server, browser, make_user, make_story, make_comment, tmp_path):
    slug = make_story("Council approves new cycle lanes")
    chain = [make_comment("Level 0: the lanes are a good start for the town.", status="published", slug=slug)]
    for depth in range(1, 6):
        chain.append(make_comment(f"Level {depth}: I see it differently, and here is why in a few words.",
                                  status="published", parent_id=chain[-1]))
    make_comment(LONG, status="published", slug=slug)
    _, email = make_user()
    problems = []
    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    log_in(phone, live_server, email, f"/stories/{slug}")
    problems += axe_problems(phone)
    screenshot(phone, "thread-phone.png", tmp_path)

    # A deep thread keeps a readable measure on a phone, and continues on its own page past four levels.
    deepest = phone.locator(f"#c{chain[4]} > .text")
    assert deepest.bounding_box()["width"] >= 250
    expect(phone.get_by_role("link", name="Continue this thread")).to_be_visible()

    # Long comments are collapsed; "Read more" opens them from the keyboard.
    read_more = phone.get_by_role("button", name="Read more")
    read_more.focus()
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("button", name="Show less")).to_have_attribute("aria-expanded", "true")

    # A paste longer than 5,000 characters is kept whole and the counter says by how much it is over.
    box = phone.get_by_label("Your comment")
    box.focus()
    phone.keyboard.insert_text("A long paste about the lanes. " * 180)
    assert len(box.input_value()) == 5400
    expect(phone.locator("#text-count")).to_contain_text("400 over the limit")
    box.fill("")

    # A rejected reply, sent from the keyboard alone: the notice is announced, in view and says it was a reply.
    reply_to = phone.locator(f"#c{chain[0]} > .actions details.reply summary")
    reply_to.focus()
    phone.keyboard.press("Enter")
    phone.keyboard.press("Tab")
    phone.keyboard.insert_text(ABUSIVE)
    phone.keyboard.press("Tab")
    expect(phone.locator(f"#c{chain[0]} > .actions details.reply button")).to_be_focused()
    phone.keyboard.press("Enter")
    notice = phone.locator("#rejection")
    expect(notice).to_contain_text("Your reply was not published")
    expect(notice).to_have_attribute("aria-live", "assertive")
    expect(notice).to_be_focused()
    expect(notice).to_be_in_viewport()
    expect(phone.get_by_label("Your reply to")).to_have_value(ABUSIVE)
    assert "rejected=" in phone.url
    phone.reload()  # a GET: no form to send again
    expect(phone.locator("#rejection")).to_contain_text("Your reply was not published")
    problems += axe_problems(phone)
    screenshot(phone, "rejected-reply-phone.png", tmp_path)

    phone.goto(f"{live_server}/my/comments")
    expect(phone.locator("article.comment.mine")).to_have_count(1)
    problems += axe_problems(phone)

    # On a desktop: the thread with sorting; the reader's own waiting comment in place, marked as waiting.
    with app.app_context():
        mine = db.session.scalar(select(Comment).where(Comment.text == ABUSIVE))
        waiting = make_comment("I would like to know who pays for the upkeep of the new lanes.", status="review",
                               slug=slug, author_id=mine.author_id)
        featured = make_comment("Our street trialled a lane last spring: deliveries adapted within a fortnight.",
                                status="published", slug=slug)
        db.session.get(Comment, featured).featured = True
        db.session.commit()
    desktop = browser.new_page(viewport={"width": 1280, "height": 900})
    log_in(desktop, live_server, email, f"/stories/{slug}")
    expect(desktop.locator(f"#c{waiting}")).to_contain_text("Waiting for a moderator")
    desktop.get_by_role("link", name="Most replies").click()
    # A comment the moderators featured comes first whatever the order; then the most replied-to.
    expect(desktop.locator("article.comment").first).to_have_attribute("id", f"c{featured}")
    expect(desktop.locator(f"#c{featured} .badge.featured")).to_be_visible()
    top = desktop.locator("article.comment:not(article.comment article.comment)")
    expect(top.nth(1)).to_have_attribute("id", f"c{chain[0]}")
    problems += axe_problems(desktop)
    screenshot(desktop, "thread.png", tmp_path)
    desktop.close()
    phone.close()
    assert problems == []


def tab_to(page, target, limit=120):
    """Press Tab (only Tab) until the target has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {target}")


def test_every_thread_action_works_from_the_keyboard(app, live_server, browser, make_user, make_story, make_comment):
    """Edit, delete, feature and report with Tab, Enter and Space alone; axe-core stays clean on each page."""
    slug = make_story("The harbour plan goes to a vote")
    moderator_id, email = make_user("moderator")
    own = make_comment("I think the harbour plan deserves a proper public hearing first.", status="published",
                       slug=slug, author_id=moderator_id)
    other = make_comment("The harbour budget should be published before anyone votes on it.", status="published",
                         slug=slug)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    log_in(page, live_server, email, f"/stories/{slug}")
    problems = axe_problems(page)

    # Report another reader's comment: open the disclosure, choose a reason, send.
    tab_to(page, page.locator(f"#c{other} details.report summary"))
    page.keyboard.press("Enter")
    tab_to(page, page.locator(f"#c{other} details.report select"))
    page.keyboard.press("ArrowDown")  # the first reason
    tab_to(page, page.locator(f"#c{other} details.report button"))
    page.keyboard.press("Space")
    expect(page.locator(".flash")).to_contain_text("a moderator will look at this comment")
    problems += axe_problems(page)

    # Feature it.
    tab_to(page, page.locator(f"#c{other} form.feature button"))
    page.keyboard.press("Enter")
    expect(page.locator(f"#c{other} .badge.featured")).to_be_visible()

    # Edit one's own comment: the link, the box, the button.
    tab_to(page, page.locator(f"#c{own} a.edit"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Edit your comment")).to_be_visible()
    problems += axe_problems(page)
    tab_to(page, page.get_by_label("Your comment"))
    page.keyboard.press("End")
    page.keyboard.insert_text(" A hearing in the evening would suit working people.")
    tab_to(page, page.get_by_role("button", name="Save the edit"))
    page.keyboard.press("Enter")
    expect(page.locator(f"#c{own} .text")).to_contain_text("A hearing in the evening")

    # Delete it.
    tab_to(page, page.locator(f"#c{own} details.delete summary"))
    page.keyboard.press("Space")
    tab_to(page, page.locator(f"#c{own} details.delete button"))
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text("Your comment is deleted.")
    expect(page.locator(f"#c{own}")).to_have_count(0)
    problems += axe_problems(page)
    assert problems == []
