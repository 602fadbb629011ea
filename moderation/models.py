"""Database models: people, stories, comments, the machine's verdicts and moderators' reviews."""
import hmac
import secrets
import unicodedata
from datetime import datetime, timezone
from typing import Any, Optional

from flask_login import UserMixin
from sqlalchemy import (JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint,
                        bindparam, select, text, true)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from moderation.extensions import db, login_manager

ROLES = ("reader", "moderator", "admin")
# A comment is stored as "pending" before any classifier runs, then moves on.
STATUSES = ("pending", "published", "review", "rejected")
# An author's standing, set by moderators: pre-moderated authors always go to review.
STANDINGS = ("good", "warned", "premoderated", "suspended", "banned")


def utcnow():
    """Timezone-aware now, for column defaults."""
    return datetime.now(timezone.utc)


class Site(db.Model):
    """A newspaper's site that embeds the comments: its origins, SSO secret and house-rule settings."""

    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(primary_key=True)
    # The public id in the embed's data-site attribute and in the API.
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # Origins ("https://news.example") whose pages may frame the embed and whose story URLs are accepted.
    allowed_origins: Mapped[list] = mapped_column(JSON, default=list)
    # HS256 secrets for the readers' single sign-on tokens: the current one, and the one before it during a rotation.
    sso_secret: Mapped[Optional[str]] = mapped_column(String(128))
    sso_previous_secret: Mapped[Optional[str]] = mapped_column(String(128))
    # Whether readers may also log in with this service's own accounts in the embed.
    local_accounts: Mapped[bool] = mapped_column(default=True)
    # Every comment on this site goes to a moderator first.
    premoderate: Mapped[bool] = mapped_column(default=False)
    # A note shown under the house rules in the embed.
    rules_note: Mapped[str] = mapped_column(Text, default="")
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


def display_name_key(name):
    """A display name as compared: NFKC (fullwidth and styled letters become plain), one space between words,
    casefolded ("ALICE", "Alice" and "ａｌｉｃｅ" are one name)."""
    return " ".join(unicodedata.normalize("NFKC", name or "").split()).casefold()


class User(UserMixin, db.Model):
    """A reader, moderator or admin; a reader signed in by a site's SSO carries that site's id for them."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("site_id", "external_id"),
        # The service's own accounts never share a name, even when two registrations race; SSO readers' names are
        # their CMS's to give, so they are compared but not held unique.
        Index("uq_users_display_name_key", "display_name_key", unique=True,
              sqlite_where=text("site_id IS NULL"), postgresql_where=text("site_id IS NULL")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    display_name_key: Mapped[str] = mapped_column(String(200), default="", server_default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20), default="reader")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    standing: Mapped[str] = mapped_column(String(20), default="good")
    suspended_until: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    # Part of the login id in the session and remember cookies; a new one on logout makes every old cookie fail.
    session_token: Mapped[str] = mapped_column(String(32), default="", server_default="")
    # For SSO readers: their site and the CMS's user id; the address they gave (email stays a unique login key).
    site_id: Mapped[Optional[int]] = mapped_column(ForeignKey("sites.id"), index=True)
    external_id: Mapped[Optional[str]] = mapped_column(String(200))
    contact_email: Mapped[Optional[str]] = mapped_column(String(254))
    # Set when the reader opens the link mailed to the address; notifications go only to confirmed addresses.
    email_verified_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    notify_replies: Mapped[bool] = mapped_column(default=True, server_default=true())
    notify_decisions: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Set when the reader deleted the account: the row stays, anonymised, so their comments keep an author.
    deleted_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))

    @validates("display_name")
    def _keep_display_name_key(self, _, name):
        self.display_name_key = display_name_key(name)
        return name

    def get_id(self):
        """What Flask-Login stores in the cookies: the id and the current session token."""
        if not self.session_token:
            self.new_session_token()
        return f"{self.id}:{self.session_token}"

    def new_session_token(self):
        """Invalidate every session and remember cookie issued so far (the caller commits)."""
        self.session_token = secrets.token_hex(16)

    def set_password(self, password):
        self.password_hash = generate_password_hash(password)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    def has_role(self, role):
        """Admins can do whatever moderators can; moderators whatever readers can."""
        return ROLES.index(self.role) >= ROLES.index(role)


USER_BY_ID = select(User).where(User.id == bindparam("id"))  # every request with a session: built once


@login_manager.user_loader
def load_user(login_id):
    """The person a session or remember cookie names, if its token is still theirs (not logged out since)."""
    user_id, _, token = (login_id or "").partition(":")
    if not (user_id.isascii() and user_id.isdigit() and len(user_id) <= 10 and token):
        return None
    user = db.session.execute(USER_BY_ID, {"id": int(user_id)}).scalar()
    if user is None or not hmac.compare_digest(user.session_token.encode(), token.encode()):
        return None
    return user


class Story(db.Model):
    """An article whose readers comment under it; a CMS names it by its own id within its site."""

    __tablename__ = "stories"
    __table_args__ = (UniqueConstraint("site_id", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    external_id: Mapped[Optional[str]] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    comments_open: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    site: Mapped[Site] = relationship()


class Comment(db.Model):
    """A reader's comment or reply; its status says where it stands."""

    __tablename__ = "comments"
    __table_args__ = (UniqueConstraint("story_id", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("comments.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # Bumped by every moderator decision: a decision names the revision it saw (conditional update).
    revision: Mapped[int] = mapped_column(default=0)
    # Hidden from readers while enough weight of reports waits for a moderator.
    hidden: Mapped[bool] = mapped_column(default=False)
    # Picked at classification for the audit sample of automatic decisions.
    audit_sample: Mapped[bool] = mapped_column(default=False, index=True)
    held_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    held_until: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    # The CMS's own id for a comment sent through the REST API: a retry with it never stores a second copy.
    external_id: Mapped[Optional[str]] = mapped_column(String(200))
    # The author's own changes: the last edit (the earlier texts are in the audit log) and a deletion.
    edited_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    # The text readers keep seeing while an edit of a published comment waits, or after the machine rejected the
    # edit; a moderator's decision or the edit's publication clears it.
    published_text: Mapped[Optional[str]] = mapped_column(Text)
    # Picked by a moderator: shown first in its story's thread.
    featured: Mapped[bool] = mapped_column(default=False)
    # When the text was erased (retention, or its author's deleted account): never trained on; decisions stay.
    text_removed_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))

    story: Mapped[Story] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])

    def text_for(self, viewer):
        """The text this viewer sees: the author their edit while it waits; everyone the text still published."""
        if self.status == "published" or self.published_text is None:
            return self.text
        if viewer is not None and viewer.id == self.author_id and self.status in ("pending", "review"):
            return self.text
        return self.published_text
    held_by: Mapped[Optional[User]] = relationship(foreign_keys=[held_by_id])
    parent: Mapped[Optional["Comment"]] = relationship(remote_side=[id])
    verdicts: Mapped[list["Verdict"]] = relationship(
        back_populates="comment", order_by="Verdict.id"
    )
    reviews: Mapped[list["Review"]] = relationship(order_by="Review.id")

    @property
    def verdict(self):
        """The machine's latest verdict, or None before classification."""
        return self.verdicts[-1] if self.verdicts else None

    @property
    def latest_review(self):
        """The latest moderator decision, or None."""
        return self.reviews[-1] if self.reviews else None


