"""Choose review and reject thresholds on validation data for a target precision and recall."""
import numpy as np

from classifiers import RULES
from classifiers.rules import profanity

REJECT_PRECISION, REVIEW_RECALL = 0.95, 0.90
# Never reject on fewer than this many validation positives above the threshold.
MIN_EVIDENCE = 10
NO_EVIDENCE_REJECT = 0.99


def choose(probabilities, labels):
    """{"review", "reject"}: reject = lowest threshold with precision >= 0.95; review keeps recall >= 0.90."""
    p, y = np.asarray(probabilities, dtype=float), np.asarray(labels, dtype=int)
    order = np.argsort(-p)
    p, y = p[order], y[order]
    tp = np.cumsum(y)
    precision = tp / np.arange(1, len(y) + 1)
    recall = tp / max(1, y.sum())
    # Only cut between distinct scores: index i means "flag everything with p >= p[i]".
    last_of_value = np.r_[p[1:] != p[:-1], True]
    ok = last_of_value & (precision >= REJECT_PRECISION) & (tp >= MIN_EVIDENCE)
    reject = float(p[np.flatnonzero(ok)[-1]]) if ok.any() else NO_EVIDENCE_REJECT
    reached = np.flatnonzero(last_of_value & (recall >= REVIEW_RECALL))
    review = float(p[reached[0]]) if len(reached) else 0.05
    review = min(max(review, 0.05), reject - 0.01 if reject > 0.06 else reject)
    return {"review": round(review, 6), "reject": round(min(reject, NO_EVIDENCE_REJECT), 6)}


def decision(scores, th, profanity_setting=None):
    """The outcome the rules alone give: reject, review or publish.

    profanity_setting: the site's setting (classifiers.rules.profanity) when the comment is profanity only."""
    if any(scores[r] >= th[r]["reject"] for r in RULES):
        verdict = "reject"
    else:
        verdict = "review" if any(scores[r] >= th[r]["review"] for r in RULES) else "publish"
    if profanity_setting is None:
        return verdict
    flagged = {r for r in RULES if scores[r] >= th[r]["review"]}
    return profanity.outcome(profanity_setting, verdict, flagged <= {"abuse", "personal_attack"})


def decision_of(assessment, th):
    """decision() for an assessment, profanity decided by the default setting."""
    return decision(assessment.scores, th, profanity.DEFAULT if assessment.profanity else None)
