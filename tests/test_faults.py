"""Faults on the decision path: whatever fails, a stored comment ends in review, never published unchecked or lost."""
import math
import os
import sqlite3
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, select

from moderation import operations, pipeline
from moderation.extensions import db
from moderation.models import Comment, User, Verdict, utcnow
from tests.conftest import TEST_VERSION, post_form

CIVIL = "I think the new cycle lanes will make the riverside much safer for children."


def only_comment(app):
    with app.app_context():
        [comment] = db.session.scalars(select(Comment)).all()
        return comment.status, comment.verdict.error if comment.verdict else None


@pytest.fixture
def fail_on(app):
    """fail_on("FROM model_versions"): the next SQL statement containing the words raises, as a failing database
    would (every such statement with always=True); with `after`, only statements after one containing those words."""
    def install(words, always=False, after=None):
        seen = {"n": 0, "armed": after is None}

        def refuse(conn, cursor, statement, parameters, context, executemany):
            if after and after in statement:
                seen["armed"] = True
            elif seen["armed"] and words in statement:
                seen["n"] += 1
                if always or seen["n"] == 1:
                    raise sqlite3.OperationalError(f"injected fault at: {words}")

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", refuse)
        return lambda: event.remove(engine, "before_cursor_execute", refuse)

    return install


@pytest.mark.parametrize("words", ["FROM model_versions", "FROM settings", "INSERT INTO verdicts"])
def test_a_database_error_anywhere_in_the_decision_sends_the_comment_to_review(
        app, client, login, make_story, fail_on, words):
    """Finding the version, reading settings and storing the verdict were outside the try: 500s, stranded comments.

    The reader's address is confirmed, so the decision makes the request's first (and only) read of the settings."""
    slug = make_story()
    user_id, _ = login()
    with app.app_context():
        db.session.get(User, user_id).email_verified_at = utcnow()
        db.session.commit()
    remove = fail_on(words, after="INSERT INTO comments")  # once the comment is stored
    try:
        response = post_form(client, f"/stories/{slug}/comments", {"text": CIVIL}, follow_redirects=True)
    finally:
        remove()
    assert response.status_code == 200 and "waiting for a moderator" in response.get_data(as_text=True)
    status, error = only_comment(app)
    assert status == "review" and error


def test_a_failed_second_commit_leaves_no_comment_pending_out_of_sight(app, client, login, make_story, fail_on):
    """Both the decision and its fallback fail (database gone): the reader is told it waits; the sweeper sends it on."""
    slug = make_story()
    login()
    remove = fail_on("UPDATE comments SET status", always=True)
    try:
        response = post_form(client, f"/stories/{slug}/comments", {"text": CIVIL}, follow_redirects=True)
    finally:
        remove()
    assert response.status_code == 200 and "waiting for a moderator" in response.get_data(as_text=True)
    assert only_comment(app) == ("pending", None)
    with app.app_context():
        assert operations.sweep_pending(older_than=0) == 1
        db.session.commit()
    status, error = only_comment(app)
    assert status == "review" and "still pending" in error


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_non_finite_score_goes_to_review_and_no_nan_is_stored(app, client, login, make_story, monkeypatch, bad):
    """NaN >= threshold is False, so a NaN score published; PostgreSQL's JSON refused it (500, pending)."""
    real_judge = operations.judge

    def judge_with_bad_score(*args, **kwargs):
        assessment, decision = real_judge(*args, **kwargs)
        assessment.scores = {**assessment.scores, "abuse": bad}
        return assessment, pipeline.decide(assessment.scores, args[1], 12)

    monkeypatch.setattr(operations, "judge", judge_with_bad_score)
    slug = make_story()
    login()
    response = post_form(client, f"/stories/{slug}/comments", {"text": CIVIL}, follow_redirects=True)
    assert "waiting for a moderator" in response.get_data(as_text=True)
    status, error = only_comment(app)
    assert status == "review" and "not a finite number" in error
    with app.app_context():
        assert db.session.scalar(select(Verdict)).scores == {}


def test_decide_never_publishes_on_a_nan_score():
    thresholds = {rule: {"review": 0.5, "reject": 0.9} for rule in ("not_english", "not_sentences", "abuse",
                                                                      "personal_attack")}
    scores = {"not_english": 0.01, "not_sentences": 0.01, "abuse": math.nan, "personal_attack": 0.01}
    assert pipeline.decide(scores, thresholds, 12).outcome == "review"
    assert pipeline.decide(scores, thresholds, 12, trusted=True).outcome == "review"


