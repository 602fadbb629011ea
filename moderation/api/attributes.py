"""Perspective's attributes computed from the house-rule classifiers, by one documented mapping.

  TOXICITY         the higher of ABUSE and PERSONAL_ATTACK
  SEVERE_TOXICITY  TOXICITY scaled by how near the rule's reject threshold it is: equal to TOXICITY
                   where the house rules reject, falling off in proportion below
  INSULT           PERSONAL_ATTACK
  IDENTITY_ATTACK  ABUSE times the chance the abuse is aimed at a group (the version's target model,
                   OLID subtask C); a text naming an identity counts as aimed at a group
  THREAT           the ABUSE score of the sentences that carry a threat ("kill", "should be shot",
                   "watch your back"), 0 when none does
  PROFANITY        the ABUSE score of the swear words alone, 0 when there are none
  ABUSE, PERSONAL_ATTACK, NOT_ENGLISH, NOT_SENTENCES   the house rules' own calibrated probabilities
"""
import re

import numpy as np

from classifiers.identity import is_identity_term

HOUSE_RULES = {"ABUSE": "abuse", "PERSONAL_ATTACK": "personal_attack",
               "NOT_ENGLISH": "not_english", "NOT_SENTENCES": "not_sentences"}
PERSPECTIVE = ("TOXICITY", "SEVERE_TOXICITY", "INSULT", "IDENTITY_ATTACK", "THREAT", "PROFANITY")
ATTRIBUTES = PERSPECTIVE + tuple(HOUSE_RULES)

_SENTENCE_RE = re.compile(r"[^.!?\n]+[.!?]*")
THREAT_RE = re.compile(
    r"\b(kill|killed|murder|shoot|shot|stab|hang|hanged|lynch|burn|beat|beaten|hurt|strangle|choke|rape|"
    r"execute|executed|slaughter|exterminate|gas|bomb|die|dead|bullet|gun|knife|watch your back|find you|"
    r"coming for you|pay for this|make you pay|deserves? to (die|suffer)|should be (shot|hanged|killed|"
    r"beaten|burned|executed|locked up|gassed))\b", re.IGNORECASE)
PROFANE_RE = re.compile(
    r"\b(fuck\w*|f\*+k\w*|motherfuck\w*|shit\w*|bullshit|crap\w*|damn\w*|goddamn\w*|hell|bastard\w*|bitch\w*|"
    r"ass|asses|arse\w*|asshole\w*|dick\w*|cock\w*|piss\w*|pissed|bloody|bollocks|wank\w*|twat\w*|cunt\w*|"
    r"prick\w*|slut\w*|whore\w*|douche\w*|jackass\w*|dumbass\w*|wtf|stfu)\b", re.IGNORECASE)


def sentences_with(pattern, text):
    """The sentences of a text in which the pattern occurs, joined; '' when none."""
    return " ".join(s.strip() for s in _SENTENCE_RE.findall(text) if pattern.search(s))


def group_chance(bundle, texts):
    """Per text, the chance that abuse in it is aimed at a group rather than a person or a thing."""
    model = getattr(bundle, "target_model", None)
    named = np.array([any(is_identity_term(w) for w in re.findall(r"\w+", t)) for t in texts], dtype=float)
    if model is None or not len(texts):
        return named
    column = list(model.model.classes_).index("GRP")
    return np.maximum(model.model.predict_proba(model.words.transform(list(texts)))[:, column], named)


def _abuse_where(bundle, parts):
    """The ABUSE probability of each non-empty part, 0 for an empty one."""
    wanted = [i for i, part in enumerate(parts) if part]
    out = np.zeros(len(parts))
    if wanted:
        out[wanted] = bundle.abuse_models.predict_proba([parts[i] for i in wanted])["abuse"]
    return out


def _severe(scores, thresholds):
    rule = max(("abuse", "personal_attack"), key=lambda r: scores[r])
    reject = thresholds[rule]["reject"]
    p = scores[rule]
    return p if p >= reject or reject <= 0 else p * p / reject


def score_texts(bundle, thresholds, texts, rule_scores, wanted):
    """{attribute: probability} for each text, given its house-rule scores; only the wanted attributes."""
    wanted = set(wanted)
    groups = group_chance(bundle, texts) if "IDENTITY_ATTACK" in wanted else None
    threats = _abuse_where(bundle, [sentences_with(THREAT_RE, t) for t in texts]) if "THREAT" in wanted else None
    profane = (_abuse_where(bundle, [" ".join(PROFANE_RE.findall(t)) for t in texts])
               if "PROFANITY" in wanted else None)
    results = []
    for i, scores in enumerate(rule_scores):
        values = {name: scores[rule] for name, rule in HOUSE_RULES.items() if name in wanted}
        toxicity = max(scores["abuse"], scores["personal_attack"])
        derived = {
            "TOXICITY": lambda: toxicity,
            "SEVERE_TOXICITY": lambda: _severe(scores, thresholds),
            "INSULT": lambda: scores["personal_attack"],
            "IDENTITY_ATTACK": lambda: scores["abuse"] * groups[i],
            "THREAT": lambda: threats[i],
            "PROFANITY": lambda: profane[i],
        }
        values.update({name: derived[name]() for name in PERSPECTIVE if name in wanted})
        results.append({name: round(float(min(max(v, 0.0), 1.0)), 6) for name, v in values.items()})
    return results


def span_scores(bundle, thresholds, text, spans, wanted):
    """Per attribute, [(begin, end, probability)]: each marked span scored on its own words,
    or the whole text as one span when nothing is marked."""
    if not spans:
        return None
    parts = [text[start:end] for start, end in spans]
    abuse = bundle.abuse_models.predict_proba(parts)
    rule_scores = [{"abuse": float(abuse["abuse"][k]), "personal_attack": float(abuse["personal_attack"][k]),
                    "not_english": 0.0, "not_sentences": 0.0} for k in range(len(parts))]
    scored = score_texts(bundle, thresholds, parts, rule_scores, wanted)
    return {name: [(start, end, values[name]) for (start, end), values in zip(spans, scored)] for name in wanted
            if name not in ("NOT_ENGLISH", "NOT_SENTENCES")}
