"""Classifier versions for admins: artifact health, side-by-side figures, threshold what-if and edits."""
import math

from sqlalchemy import select

from classifiers import RULES, compare, store
from moderation.extensions import db
from moderation.models import Comment, Review, Verdict
from moderation.operations import OperationError
from moderation.pipeline import decide

WHAT_IF_VERDICTS = 500
OUTCOMES = ("publish", "review", "reject")


_digests = {}


def _sha256(path):
    """The file's sha256, recomputed only when its size or modification time changes."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _digests:
        _digests[key] = store.sha256_of(path)
    return _digests[key]


def artifact_problem(models_dir, version):
    """None when the version's artifact is present and matches the recorded sha256, else what is wrong."""
    try:
        model, card = store.artifact_paths(models_dir, version.name)
    except store.ArtifactError:
        return f"the version name {version.name!r} cannot name an artifact"
    if not model.is_file():
        return f"the artifact {model.name} is missing from {models_dir}"
    if not card.is_file():
        return f"the model card {card.name} is missing from {models_dir}"
    if _sha256(model) != version.sha256:
        return f"{model.name} does not match the sha256 recorded when it was registered (corrupt or replaced)"
    return None


def comparison_rows(card):
    """Rows (section, label, candidate, active, worse) from a version's stored comparison, or []."""
    comparison = card.get("comparison") or {}
    candidate, active = comparison.get("candidate"), comparison.get("active") or {}
    if not candidate:
        return []
    rows = []
    sections = (("held_back", "Held-back moderator decisions"), ("feedback_held_back", "Held-back API feedback labels"),
                ("validation", "Corpora validation split"))
    for section, title in sections:
        if section not in candidate and section not in active:
            continue
        mine, theirs = candidate.get(section, {}), active.get(section, {})
        rows.append((title, "rows", mine.get("rows"), theirs.get("rows"), False))
        for rule in RULES:
            for figure in ("roc_auc", "precision", "recall", "recall_with_review"):
                a = mine.get("rules", {}).get(rule, {}).get(figure)
                b = theirs.get("rules", {}).get(rule, {}).get(figure)
                if a is not None or b is not None:
                    rows.append((title, f"{rule} {figure.replace('_', ' ')}", a, b, compare.is_worse(figure, a, b)))
        for figure in ("auto_decided", "disagreements"):
            a, b = mine.get(figure), theirs.get(figure)
            rows.append((title, figure.replace("_", " "), a, b, compare.is_worse(figure, a, b)))
    for figure in ("identity_flagged", "identity_rejected"):
        a, b = candidate.get("identity", {}).get(figure), active.get("identity", {}).get(figure)
        rows.append(("Identity-term check (neutral sentences)", figure.replace("_", " "), a, b,
                     compare.is_worse(figure, a, b)))
    return rows


def parse_thresholds(values, base):
    """Thresholds from form or query values named RULE-review / RULE-reject; OperationError if invalid."""
    chosen, problems = {}, []
    for rule in RULES:
        limits = {}
        for kind in ("review", "reject"):
            raw = values.get(f"{rule}-{kind}", base[rule][kind])
            try:
                limits[kind] = float(raw)
            except (TypeError, ValueError):
                problems.append(f"{rule} {kind}: {str(raw)[:20]!r} is not a number")
                continue
            if not math.isfinite(limits[kind]) or not 0.0 <= limits[kind] <= 1.0:
                problems.append(f"{rule} {kind} must lie between 0 and 1")
        if len(limits) == 2 and limits["review"] > limits["reject"]:
            problems.append(f"{rule}: the review threshold must not exceed the reject threshold")
        chosen[rule] = limits
    if problems:
        raise OperationError("; ".join(problems))
    return chosen


def save_thresholds(version, thresholds):
    """Store new thresholds for a version (they apply to comments judged from now on)."""
    version.thresholds = {rule: dict(thresholds[rule]) for rule in RULES}
    db.session.flush()


def _recent_verdicts(limit):
    """The newest machine verdicts that carry scores, with the comment's words and the moderator's action."""
    rows = db.session.execute(
        select(Verdict.comment_id, Verdict.scores, Comment.text)
        .join(Comment, Comment.id == Verdict.comment_id)
        .where(Verdict.error.is_(None))
        .order_by(Verdict.id.desc())
        .limit(limit)
    ).all()
    ids = [row.comment_id for row in rows]
    actions = dict(db.session.execute(
        select(Review.comment_id, Review.action).where(Review.comment_id.in_(ids)).order_by(Review.id)
    ).all()) if ids else {}
    return [(row.scores, len(row.text.split()), actions.get(row.comment_id))
            for row in rows if row.scores and all(rule in row.scores for rule in RULES)]


def what_if(thresholds, limit=WHAT_IF_VERDICTS):
    """Replay the newest verdicts' stored scores under thresholds: outcomes and disagreements with moderators."""
    counts = dict.fromkeys(OUTCOMES, 0)
    disagree = reviewed = 0
    for scores, words, action in _recent_verdicts(limit):
        outcome = decide(scores, thresholds, words).outcome
        counts[outcome] += 1
        if action is not None:
            reviewed += 1
            disagree += (action == "approve" and outcome == "reject") or (action == "reject" and outcome == "publish")
    return {**counts, "replayed": sum(counts.values()), "reviewed": reviewed, "disagree": disagree}
