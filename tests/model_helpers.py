"""Helpers for the classifier-version tests: an app with its own models folder, moderator decisions."""
import os
import shutil

from sqlalchemy import select

from moderation.extensions import db
from moderation.models import Story, User
from moderation.operations import (
    classify_comment,
    default_site,
    register_version,
    review_comment,
    submit_comment,
)
from tests.conftest import TEST_VERSION, build_app


def isolated_app(trained_instance, tmp_path, config=None):
    """Like the `app` fixture, but versions trained or corrupted in a test stay in that test's folder."""
    source, metadata = trained_instance
    instance = tmp_path / "instance"
    (instance / "models").mkdir(parents=True)
    for suffix in (".joblib", ".json"):
        shutil.copy(source / "models" / f"{TEST_VERSION}{suffix}", instance / "models")
    yield from build_app(instance, metadata, tmp_path, config)


def copy_version(app, name):
    """Register a copy of the test version's artifact under another name (a second real version)."""
    from moderation.models import ModelVersion

    models = app.config["MODELS_DIR"]
    for suffix in (".joblib", ".json"):
        shutil.copy(os.path.join(models, f"{TEST_VERSION}{suffix}"), os.path.join(models, f"{name}{suffix}"))
    with app.app_context():
        base = db.session.scalar(select(ModelVersion).where(ModelVersion.name == TEST_VERSION))
        register_version(name, dict(base.card, sha256=base.sha256))
        db.session.commit()


def decide_comments(app, decisions, author_email="author@example.com", moderator_email="mod@example.com"):
    """Post each text as a comment, let the rules judge it, then record the moderator's (action, reason)."""
    with app.app_context():
        author = db.session.scalar(select(User).where(User.email == author_email))
        if author is None:
            author = User(email=author_email, display_name="author", role="reader")
            author.set_password("an author password")
            moderator = User(email=moderator_email, display_name="mod", role="moderator")
            moderator.set_password("a moderator password")
            db.session.add_all([author, moderator])
            db.session.add(Story(slug="debate", title="The debate", site=default_site()))
            db.session.flush()
        moderator = db.session.scalar(select(User).where(User.email == moderator_email))
        story = db.session.scalar(select(Story).where(Story.slug == "debate"))
        ids = []
        for text, action, reason in decisions:
            comment = submit_comment(story, author, text)
            classify_comment(comment)
            comment.status = "review"
            db.session.flush()
            if action:
                review_comment(comment.id, moderator, action, reason)
            ids.append(comment.id)
        db.session.commit()
        return ids
