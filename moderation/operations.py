"""Every state change the service makes; these flush, and the caller commits."""
import functools
import math
import random
import re
import unicodedata
from datetime import timedelta

from flask import current_app, has_request_context, request
from sqlalchemy import bindparam, event, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from classifiers import RULES
from classifiers.rules import profanity
from moderation.extensions import db
from moderation.legal import statements
from moderation.models import (
    ROLES,
    STANDINGS,
    AuditEvent,
    Comment,
    ModelVersion,
    Report,
    Review,
    Setting,
    Site,
    Story,
    User,
    Verdict,
    display_name_key,
    utcnow,
)
from moderation.mail import messages
from moderation.pipeline import judge, load_bundle
from moderation.webhooks import events

REVIEW_REASONS = ("not_english", "not_sentences", "abuse", "personal_attack", "spam", "other")
HOLD_MINUTES = 2  # how long a hold lasts unless the open page renews it (it does every minute) or lets it go
REPORT_HIDE_WEIGHT = 3.0  # open reports weighing this much hide a published comment
TRUSTED_MIN_PUBLISHED = 10  # trusted: this many published comments ...
TRUSTED_CLEAN_DAYS = 60  # ... no rejection and no upheld report in this many days ...
TRUSTED_MIN_AGE_DAYS = 30  # ... and an account at least this old, so trust cannot be farmed in an afternoon
PENDING_SWEEP_SECONDS = 60  # a comment still pending this long is sent to review by the sweeper
DEFAULT_SETTINGS = {"audit_sample_rate": 0.02, "coral_phase_secrets": [], "profanity": profanity.DEFAULT,
                    "require_verified_email": False,
                    # Readers' data (moderation/privacy): what deleting an account does to its comments, and retention.
                    "deleted_account_comments": "anonymise", "rejected_text_days": 200, "api_text_days": 30}


class OperationError(Exception):
    """A refused state change, with a message fit to show the person who asked."""


class DisplayNameTaken(OperationError):
    """The display name asked for is another account's (names are public, so saying so reveals nothing)."""


def normal_display_name(name):
    """A display name as stored and compared: NFKC (fullwidth and styled letters become plain), one space between
    words, no line breaks."""
    return " ".join(unicodedata.normalize("NFKC", name or "").split())


def display_name_taken(name, except_id=None):
    """Whether another account already shows this display name (compared by display_name_key: NFKC, casefolded)."""
    query = select(User.id).where(User.display_name_key == display_name_key(name))
    if except_id is not None:
        query = query.where(User.id != except_id)
    return db.session.scalar(query.limit(1)) is not None


def create_user(email, password, role="reader", display_name=None):
    """Register a person; emails and display names are unique, case-insensitively.

    A name chosen by the person is refused when taken (readers tell each other apart by it); one made from the
    email gets a number. The password is hashed first, so a taken email is refused after the same work as a new
    account."""
    email = email.strip().lower()
    user = User(email=email, role=role, display_name=normal_display_name(display_name) or email.split("@")[0])
    user.set_password(password)
    user.new_session_token()
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise OperationError("An account with that email already exists.")
    if display_name and display_name_taken(user.display_name):
        raise DisplayNameTaken("That display name is taken; choose another.")
    base, n = user.display_name, 1
    while not display_name and display_name_taken(user.display_name):
        n += 1
        user.display_name = f"{base[:55]}{n}"
    try:
        with db.session.begin_nested():  # a registration racing this one for the name loses at the unique index
            db.session.add(user)
    except IntegrityError:
        if db.session.scalar(select(User.id).where(User.email == email)):
            raise OperationError("An account with that email already exists.") from None
        raise DisplayNameTaken("That display name is taken; choose another.") from None
    return user


def change_role(admin, user, role):
    """Give a person another role (recorded in the audit log); admins cannot change their own."""
    if role not in ROLES:
        raise OperationError("Unknown role.")
    if user.id == admin.id:
        raise OperationError("You cannot change your own role; ask another admin.")
    before, user.role = user.role, role
    record_audit(admin, "role", "user", user.id, {"role": before}, {"role": role})
    db.session.flush()


