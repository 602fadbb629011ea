"""In real Chromium: holds only while working on an item, the keyboard position kept, a compact queue, live counts,
and axe-core on the moderators' and admins' pages."""
from playwright.sync_api import expect
from sqlalchemy import select

from moderation.extensions import db
from moderation.models import Comment, Job, utcnow
from tests.browser_helpers import axe_problems, log_in, screenshot
from tests.conftest import TEST_VERSION


def holds(app):
    with app.app_context():
        return dict(db.session.execute(select(Comment.id, Comment.held_by_id).where(Comment.held_by_id.is_not(None))).all())


def test_moderator_works_a_compact_queue_with_the_keyboard(app, live_server, browser, make_user, make_comment,
                                                          make_story, tmp_path):
    app.config["QUEUE_COUNTS_REFRESH_MS"] = 300
    slug = make_story("The harbour plan goes to a vote")
    for n in range(8):
        make_comment(f"The council should publish the harbour budget before the vote, point {n}.", slug=slug)
    moderator_id, email = make_user("moderator")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    log_in(page, live_server, email, "/review/?view=compact")
    problems = axe_problems(page)

    # At least five items fit the screen in the compact view.
    page.locator("#queue").evaluate("queue => queue.scrollIntoView()")
    visible = page.locator("#queue .review-item").evaluate_all(
        "items => items.filter(i => { const r = i.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }).length")
    assert visible >= 5, visible
    screenshot(page, "review-queue-compact.png", tmp_path)

    # Moving with j/k holds nothing; choosing a reason holds that item; moving on lets it go.
    items = page.locator("#queue .review-item")
    ids = [int(i) for i in items.evaluate_all("items => items.map(i => i.dataset.id)")]
    for key in "jjjk":
        page.keyboard.press(key)
    expect(page.locator(".review-item.current")).to_have_attribute("data-id", str(ids[2]))
    page.wait_for_timeout(300)
    assert holds(app) == {}
    page.keyboard.press("3")
    expect(page.locator(".review-item.current .key-message")).to_contain_text("Abuse")
    page.wait_for_function("() => true")
    for _ in range(20):
        if holds(app):
            break
        page.wait_for_timeout(100)
    assert holds(app) == {ids[2]: moderator_id}
    page.keyboard.press("j")
    for _ in range(20):
        if not holds(app):
            break
        page.wait_for_timeout(100)
    assert holds(app) == {}

    # After a decision the item after it is current, not the first.
    with page.expect_navigation():
        page.keyboard.press("a")
    expect(page.get_by_role("status")).to_contain_text(f"Comment {ids[3]} approved")
    expect(page.locator(".review-item.current")).to_have_attribute("data-id", str(ids[4]))

    # The counts in the tabs follow new comments without a reload.
    count = page.locator('#queue-tabs .count[data-queue="review"]')
    expect(count).to_have_text("7")
    make_comment("A new comment arrives while the moderator works the queue.", slug=slug)
    expect(count).to_have_text("8")

    # Opening an item holds it; leaving its page lets it go.
    page.keyboard.press("o")
    expect(page.locator("h1")).to_contain_text(f"Comment {ids[4]}")
    assert holds(app) == {ids[4]: moderator_id}
    problems += axe_problems(page)
    page.go_back()
    for _ in range(30):
        if not holds(app):
            break
        page.wait_for_timeout(100)
    assert holds(app) == {}

    page.goto(f"{live_server}/review/")
    problems += axe_problems(page)
    screenshot(page, "review-queue.png", tmp_path)
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "review-queue-phone.png", tmp_path)
    page.close()
    assert problems == []


