"""Figures on the functional validation set (classifiers/heldout/functional.tsv): each hateful case beside its civil twin."""
from pathlib import Path

import numpy as np

from classifiers.thresholds import decision_of

FUNCTIONAL = Path(__file__).parents[1] / "heldout" / "functional.tsv"
# Written after the rule stages in other words, to check they generalise beyond functional.tsv's phrasings.
FUNCTIONAL_SECOND = Path(__file__).parents[1] / "heldout" / "functional_second.tsv"
SECOND_FIGURES = ("hate_published", "accuracy", "counter_speech_rejected", "counter_speech_published",
                  "things_published")
# The categories of hate and of what only looks like it (each hateful case beside its civil twin).
HATE_CATEGORIES = ("derogation", "dehumanising", "threat_direct", "threat_should", "slur", "hate_question",
                   "hate_opinion", "spelling_swapped", "spelling_dropped", "spelling_spaced", "spelling_digits",
                   "counter_quote", "negated", "identity_neutral", "identity_positive")
# Civil texts that quote or deny hate, or only name an identity: must be published.
COUNTER_CATEGORIES = ("counter_quote", "negated", "identity_neutral", "identity_positive")


def functional_cases(path=None):
    """[(category, expected, text)] of a functional validation set (functional.tsv unless path is given)."""
    lines = (path or FUNCTIONAL).read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("\t", 2)) for line in lines if line.strip() and not line.startswith("# ")]


def _met(expected, assessment, th):
    """Whether one case came out as expected."""
    s, verdict = assessment.scores, decision_of(assessment, th)
    if expected == "hate":
        return verdict != "publish"
    if expected == "civil":
        return verdict == "publish"
    if expected == "figure":  # abuse (the review band at least), not a personal attack
        return s["abuse"] >= th["abuse"]["review"] and s["personal_attack"] < th["personal_attack"]["review"]
    if expected == "attack":
        return s["personal_attack"] >= th["personal_attack"]["review"]
    if expected == "profanity":  # a newsroom's choice: never rejected, marked as profanity
        return verdict != "reject" and getattr(assessment, "profanity", False)
    if expected == "fragment":
        return s["not_sentences"] >= th["not_sentences"]["review"]
    return s["not_sentences"] < th["not_sentences"]["review"]  # "sentence"


def _share(flags):
    return float(np.mean(flags)) if len(flags) else 0.0


def functional_figures(bundle, th):
    """Share of cases met per category and for each of issue 17's floors; the headline ones on the second set."""
    second = _figures(bundle, th, FUNCTIONAL_SECOND)
    return {**_figures(bundle, th, FUNCTIONAL),
            **{f"functional_second_{name}": second[f"functional_{name}"] for name in SECOND_FIGURES}}


def _figures(bundle, th, path):
    cases = functional_cases(path)
    assessed = bundle.assess_many([text for _, _, text in cases])
    rows = [(c, e, a, decision_of(a, th), _met(e, a, th)) for (c, e, _), a in zip(cases, assessed)]
    hate_rows = [r for r in rows if r[0] in HATE_CATEGORIES]
    counter = [r for r in rows if r[0] in COUNTER_CATEGORIES and r[1] == "civil"]
    figures = {
        "functional_hate_published": _share([v == "publish" for c, e, _, v, _ in hate_rows if e == "hate"]),
        "functional_accuracy": _share([ok for *_, ok in hate_rows]),
        "functional_counter_speech_rejected": _share([v == "reject" for *_, v, _ in counter]),
        "functional_counter_speech_published": _share([v == "publish" for *_, v, _ in counter]),
        "functional_things_published": _share([ok for c, e, *_, ok in rows if c == "things" and e == "civil"]),
        "functional_public_figures_abuse_not_attack": _share([ok for c, e, *_, ok in rows if e == "figure"]),
        "functional_attacks_caught": _share([ok for c, e, *_, ok in rows if e == "attack"]),
        "functional_profanity_rejected": _share([v == "reject" for c, e, _, v, _ in rows if e == "profanity"]),
        "functional_profanity_marked": _share([getattr(a, "profanity", False) for c, e, a, *_ in rows
                                               if e == "profanity"]),
        "functional_fragments_caught": _share([ok for c, e, *_, ok in rows if e == "fragment"]),
        "functional_sentences_kept": _share([ok for c, e, *_, ok in rows if e == "sentence"]),
    }
    for category in dict.fromkeys(c for c, *_ in rows):
        figures[f"functional_{category}_accuracy"] = _share([ok for c, *_, ok in rows if c == category])
    return figures
