"""Classifier versions: artifacts shared through the database, artifact health, side-by-side figures, threshold
what-if and edits."""
import hashlib
import json
import math
import os
import tempfile

from sqlalchemy import select

from classifiers import RULES, store
from classifiers.evaluation import compare
from moderation.extensions import db
from moderation.models import Comment, ModelArtifact, ModelVersion, Review, Verdict
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


def active_version():
    """The active version's name, sha256 and thresholds (one small indexed query), or None.

    Every host asks this for each comment (no cache across requests): a version promoted on any host is used
    everywhere from the next comment. The bundle itself is loaded once per process (pipeline.load_bundle)."""
    return db.session.execute(
        select(ModelVersion.name, ModelVersion.sha256, ModelVersion.thresholds).where(ModelVersion.active)
    ).first()


def share_artifact(models_dir, name, sha256):
    """Store a saved version's artifact in the database (model_artifacts) so every host can fetch it; flushes.

    Refuses a file that no longer matches the sha256 recorded for it; a version already shared is left alone."""
    model, _ = store.artifact_paths(models_dir, name)
    content = model.read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    if digest != sha256:
        raise store.ArtifactError(f"{model.name} does not match the sha256 recorded for {name}; not shared")
    if db.session.scalar(select(ModelArtifact.id).where(ModelArtifact.name == name)) is None:
        db.session.add(ModelArtifact(name=name, sha256=digest, size=len(content), content=content))
        db.session.flush()
    return digest


def share_local_artifacts(models_dir):
    """Share every registered version whose verified artifact lies here but not yet in the database (versions
    trained before artifacts were shared); returns the names shared."""
    shared_names = set(db.session.scalars(select(ModelArtifact.name)))
    shared = []
    for version in db.session.scalars(select(ModelVersion).order_by(ModelVersion.id)):
        if version.name not in shared_names and _local_problem(models_dir, version) is None:
            share_artifact(models_dir, version.name, version.sha256)
            shared.append(version.name)
    return shared


def _shared_sha256(name):
    """The sha256 recorded with the database's copy of a version's artifact, or None if it holds none."""
    return db.session.scalar(select(ModelArtifact.sha256).where(ModelArtifact.name == name))


def fetch_artifact(models_dir, version):
    """Write this host's copy of a version's artifact (and its card) from the database, after checking the bytes
    against the sha256 recorded at registration. False if the database holds no copy; ArtifactError if its
    copy does not match. The file is written to a temporary name and renamed, so a process never reads half."""
    model, card = store.artifact_paths(models_dir, version.name)
    row = db.session.execute(select(ModelArtifact.sha256, ModelArtifact.content)
                             .where(ModelArtifact.name == version.name)).first()
    if row is None:
        return False
    if row.sha256 != version.sha256 or hashlib.sha256(row.content).hexdigest() != version.sha256:
        raise store.ArtifactError(f"the database's copy of {version.name} does not match the sha256 recorded when "
                                  "it was registered; refusing it")
    metadata = db.session.scalar(select(ModelVersion.card).where(ModelVersion.name == version.name)) or {}
    metadata = {**metadata, "name": version.name, "sha256": version.sha256}
    model.parent.mkdir(parents=True, exist_ok=True)
    for path, content in ((model, row.content), (card, json.dumps(metadata, indent=2, sort_keys=True).encode())):
        handle, temporary = tempfile.mkstemp(dir=model.parent, prefix=f".{path.name}.")
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temporary, path)
    return True


def load_verified(models_dir, version):
    """Load a version's bundle from this host's verified copy; a missing or damaged copy is fetched from the
    database first (pipeline.load_bundle calls this once per process and version)."""
    try:
        return store.load(models_dir, version.name, version.sha256)
    except store.ArtifactError:
        if not fetch_artifact(models_dir, version):
            raise
    return store.load(models_dir, version.name, version.sha256)


def artifact_problem(models_dir, version, fetch=False):
    """None when the version's artifact can be used on this host, else what is wrong.

    Usable: this host's copy matches the recorded sha256, or the database holds a copy recorded with that sha256
    (fetched when first used). With fetch, a missing or damaged local copy is fetched and checked now, as
    promoting needs."""
    problem = _local_problem(models_dir, version)
    if problem is None or _shared_sha256(version.name) != version.sha256:
        return problem
    if not fetch:
        return None
    try:
        fetch_artifact(models_dir, version)
    except store.ArtifactError as error:
        return str(error)
    return _local_problem(models_dir, version)


def _local_problem(models_dir, version):
    """None when this host's copy of the artifact is present and matches the recorded sha256, else what is wrong."""
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