def slugify(title):
    """A URL-safe slug from a title."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:100] or "story"


def default_site():
    """The site that stories made on this service's own pages belong to, created on first use."""
    site = db.session.scalar(select(Site).where(Site.is_default))
    if site is None:
        site = Site(slug="default", name="This service", allowed_origins=[], is_default=True)
        db.session.add(site)
        db.session.flush()
    return site


def save_story(title, summary="", url="", comments_open=True, story=None, site=None, external_id=None):
    """Create a story (on the default site unless one is given), or edit the one given; slugs stay unique."""
    created = story is None
    if created:
        base = slug = slugify(title)
        n = 1
        while db.session.scalar(select(Story.id).where(Story.slug == slug)):
            n += 1
            slug = f"{base}-{n}"
        story = Story(slug=slug, site=site or default_site(), external_id=external_id)
        db.session.add(story)
    story.title, story.summary, story.url = title, summary, url
    story.comments_open = comments_open
    db.session.flush()
    if created:
        events.story_event(story, "story.created")
    return story


def as_utc(moment):
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def posting_refusal(author):
    """Why a banned or suspended author may not comment now, or None."""
    if author.standing == "banned":
        return "Your account is banned from commenting."
    until = as_utc(author.suspended_until)
    if author.standing == "suspended" and until and until > utcnow():
        return f"Your account is suspended from commenting until {until:%d %b %Y %H:%M} UTC."
    if author.role == "reader" and author.email_verified_at is None and get_setting("require_verified_email"):
        return ("Confirm your email address before your first comment: open the link we mailed you, "
                "or send a new one from Your account.")
    return None


def author_is_trusted(author):
    """An account over TRUSTED_MIN_AGE_DAYS old in good standing, with many published comments and a clean record.

    Clean: no rejected comment and no upheld report against the author in TRUSTED_CLEAN_DAYS."""
    now = utcnow()
    if author.standing != "good" or as_utc(author.created_at) > now - timedelta(days=TRUSTED_MIN_AGE_DAYS):
        return False
    since = now - timedelta(days=TRUSTED_CLEAN_DAYS)
    published, rejected = db.session.execute(
        select(
            func.count(Comment.id).filter(Comment.status == "published"),
            func.count(Comment.id).filter(Comment.status == "rejected", Comment.created_at >= since),
        ).where(Comment.author_id == author.id)
    ).one()
    if published < TRUSTED_MIN_PUBLISHED or rejected:
        return False
    return not db.session.scalar(
        select(Report.id)
        .join(Comment, Comment.id == Report.comment_id)
        .where(Comment.author_id == author.id, Report.outcome == "upheld", Report.created_at >= since)
        .limit(1)
    )


def submit_comment(story, author, text, parent=None, external_id=None):
    """Store a comment as pending before any classifier sees it."""
    refusal = posting_refusal(author)
    if refusal:
        raise OperationError(refusal)
    if not story.comments_open:
        raise OperationError("Comments are closed on this story.")
    if parent is not None and (parent.story_id != story.id or parent.status != "published"):
        raise OperationError("You can only reply to a published comment on this story.")
    events.read_endpoints(story.site_id)  # read before the INSERT, which takes SQLite's write lock until the commit
    comment = insert_loaded(Comment, story_id=story.id, author_id=author.id, text=text,
                            parent_id=parent.id if parent is not None else None, status="pending",
                            external_id=external_id)
    events.comment_event(comment, "comment.created")
    return comment


INSERTED_ROWS = "moderation.inserted_rows"  # session.info: rows insert_loaded wrote in this transaction


def insert_loaded(model, **values):
    """Insert one row with a Core statement and return it as a clean, persistent ORM object: on the hot path
    (storing a comment and its verdict) this costs a fraction of a unit-of-work flush.

    RETURNING gives every column as stored (defaults included), so the object never needs reading back; it is
    filled as the ORM fills a loaded row (no __init__, no attribute events), and its relationships load as usual
    (from the identity map when the rows they name are loaded)."""
    row = db.session.connection().execute(_insert_returning(model.__table__), values).one()
    obj = model.__mapper__.class_manager.new_instance()
    obj.__dict__.update(row._mapping)
    make_transient_to_detached(obj)
    db.session.add(obj)
    db.session.info.setdefault(INSERTED_ROWS, []).append(obj)  # flush events never see it (observability counts it)
    return obj