class ModelVersion(db.Model):
    """A trained classifier version; exactly one is active at a time."""

    __tablename__ = "model_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    thresholds: Mapped[dict] = mapped_column(JSON)
    card: Mapped[dict] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=False, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ModelArtifact(db.Model):
    """A version's artifact bytes with their sha256, in the database every host reaches; hosts cache a verified copy."""

    __tablename__ = "model_artifacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Verdict(db.Model):
    """What the rules said of a comment, and the version that said it."""

    __tablename__ = "verdicts"
    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    model_version: Mapped[Optional[str]] = mapped_column(String(40))
    decision: Mapped[str] = mapped_column(String(20))
    scores: Mapped[dict] = mapped_column(JSON, default=dict)
    thresholds: Mapped[dict] = mapped_column(JSON, default=dict)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    rule_reasons: Mapped[dict] = mapped_column(JSON, default=dict)
    broken_rules: Mapped[list] = mapped_column(JSON, default=list)
    spans: Mapped[list] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(10), default="und")
    error: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    comment: Mapped[Comment] = relationship(back_populates="verdicts")

    @property
    def rejecting_rules(self):
        """The rules whose score reached its reject threshold: what the author is told (doubts are for moderators)."""
        return [rule for rule in self.broken_rules
                if (self.scores or {}).get(rule, 0.0) >= (self.thresholds or {}).get(rule, {}).get("reject", 2.0)]

    @property
    def doubtful_rules(self):
        """Rules the machine was unsure of: a moderator is asked about them."""
        rejecting = self.rejecting_rules
        return [rule for rule in self.broken_rules if rule not in rejecting]

    @property
    def decided_by_machine(self):
        """False when the classifiers failed and the comment went to review for that reason."""
        return self.error is None

    @property
    def rejecting_spans(self):
        """The marked words, shown to the author only when an abuse rule is among the rejecting ones."""
        return self.spans if {"abuse", "personal_attack"} & set(self.rejecting_rules) else []