def test_a_classifier_raising_sends_the_comment_to_review(app, client, login, make_story, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("\\T")

    monkeypatch.setattr(operations, "judge", broken)
    slug = make_story()
    login()
    post_form(client, f"/stories/{slug}/comments", {"text": CIVIL})
    assert only_comment(app)[0] == "review"


@pytest.mark.parametrize("damage", ["corrupt", "delete"])
def test_an_artifact_damaged_while_serving(app, client, login, make_story, damage):
    """A worker that loaded the version keeps serving it; a fresh worker refuses the damaged file: review."""
    slug = make_story()
    login()
    post_form(client, f"/stories/{slug}/comments", {"text": CIVIL})  # loads the version
    path = os.path.join(app.config["MODELS_DIR"], f"{TEST_VERSION}.joblib")
    original = open(path, "rb").read()
    try:
        if damage == "corrupt":
            with open(path, "r+b") as handle:
                handle.seek(len(original) // 2)
                handle.write(b"\0" * 64)
        else:
            os.remove(path)
        post_form(client, f"/stories/{slug}/comments", {"text": CIVIL + " Still loaded."})
        pipeline._loaded.clear()  # a new worker process
        post_form(client, f"/stories/{slug}/comments", {"text": CIVIL + " A new worker."})
    finally:
        with open(path, "wb") as handle:
            handle.write(original)
        pipeline._loaded.clear()
    with app.app_context():
        statuses = [c.status for c in db.session.scalars(select(Comment).order_by(Comment.id))]
        assert statuses == ["published", "published", "review"]
        assert "ArtifactError" in db.session.scalars(select(Verdict).order_by(Verdict.id)).all()[-1].error


def test_a_held_sqlite_lock_strands_nothing(app, client, login, make_story):
    """Another process takes an exclusive lock just after the comment is stored: no 500, and it reaches review."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite:///"):
        pytest.skip("an exclusive lock is SQLite's")
    slug = make_story()
    login()
    blocker = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    with app.app_context():
        engine = db.engine

    def short_wait(dbapi_connection, record):
        dbapi_connection.execute("PRAGMA busy_timeout = 200")

    def lock_after_the_comment_is_stored(session):
        if not blocker.in_transaction:
            blocker.execute("BEGIN EXCLUSIVE")

    event.listen(engine, "connect", short_wait)
    engine.pool.dispose()
    event.listen(db.session, "after_commit", lock_after_the_comment_is_stored)
    try:
        response = post_form(client, f"/stories/{slug}/comments", {"text": CIVIL}, follow_redirects=False)
    finally:
        event.remove(db.session, "after_commit", lock_after_the_comment_is_stored)
        locked = blocker.in_transaction
        if locked:
            blocker.execute("ROLLBACK")
        blocker.close()
        event.remove(engine, "connect", short_wait)
        engine.pool.dispose()
    assert locked and response.status_code == 302
    assert only_comment(app) == ("pending", None)  # stored, and the decision could not be
    with app.app_context():
        assert operations.sweep_pending(older_than=0) == 1
        db.session.commit()
    assert only_comment(app)[0] == "review"


def pending_comments(app, make_user, make_story, *texts_and_ages):
    """Comments stored but never decided, each `minutes` old: [(text, minutes), ...] -> their ids."""
    from moderation.models import Story, User
    author_id, _ = make_user()
    slug = make_story()
    with app.app_context():
        story = db.session.scalar(select(Story).where(Story.slug == slug))
        comments = []
        for text, minutes in texts_and_ages:
            comment = operations.submit_comment(story, db.session.get(User, author_id), text)
            comment.created_at = utcnow() - timedelta(minutes=minutes)
            comments.append(comment)
        db.session.commit()
        return [comment.id for comment in comments]


def test_the_sweeper_sends_stranded_comments_to_review_and_moderators_see_why(app, client, login, make_user,
                                                                             make_story, runner):
    """A worker killed between the two commits left comments pending for good, in no moderator's list."""
    old_id, fresh_id = pending_comments(app, make_user, make_story, ("Stranded by a killed worker.", 5),
                                        ("Still being decided right now.", 0))
    result = runner.invoke(args=["sweep"])  # what `make run` does at start-up
    assert result.exit_code == 0 and "1 pending comment sent to review" in result.output
    with app.app_context():
        assert db.session.get(Comment, old_id).status == "review"
        assert db.session.get(Comment, fresh_id).status == "pending"  # under a minute: its worker may finish
        db.session.get(Comment, fresh_id).created_at = utcnow() - timedelta(minutes=2)
        db.session.commit()
    login("moderator")
    page = client.get("/review/").get_data(as_text=True)  # loading the queue sweeps too
    assert "Stranded by a killed worker." in page and "Still being decided right now." in page
    item = client.get(f"/review/item/{old_id}").get_data(as_text=True)
    assert "still pending after" in item


def test_the_worker_sweeps_stranded_comments_every_minute(app, make_user, make_story):
    """Between start-ups nothing swept but a moderator opening the queue; the worker now does it each minute."""
    from moderation.worker import huey, tasks
    assert "sweep_stranded_comments" in {task.name for task in huey.read_periodic(datetime(2026, 12, 7, 21, 17))}
    [stranded_id] = pending_comments(app, make_user, make_story, ("Left pending by a dead worker.", 3))
    assert tasks.sweep_stranded_comments.call_local() == 1
    assert tasks.sweep_stranded_comments.call_local() == 0
    with app.app_context():
        assert db.session.get(Comment, stranded_id).status == "review"


def test_the_error_page_survives_a_failed_transaction(app, client, login, make_story, fail_on):
    """On PostgreSQL the 500 page itself failed (PendingRollbackError) after a database error."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    slug = make_story()
    login()
    remove = fail_on("INSERT INTO comments", always=True)
    try:
        response = post_form(client, f"/stories/{slug}/comments", {"text": CIVIL})
    finally:
        remove()
    assert response.status_code == 500 and "Internal Server Error" in response.get_data(as_text=True)