@functools.cache
def _insert_returning(table):
    """One INSERT ... RETURNING statement per table, built once: SQLAlchemy then reuses its cache key and compiled
    form instead of building both again on every post (several times the cost of the SQLite call itself)."""
    return insert(table).returning(*table.c)


# Statements on the path of every post, built once (see _insert_returning).
_VERSIONS = ModelVersion.__table__
ACTIVE_VERSION = select(_VERSIONS.c.name, _VERSIONS.c.sha256, _VERSIONS.c.thresholds).where(_VERSIONS.c.active)
_COMMENTS = Comment.__table__
DECIDED = (update(_COMMENTS).where(_COMMENTS.c.id == bindparam("comment_id"))
           .values(status=bindparam("status"), audit_sample=bindparam("audit_sample")))
PUBLISHED = DECIDED.values(published_text=None)  # the edit is what readers see now
ALL_SETTINGS = select(Setting.__table__.c.key, Setting.__table__.c.value)
SETTINGS = ALL_SETTINGS.where(Setting.__table__.c.key.in_(bindparam("keys", expanding=True)))
SETTINGS_READ = "moderation.settings"  # request.environ: the stored settings, read once per request


def active_version_row():
    """The active version's name, sha256 and thresholds as a plain row (what judging needs), or None."""
    return db.session.connection().execute(ACTIVE_VERSION).first()


def active_version():
    """The active ModelVersion row, or None (its model card, read on every comment otherwise, loads when used)."""
    return db.session.scalar(select(ModelVersion).options(defer(ModelVersion.card)).where(ModelVersion.active))


def judge_with_active_version(text):
    """(version row, bundle, assessment, decision) for a text judged by the active version, as the APIs need it.

    Raises on any failure, a missing version or a non-finite score included: the caller fails safe."""
    version = active_version_row()
    if version is None:
        raise RuntimeError("no classifier version is active")
    bundle = load_bundle(current_app.config["MODELS_DIR"], version)
    assessment, decision = judge(bundle, version.thresholds, text, profanity=profanity_setting())
    finite_scores(assessment.scores)
    return version, bundle, assessment, decision


def finite_scores(scores):
    """The scores as floats, refusing a missing rule or a NaN or infinite score (NaN >= threshold is False)."""
    clean = {}
    for rule in RULES:
        value = float(scores[rule])
        if not math.isfinite(value):
            raise ValueError(f"the {rule} score is not a finite number ({value})")
        clean[rule] = value
    return clean


def classify_comment(comment):
    """Apply the house rules with the active version; any failure sends the comment to review.

    Everything that can fail is inside the try: finding the version, loading it, the author's standing, the
    classifiers, a non-finite score and reading the settings. Only a finished decision leaves review."""
    version_name = None
    try:
        version = active_version_row()
        if version is None:
            raise RuntimeError("no classifier version is active")
        version_name = version.name
        bundle = load_bundle(current_app.config["MODELS_DIR"], version)
        profanity_value, sample_rate = get_settings("profanity", "audit_sample_rate")
        author = comment.author
        assessment, decision = judge(
            bundle, version.thresholds, comment.text,
            premoderated=author.standing == "premoderated" or comment.story.site.premoderate,
            trusted=lambda: author_is_trusted(author),
            profanity=profanity_setting(profanity_value),
        )
        scores = finite_scores(assessment.scores)
        sampled = decision.outcome != "review" and random.random() < sample_rate
    except Exception as error:  # a classifier failure must never publish or drop a comment
        current_app.logger.exception("deciding comment %s failed; it goes to review", comment.id)
        return send_to_review(comment, f"{type(error).__name__}: {error}", version_name)
    status = {"publish": "published", "review": "review", "reject": "rejected"}[decision.outcome]
    # Core statements, not a flush: the hot path of every post. The loaded comment is told what was stored.
    db.session.connection().execute(PUBLISHED if status == "published" else DECIDED,
                                    {"comment_id": comment.id, "status": status, "audit_sample": sampled})
    set_committed_value(comment, "status", status)
    set_committed_value(comment, "audit_sample", sampled)  # a sample of automatic decisions goes to the audit queue
    if status == "published":
        set_committed_value(comment, "published_text", None)  # the edit is what readers see now
    verdict = insert_loaded(
        Verdict,
        comment_id=comment.id,
        model_version=version.name,
        decision=decision.outcome,
        scores=scores,
        thresholds=version.thresholds,
        reasons=assessment.reasons,
        rule_reasons=assessment.rule_reasons,
        broken_rules=decision.broken_rules + decision.doubtful_rules,
        spans=[list(span) for span in assessment.spans],
        language=assessment.language,
    )
    db.session.expire(comment, ["verdicts"])  # read again with the new verdict when next asked for
    statements.after_verdict(comment, verdict)  # a rejection's statement of reasons (DSA Art. 17)
    events.comment_event(comment, events.STATUS_EVENTS[comment.status])
    if comment.status == "published":
        messages.comment_published(comment)
    return verdict