class Review(db.Model):
    """A moderator's decision on a comment: who, when, what and why (training data)."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    moderator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(20))  # approve | reject
    reason: Mapped[Optional[str]] = mapped_column(String(30))  # a rule or "other"
    note: Mapped[str] = mapped_column(Text, default="")
    previous_status: Mapped[str] = mapped_column(String(20))
    # The comment's published_text the decision cleared (an edit's earlier text readers saw): undo puts it back.
    previous_published_text: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    moderator: Mapped[User] = relationship()


class Report(db.Model):
    """A reader's report of a comment; outcome is set when a moderator decides the comment."""

    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("comment_id", "reporter_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(String(30))
    weight: Mapped[float] = mapped_column(default=1.0)
    outcome: Mapped[Optional[str]] = mapped_column(String(20))  # None (open) | upheld | dismissed
    review_id: Mapped[Optional[int]] = mapped_column(ForeignKey("reviews.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    comment: Mapped[Comment] = relationship()
    reporter: Mapped[User] = relationship()


class AuditEvent(db.Model):
    """One moderator or admin action: who, what, on which thing, when, before and after."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[Optional[int]] = mapped_column(Integer)
    before: Mapped[dict] = mapped_column(JSON, default=dict)
    after: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    actor: Mapped[Optional[User]] = relationship()


class Setting(db.Model):
    """A value admins can change at run time (e.g. audit_sample_rate)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")


class Job(db.Model):
    """A background job (train or compare); `slot` is 1 while queued or running, so only one can be (unique)."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="train")
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    slot: Mapped[Optional[int]] = mapped_column(Integer, unique=True)
    stage: Mapped[str] = mapped_column(String(120), default="waiting to start")
    percent: Mapped[int] = mapped_column(default=0)
    row_limit: Mapped[Optional[int]] = mapped_column(Integer)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    pid: Mapped[Optional[int]] = mapped_column(Integer)
    # Which worker runs it ("host:pid"), how many times one has claimed it, and its last sign of life: a running
    # job whose heartbeat is older than JOB_HEARTBEAT_TIMEOUT is retried or failed (moderation/worker/jobs.py).
    worker: Mapped[Optional[str]] = mapped_column(String(120))
    attempts: Mapped[int] = mapped_column(default=0)
    heartbeat_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    error: Mapped[Optional[str]] = mapped_column(Text)
    # The version a training job produced, or the version a comparison job compares (and updates the card of).
    result_version: Mapped[Optional[str]] = mapped_column(String(40))
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))

    created_by: Mapped[Optional[User]] = relationship()


class ApiKey(db.Model):
    """A key another system calls the APIs with; only its sha256 is stored, beside a short prefix to find it by."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    # Flask-Limiter notation ("1200/minute"); None uses the configured default.
    rate_limit: Mapped[Optional[str]] = mapped_column(String(60))
    # Whether retraining uses the feedback labels this key sends beside the moderators' decisions.
    train_on_feedback: Mapped[bool] = mapped_column(default=False)
    # The site whose stories and comments the REST API lets this key reach (None: the Perspective APIs only),
    # and what it may do there: "submit" (stories, comments, reading) or "moderate" (also approve and reject).
    site_id: Mapped[Optional[int]] = mapped_column(ForeignKey("sites.id"), index=True)
    scope: Mapped[str] = mapped_column(String(20), default="submit", server_default="submit")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(DateTime(timezone=True))


class ApiCall(db.Model):
    """One call to an API: which key, which endpoint, the answer and how long it took (text only when kept)."""

    __tablename__ = "api_calls"
    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[Optional[int]] = mapped_column(ForeignKey("api_keys.id"), index=True)
    endpoint: Mapped[str] = mapped_column(String(20))  # analyze | suggestscore | coral_phase
    status_code: Mapped[int] = mapped_column(Integer)
    latency_ms: Mapped[float] = mapped_column(default=0.0)
    decision: Mapped[Optional[str]] = mapped_column(String(20))
    # Kept only when the client did not ask doNotStore.
    text: Mapped[Optional[str]] = mapped_column(Text)
    scores: Mapped[Optional[dict]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    key: Mapped[Optional[ApiKey]] = relationship()


class ApiFeedback(db.Model):
    """A label an API client sent (suggestscore): a training source of its own, replaced by a repeat of its token."""

    __tablename__ = "api_feedback"
    __table_args__ = (UniqueConstraint("key_id", "client_token"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), index=True)
    client_token: Mapped[Optional[str]] = mapped_column(String(256))
    text: Mapped[str] = mapped_column(Text)
    # {rule: 0/1} read from the attribute scores the client suggested.
    labels: Mapped[dict] = mapped_column(JSON)
    suggested: Mapped[dict] = mapped_column(JSON)
    community_id: Mapped[Optional[str]] = mapped_column(String(256))
    context: Mapped[Optional[dict]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    key: Mapped[ApiKey] = relationship()
