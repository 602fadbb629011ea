"""Evaluate versions side by side on the same labelled texts: held-back decisions, validation split, identity."""
import random

import numpy as np
from sklearn.metrics import roc_auc_score

from classifiers import RULES, corpora
from classifiers.abuse import ABUSE_RULES
from classifiers.evaluation import decision, identity_check
from classifiers.training import split_of

# Figures where a lower value is better; every other figure is better when higher.
LOWER_IS_BETTER = {"identity_flagged", "identity_rejected", "disagreements"}
MAX_VALIDATION = 5000
TOLERANCE = 0.001


def validation_set(data_dir, limit=None, seed=0):
    """The corpora's validation split as (text, {rule: 0/1}) pairs, at most MAX_VALIDATION of them."""
    items = []
    for ex in corpora.read_abuse_examples(data_dir, limit, seed):
        if split_of(ex.split_key, seed) == "validation":
            labels = {rule: getattr(ex, rule) for rule in ABUSE_RULES if getattr(ex, rule) is not None}
            items.append((ex.text, {**labels, "not_english": 0}))
    romanized, devanagari = corpora.read_hindi(data_dir, limit)
    items += [(text, {"not_english": 1}) for text in romanized + devanagari if split_of(text, seed) == "validation"]
    if len(items) > MAX_VALIDATION:
        items = random.Random(seed).sample(items, MAX_VALIDATION)
    return items


def figures(bundle, thresholds, items):
    """Per rule ROC AUC, precision and recall at the thresholds; share decided automatically; disagreements."""
    out = {"rows": len(items), "rules": {}, "auto_decided": None, "disagreements": None}
    if not items:
        return out
    scored = [a.scores for a in bundle.assess_many([text for text, _ in items])]
    for rule in RULES:
        pairs = [(s[rule], labels[rule]) for s, (_, labels) in zip(scored, items) if labels.get(rule) is not None]
        if not pairs:
            continue
        p = np.array([x for x, _ in pairs])
        y = np.array([int(v) for _, v in pairs])
        rejected, flagged = p >= thresholds[rule]["reject"], p >= thresholds[rule]["review"]
        row = {"labelled": len(y), "positives": int(y.sum())}
        if 0 < y.sum() < len(y):
            row["roc_auc"] = float(roc_auc_score(y, p))
        if rejected.any():
            row["precision"] = float(y[rejected].mean())
        if y.sum():
            row["recall"] = float(rejected[y == 1].mean())
            row["recall_with_review"] = float(flagged[y == 1].mean())
        out["rules"][rule] = {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}
    outcomes = [decision(s, thresholds) for s in scored]
    out["auto_decided"] = round(float(np.mean([o != "review" for o in outcomes])), 4)
    broke = [any(v == 1 for v in labels.values()) for _, labels in items]
    kept = [all(v == 0 for v in labels.values()) for _, labels in items]
    out["disagreements"] = sum((o == "reject" and k) or (o == "publish" and b)
                               for o, b, k in zip(outcomes, broke, kept))
    return out


def evaluate(bundle, thresholds, held_back, validation, feedback_held=()):
    """Every comparison figure for one version; API clients' held-back labels, when any, as a section of their own."""
    result = {"held_back": figures(bundle, thresholds, held_back),
              "validation": figures(bundle, thresholds, validation),
              "identity": identity_check(bundle, thresholds)}
    if feedback_held:
        result["feedback_held_back"] = figures(bundle, thresholds, list(feedback_held))
    return result


def is_worse(name, candidate, active):
    """True when the candidate's figure is worse than the active version's beyond a rounding tolerance."""
    if candidate is None or active is None:
        return False
    if name in LOWER_IS_BETTER:
        return candidate > active + TOLERANCE
    return candidate < active - TOLERANCE