def send_to_review(comment, error, version_name=None):
    """Record that the machine could not decide a comment, and put it before a moderator."""
    verdict = Verdict(comment=comment, model_version=version_name, decision="review", error=error[:2000])
    db.session.add(verdict)
    comment.status = "review"
    db.session.flush()
    events.comment_event(comment, "comment.review_entered")
    return verdict


def decide_stored_comment(comment_id):
    """Classify a stored comment and commit; if that fails, commit it to review in a fresh transaction.

    The one operation that commits: failing safe needs a transaction of its own after a failed one. If even that
    fails (the database is gone) the comment stays pending, and sweep_pending() sends it to review later.
    Returns the verdict, or None when nothing could be stored."""
    try:
        verdict = classify_comment(db.session.get(Comment, comment_id))
        db.session.commit()
        return verdict
    except Exception as error:
        current_app.logger.exception("storing the decision on comment %s failed; it goes to review", comment_id)
        db.session.rollback()
        problem = f"the decision could not be stored ({type(error).__name__}: {error})"
    try:
        comment = db.session.get(Comment, comment_id)
        if comment.status != "pending":  # the failed commit did land after all
            return comment.verdict
        verdict = send_to_review(comment, problem)
        db.session.commit()
        return verdict
    except Exception:
        current_app.logger.exception("comment %s stays pending until the sweeper reaches it", comment_id)
        db.session.rollback()
        return None


def sweep_pending(older_than=PENDING_SWEEP_SECONDS):
    """Send every comment pending longer than `older_than` seconds to review, saying why; returns how many.

    A comment is pending only between being stored and being decided; one still pending after a minute lost its
    decision (a worker killed between the two commits, a database error), and only a moderator can decide it now.
    The update is conditional, so a worker that decides the comment meanwhile wins."""
    cutoff = utcnow() - timedelta(seconds=older_than)
    stranded = db.session.execute(
        select(Comment.id, Comment.created_at).where(Comment.status == "pending", Comment.created_at < cutoff)
        .order_by(Comment.id).limit(5000)
    ).all()
    swept = 0
    for comment_id, created_at in stranded:
        moved = db.session.execute(
            update(Comment).where(Comment.id == comment_id, Comment.status == "pending").values(status="review")
            .execution_options(synchronize_session=False)
        ).rowcount
        if moved:
            waited = (utcnow() - as_utc(created_at)).total_seconds()
            db.session.add(Verdict(
                comment_id=comment_id, decision="review",
                error=f"still pending after {waited:.0f} s: its decision was never stored "
                      "(the worker stopped or the database failed), so a moderator decides it",
            ))
            swept += 1
            db.session.flush()
            events.comment_event(db.session.get(Comment, comment_id), "comment.review_entered")
    db.session.flush()
    return swept


