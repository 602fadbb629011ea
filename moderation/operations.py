"""Every state change the service makes; these flush, and the caller commits."""
import re

from flask import current_app
from sqlalchemy import func, select, update

from classifiers import RULES
from moderation.extensions import db
from moderation.models import Comment, ModelVersion, Review, Story, User, Verdict
from moderation.pipeline import judge, load_bundle

REVIEW_REASONS = ("not_english", "not_sentences", "abuse", "personal_attack", "spam", "other")


class OperationError(Exception):
    """A refused state change, with a message fit to show the person who asked."""


def create_user(email, password, role="reader", display_name=None):
    """Register a person; emails are unique, case-insensitively."""
    email = email.strip().lower()
    if db.session.scalar(select(User).where(User.email == email)):
        raise OperationError("An account with that email already exists.")
    user = User(email=email, role=role, display_name=display_name or email.split("@")[0])
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def slugify(title):
    """A URL-safe slug from a title."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:100] or "story"


def save_story(title, summary="", url="", comments_open=True, story=None):
    """Create a story, or edit the one given; slugs stay unique."""
    if story is None:
        base = slug = slugify(title)
        n = 1
        while db.session.scalar(select(Story.id).where(Story.slug == slug)):
            n += 1
            slug = f"{base}-{n}"
        story = Story(slug=slug)
        db.session.add(story)
    story.title, story.summary, story.url = title, summary, url
    story.comments_open = comments_open
    db.session.flush()
    return story


def submit_comment(story, author, text, parent=None):
    """Store a comment as pending before any classifier sees it."""
    if not story.comments_open:
        raise OperationError("Comments are closed on this story.")
    if parent is not None and (parent.story_id != story.id or parent.status != "published"):
        raise OperationError("You can only reply to a published comment on this story.")
    comment = Comment(story=story, author=author, text=text, parent=parent, status="pending")
    db.session.add(comment)
    db.session.flush()
    return comment


def active_version():
    """The active ModelVersion row, or None."""
    return db.session.scalar(select(ModelVersion).where(ModelVersion.active))


def classify_comment(comment):
    """Apply the house rules with the active version; any failure sends the comment to review."""
    version = active_version()
    try:
        if version is None:
            raise RuntimeError("no classifier version is active")
        bundle = load_bundle(current_app.config["MODELS_DIR"], version.name)
        assessment, decision = judge(bundle, version.thresholds, comment.text)
    except Exception as error:  # a classifier failure must never publish or drop a comment
        current_app.logger.exception("classifier failed on comment %s", comment.id)
        verdict = Verdict(
            comment=comment,
            model_version=version.name if version else None,
            decision="review",
            error=f"{type(error).__name__}: {error}",
        )
    else:
        verdict = Verdict(
            comment=comment,
            model_version=version.name,
            decision=decision.outcome,
            scores=assessment.scores,
            thresholds=version.thresholds,
            reasons=assessment.reasons,
            rule_reasons=assessment.rule_reasons,
            broken_rules=decision.broken_rules + decision.doubtful_rules,
            spans=[list(span) for span in assessment.spans],
            language=assessment.language,
        )
    db.session.add(verdict)
    comment.status = {"publish": "published", "review": "review", "reject": "rejected"}[
        verdict.decision
    ]
    db.session.flush()
    return verdict


def review_comment(comment_id, moderator, action, reason=None, note=""):
    """Record a moderator's decision; a comment already decided is refused, never overwritten."""
    if action not in ("approve", "reject"):
        raise OperationError("Unknown action.")
    if action == "reject" and reason not in REVIEW_REASONS:
        raise OperationError("Choose a reason for the rejection.")
    new_status = "published" if action == "approve" else "rejected"
    changed = db.session.execute(
        update(Comment)
        .where(Comment.id == comment_id, Comment.status == "review")
        .values(status=new_status)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if not changed:
        raise OperationError("This comment was already decided by another moderator.")
    review = Review(
        comment_id=comment_id,
        moderator=moderator,
        action=action,
        reason=reason if action == "reject" else None,
        note=note,
        previous_status="review",
    )
    db.session.add(review)
    db.session.flush()
    return review


def register_version(name, metadata):
    """Record a saved classifier version (not yet active)."""
    version = ModelVersion(
        name=name, sha256=metadata["sha256"], thresholds=metadata["thresholds"], card=metadata
    )
    db.session.add(version)
    db.session.flush()
    return version


def next_version_name():
    """v1, v2, ... in order of registration."""
    count = db.session.scalar(select(func.count(ModelVersion.id)))
    return f"v{count + 1}"


def promote_version(name):
    """Make one version active and every other inactive, in one statement."""
    if not db.session.scalar(select(ModelVersion.id).where(ModelVersion.name == name)):
        raise OperationError(f"No classifier version named {name!r}.")
    db.session.execute(
        update(ModelVersion)
        .values(active=(ModelVersion.name == name))
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()


def training_examples():
    """Moderators' decisions as labelled examples: approvals break no rule, rejections one."""
    rows = db.session.execute(
        select(Comment.text, Review.action, Review.reason)
        .join(Review, Review.comment_id == Comment.id)
        .order_by(Review.id)
    )
    examples = []
    for text, action, reason in rows:
        if action == "approve":
            examples.append((text, dict.fromkeys(RULES, 0)))
        elif reason in RULES:
            examples.append((text, {reason: 1}))
    return examples