def test_admin_pages_pass_axe_thresholds_save_and_the_jobs_table_follows_the_job(app, live_server, browser,
                                                                               make_user, tmp_path):
    _, email = make_user("admin")
    with app.app_context():
        job = Job(kind="train", status="queued", slot=1, stage="waiting to start")
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    log_in(page, live_server, email, "/admin/models")
    problems = axe_problems(page)
    row = page.locator("#job-row-status")
    expect(row).to_have_text("queued (0%)")
    with app.app_context():
        running = db.session.get(Job, job_id)
        running.status, running.percent, running.stage = "running", 25, "training abuse"
        running.heartbeat_at = utcnow()  # as a live worker stamps it (a silent one is reaped and queued again)
        db.session.commit()
    expect(page.locator("#job-status")).to_have_text("running")
    expect(row).to_have_text("running (25%)")
    with app.app_context():
        db.session.get(Job, job_id).slot = None
        db.session.get(Job, job_id).status = "cancelled"
        db.session.commit()

    # Stored thresholds have six decimals: the form is sent as it stands.
    page.goto(f"{live_server}/admin/models/{TEST_VERSION}")
    problems += axe_problems(page)
    page.get_by_role("button", name="Save thresholds").click()
    expect(page.get_by_role("status")).to_contain_text(f"Thresholds of {TEST_VERSION} saved")
    for path in ("/admin/", "/admin/users", "/admin/integrations/", "/admin/stories/new", "/review/stats",
                 "/review/audit", "/review/settings"):
        page.goto(f"{live_server}{path}")
        problems += axe_problems(page)
    page.close()
    assert problems == []


def test_the_compact_queue_shows_five_items_without_scrolling(app, live_server, browser, make_user, make_comment,
                                                              make_story):
    """On a 1280x800 screen, as the page opens (no scrolling), at least five whole items are in view."""
    slug = make_story("The harbour plan goes to a vote")
    for n in range(8):
        make_comment(f"The council should publish the harbour budget before the vote, point {n}. " * 3, slug=slug)
    _, email = make_user("moderator")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    log_in(page, live_server, email, "/review/?view=compact")
    expect(page.locator("#queue .review-item.current")).to_have_count(1)
    assert page.evaluate("scrollY") == 0
    boxes = [item.bounding_box() for item in page.locator("#queue .review-item").all()]
    in_view = [box for box in boxes if box["y"] >= 0 and box["y"] + box["height"] <= 800]
    assert len(in_view) >= 5, [round(box["y"] + box["height"]) for box in boxes]
    header = page.locator("#queue .review-item.current header").bounding_box()
    link = page.locator("#queue .review-item.current a.open").bounding_box()
    assert link["x"] + link["width"] <= header["x"] + header["width"] + 1  # "Open" is not cut off
    # The filters and bulk decisions are one click away, and the whole queue still works from the keyboard.
    tools = page.locator("details.queue-tools")
    tools.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Filter")).to_be_visible()


def test_the_compact_queue_fits_a_phone(app, live_server, browser, make_user, make_comment, make_story, tmp_path):
    """At 390x844 the compact queue does not overflow sideways, and each item shows who wrote what, and when,
    above its decision (the desktop's two columns once squeezed the text and header to nothing)."""
    slug = make_story("The harbour plan goes to a vote before the summer recess")
    for n in range(4):
        make_comment(f"The council should publish the harbour budget before the vote, point {n}.", slug=slug)
    _, email = make_user("moderator")
    page = browser.new_page(viewport={"width": 390, "height": 844})
    log_in(page, live_server, email, "/review/?view=compact")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    item = page.locator("#queue .review-item.current")
    for part in ("header a.author", "header time", ".text", "form.decide button[value=approve]"):
        box = item.locator(part).first.bounding_box()
        assert box and box["width"] > 20 and box["x"] >= 0 and box["x"] + box["width"] <= 390, (part, box)
    assert item.locator(".text").bounding_box()["width"] > 300  # the text has the item's width, not a sliver
    header, form = item.locator("header").bounding_box(), item.locator("form.decide").bounding_box()
    assert form["y"] >= header["y"] + header["height"] - 1  # the decision sits under the header, not beside it
    problems = axe_problems(page)
    screenshot(page, "review-queue-compact-phone.png", tmp_path)
    page.close()
    assert problems == []