def review_comment(comment_id, moderator, action, reason=None, note="", revision=None, source="moderator",
                   facts=None):
    """Record a moderator's decision, or reverse an earlier one; a rejection issues a statement of reasons
    (`source` and `facts` say when it answers a notice of illegal content) and an approval of a rejected or hidden
    comment records the reversal of the statement that stood (`source` "appeal" when an appeal reversed it).

    A conditional update: without `revision` only a comment still waiting for review is decided;
    with it, only a comment nobody has decided since that revision. A comment held by another
    moderator is refused too. Open reports are upheld by a rejection and dismissed by an approval.
    """
    if action not in ("approve", "reject"):
        raise OperationError("Unknown action.")
    if action == "reject" and reason not in REVIEW_REASONS:
        raise OperationError("Choose a reason for the rejection.")
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise OperationError("That comment does not exist.")
    if comment.author_id == moderator.id:
        raise OperationError("You cannot decide your own comment; another moderator will.")
    before = {"status": comment.status, "hidden": comment.hidden}
    kept_text = comment.published_text
    now = utcnow()
    new_status = "published" if action == "approve" else "rejected"
    seen = Comment.status == "review" if revision is None else Comment.revision == revision
    changed = db.session.execute(
        update(Comment)
        .where(
            Comment.id == comment_id,
            seen,
            or_(Comment.held_by_id.is_(None), Comment.held_by_id == moderator.id, Comment.held_until < now),
        )
        .values(status=new_status, hidden=False, revision=Comment.revision + 1, held_by_id=None, held_until=None,
                published_text=None)  # the moderator saw both texts and decides the comment as a whole
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        db.session.refresh(comment)
        until = as_utc(comment.held_until)
        if comment.held_by_id not in (None, moderator.id) and until and until > now:
            raise OperationError(
                f"{comment.held_by.display_name} is working on this comment until {until:%H:%M} UTC; it was not changed."
            )
        raise OperationError("This comment was already decided by another moderator.")
    db.session.refresh(comment)
    review = Review(
        comment_id=comment_id,
        moderator=moderator,
        action=action,
        reason=reason if action == "reject" else None,
        note=note,
        previous_status=before["status"] if revision is not None else "review",
        previous_published_text=kept_text,
    )
    db.session.add(review)
    db.session.flush()
    statements.after_review(comment, review, source, facts, before["status"] == "rejected" or before["hidden"])
    db.session.execute(
        update(Report)
        .where(Report.comment_id == comment_id, Report.outcome.is_(None))
        .values(outcome="upheld" if action == "reject" else "dismissed", review_id=review.id)
        .execution_options(synchronize_session=False)
    )
    after = {"status": new_status, "hidden": False, "reason": review.reason, "note": note}
    record_audit(moderator, action, "comment", comment_id, before, after)
    events.comment_event(comment, "comment.review_left", {"decision": action, "reason": review.reason,
                                                          "previous_status": before["status"]})
    events.comment_event(comment, events.STATUS_EVENTS[new_status])
    if action == "approve":
        messages.comment_published(comment)
    messages.comment_decided(comment, review)
    return review


def undo_review(review_id, moderator):
    """Take back one's own latest decision on a comment, if nobody has decided it since: its status, the published
    text an edit had kept up, and its reports' and hiding's state come back as they were."""
    review = db.session.get(Review, review_id)
    if review is None or review.moderator_id != moderator.id:
        raise OperationError("There is no decision of yours to undo.")
    comment = db.session.get(Comment, review.comment_id)
    latest = db.session.scalar(select(func.max(Review.id)).where(Review.comment_id == comment.id))
    status_now = "published" if review.action == "approve" else "rejected"
    changed = latest == review.id and db.session.execute(
        update(Comment)
        .where(Comment.id == comment.id, Comment.revision == comment.revision, Comment.status == status_now)
        .values(status=review.previous_status, published_text=review.previous_published_text,
                revision=Comment.revision + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise OperationError("Someone has decided this comment since; your decision can no longer be undone.")
    db.session.execute(
        update(Report).where(Report.review_id == review.id).values(outcome=None, review_id=None)
        .execution_options(synchronize_session=False)
    )
    statements.after_undo(comment, review, moderator)  # the rejection's statement is reversed, or stands again
    db.session.delete(review)
    db.session.flush()
    db.session.refresh(comment)
    readers_see = comment.status == "published" or comment.published_text is not None
    comment.hidden = readers_see and open_report_weight(comment.id) >= REPORT_HIDE_WEIGHT
    record_audit(
        moderator, "undo", "comment", comment.id,
        {"status": status_now, "reason": review.reason},
        {"status": comment.status, "hidden": comment.hidden},
    )
    events.comment_event(comment, events.STATUS_EVENTS[comment.status])
    return comment


def hold_comment(comment_id, moderator):
    """Claim a comment for HOLD_MINUTES unless another moderator holds it; returns the holder."""
    now = utcnow()
    db.session.execute(
        update(Comment)
        .where(
            Comment.id == comment_id,
            or_(Comment.held_by_id.is_(None), Comment.held_by_id == moderator.id, Comment.held_until < now),
        )
        .values(held_by_id=moderator.id, held_until=now + timedelta(minutes=HOLD_MINUTES))
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise OperationError("That comment does not exist.")
    db.session.refresh(comment)
    return comment.held_by


def release_hold(comment_id, moderator):
    """Let go of one's own hold on a comment (moving on, closing the page); another's hold is left alone."""
    released = db.session.execute(
        update(Comment).where(Comment.id == comment_id, Comment.held_by_id == moderator.id)
        .values(held_by_id=None, held_until=None).execution_options(synchronize_session=False)
    ).rowcount
    db.session.flush()
    return bool(released)


def open_report_weight(comment_id):
    """The summed weight of a comment's reports still waiting for a moderator."""
    return db.session.scalar(
        select(func.coalesce(func.sum(Report.weight), 0.0)).where(
            Report.comment_id == comment_id, Report.outcome.is_(None)
        )
    )


def reporter_weight(reporter):
    """1 for a new reporter, up to 3 for one whose reports were upheld, 0.5 for one mostly dismissed."""
    counts = dict(
        db.session.execute(
            select(Report.outcome, func.count(Report.id))
            .where(Report.reporter_id == reporter.id, Report.outcome.is_not(None))
            .group_by(Report.outcome)
        ).all()
    )
    upheld, dismissed = counts.get("upheld", 0), counts.get("dismissed", 0)
    if dismissed > upheld + 2:
        return 0.5
    return 1.0 + 0.5 * min(upheld, 4)


def report_comment(comment, reporter, reason):
    """A reader reports a published comment; enough weight hides it until a moderator decides."""
    if reason not in REVIEW_REASONS:
        raise OperationError("Choose why you are reporting this comment.")
    if comment.author_id == reporter.id:
        raise OperationError("You cannot report your own comment.")
    if comment.status != "published":
        raise OperationError("Only published comments can be reported.")
    if db.session.scalar(
        select(Report.id).where(Report.comment_id == comment.id, Report.reporter_id == reporter.id)
    ):
        raise OperationError("You have already reported this comment.")
    report = Report(comment=comment, reporter=reporter, reason=reason, weight=reporter_weight(reporter))
    db.session.add(report)
    db.session.flush()
    events.comment_event(comment, "comment.reported", {"reason": reason})
    if not comment.hidden and open_report_weight(comment.id) >= REPORT_HIDE_WEIGHT:
        comment.hidden = True
        db.session.flush()
        statements.after_hiding(comment, REPORT_HIDE_WEIGHT)
        events.comment_event(comment, "comment.hidden", {"reason": "reports"})
    return report


def set_standing(author, moderator, standing, until=None, note="", reject_waiting=False, reject_reason="other"):
    """Warn, pre-moderate, suspend until a date, ban (optionally rejecting waiting comments for a reason) or restore."""
    if standing not in STANDINGS:
        raise OperationError("Unknown standing.")
    if standing == "suspended" and (until is None or as_utc(until) <= utcnow()):
        raise OperationError("A suspension needs an end date in the future.")
    if author.role != "reader":
        raise OperationError("Only readers' standing can be changed here.")
    if reject_waiting and reject_reason not in REVIEW_REASONS:
        raise OperationError("Choose the rule the waiting comments broke.")
    before = {"standing": author.standing, "suspended_until": _iso(author.suspended_until)}
    author.standing = standing
    author.suspended_until = until if standing == "suspended" else None
    rejected = 0
    if standing == "banned" and reject_waiting:
        waiting = db.session.scalars(
            select(Comment.id).where(Comment.author_id == author.id, Comment.status == "review")
        ).all()
        for comment_id in waiting:
            try:
                review_comment(comment_id, moderator, "reject", reject_reason, note)
                rejected += 1
            except OperationError:
                pass  # decided or held by someone else meanwhile
    after = {"standing": standing, "suspended_until": _iso(author.suspended_until), "rejected_waiting": rejected}
    record_audit(moderator, "standing", "user", author.id, before, after, note)
    db.session.flush()
    return rejected


def _iso(moment):
    return moment.isoformat() if moment else None


def get_setting(key):
    """A run-time setting's value, or its default."""
    return get_settings(key)[0]


def get_settings(*keys):
    """Several run-time settings' values (or their defaults), in the order asked for.

    Within a request every stored setting is read in one query the first time one is asked for (a post asks on each
    side of its first commit), and kept for that request only; outside a request they are read each time. So a
    change made on any host applies to the next comment."""
    if not has_request_context():
        stored = dict(db.session.connection().execute(SETTINGS, {"keys": list(keys)}).all())
    elif SETTINGS_READ in request.environ:
        stored = request.environ[SETTINGS_READ]
    else:
        stored = request.environ[SETTINGS_READ] = dict(db.session.connection().execute(ALL_SETTINGS).all())
    return [stored[key] if key in stored else DEFAULT_SETTINGS[key] for key in keys]


def profanity_setting(value=None):
    """The house rule for profanity that attacks nobody: allow, review (the default) or reject.

    The one place it is read: the comment path, the APIs, `score` and the house rules shown to readers. `value`: the
    setting as already read with others (get_settings), else it is read here."""
    value = get_setting("profanity") if value is None else value
    return value if value in profanity.SETTINGS else profanity.DEFAULT


@event.listens_for(Setting, "after_insert")
@event.listens_for(Setting, "after_update")
@event.listens_for(Setting, "after_delete")
def _forget_settings_read(_mapper, _connection, _setting):
    """Any write of a setting, by whichever module, makes the request's next get_settings read them again."""
    if has_request_context():
        request.environ.pop(SETTINGS_READ, None)


def set_setting(key, value, admin):
    """Change a run-time setting, recorded in the audit log."""
    before = get_setting(key)
    row = db.session.get(Setting, key) or Setting(key=key)
    row.value = value
    db.session.add(row)
    record_audit(admin, "setting", "setting", None, {key: before}, {key: value})
    db.session.flush()


def record_audit(actor, action, target_type, target_id, before=None, after=None, note=""):
    """Append one moderator or admin action to the audit log."""
    event = AuditEvent(
        actor_id=actor.id if actor else None, action=action, target_type=target_type,
        target_id=target_id, before=before or {}, after=after or {}, note=note or "",
    )
    db.session.add(event)
    db.session.flush()
    return event


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


def moderator_decisions():
    """Every moderator decision that can label a rule, oldest first: (review_id, text, {rule: 0/1}).

    Only a comment's latest decision counts (a reversal replaces the first). An approval says the
    comment breaks no rule; a rejection labels the rule its reason names. Rejections for spam or
    "other" name no rule and are skipped; automatic verdicts never count. Erased texts and the comments of
    deleted accounts are left out (moderation/privacy).
    """
    rows = db.session.execute(
        select(Review.id, Comment.id, Comment.text, Review.action, Review.reason)
        .join(Review, Review.comment_id == Comment.id)
        .join(User, User.id == Comment.author_id)
        # Texts erased by retention and every comment of a deleted account never reach a training set.
        .where(Comment.text_removed_at.is_(None), User.deleted_at.is_(None))
        .order_by(Review.id)
    )
    latest = {comment_id: (review_id, text, action, reason) for review_id, comment_id, text, action, reason in rows}
    decisions = []
    for review_id, text, action, reason in sorted(latest.values(), key=lambda row: row[0]):
        if action == "approve":
            decisions.append((review_id, text, dict.fromkeys(RULES, 0)))
        elif action == "reject" and reason in RULES:
            decisions.append((review_id, text, {reason: 1}))
    return decisions


def split_decisions(decisions):
    """(training, held_back): the newest fifth is held back for comparisons and never trained on.

    Among training decisions on the same text the newest wins; a text also held back is left out.
    """
    cut = len(decisions) - len(decisions) // 5
    held_back = [(text, labels) for _, text, labels in decisions[cut:]]
    held_texts = {text.strip().lower() for text, _ in held_back}
    newest = {}
    for _, text, labels in decisions[:cut]:
        key = text.strip().lower()
        if key not in held_texts:
            newest.pop(key, None)
            newest[key] = (text, labels)
    return list(newest.values()), held_back


def training_examples():
    """Moderators' decisions to train on: (text, {rule: 0/1}), the held-back fifth excluded."""
    return split_decisions(moderator_decisions())[0]
