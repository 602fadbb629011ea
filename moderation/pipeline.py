"""The house rules applied: load the active classifiers, assess a text, decide its outcome."""
import math
import threading
import time
from dataclasses import dataclass, field

from classifiers import RULES

RULE_TEXT = {
    "not_english": "Comments must be in English.",
    "not_sentences": "Comments must be in full sentences.",
    "abuse": "Comments must not be abusive.",
    "personal_attack": "Comments must not be personal.",
}
# The profanity house rule as readers read it, per setting (classifiers.rules.profanity.SETTINGS).
PROFANITY_TEXT = {
    "allow": "Swearing that attacks nobody is allowed.",
    "review": "Swearing that attacks nobody waits for a moderator before it appears.",
    "reject": "Comments must not swear, even at nobody.",
}
PROFANITY_RULES = ("abuse", "personal_attack")
# Below this many words a language guess is too weak to reject on; a person decides.
SHORT_TEXT_WORDS = 5

_loaded = {}
_load_lock = threading.Lock()
# Called as hook(bundle, seconds) on each version loaded for serving (moderation.observability times its stages).
load_hooks = []
KEEP_LOADED = 2  # versions a process keeps in memory: the active one and the one it replaced or is compared with


@dataclass
class Decision:
    """publish, review or reject, with the rules that led there."""

    outcome: str
    broken_rules: list = field(default_factory=list)
    doubtful_rules: list = field(default_factory=list)
    guardrails: list = field(default_factory=list)


def load_bundle(models_dir, version):
    """Load a version's classifiers from the instance folder once per process (the newest KEEP_LOADED stay).

    The artifact must match its card's sha256 and the card the sha256 recorded at registration; a host lacking it
    fetches it from the database first (moderation.versions.load_verified)."""
    from moderation.versions import load_verified  # moderation.versions imports this module

    key = (str(models_dir), version.name, version.sha256)
    with _load_lock:
        if key not in _loaded:
            started = time.perf_counter()
            _loaded[key] = load_verified(models_dir, version)
            for hook in load_hooks:
                hook(_loaded[key], time.perf_counter() - started)
            while len(_loaded) > KEEP_LOADED:
                del _loaded[next(iter(_loaded))]
        _loaded[key] = _loaded.pop(key)  # the most recently used last
        return _loaded[key]


def decide(scores, thresholds, word_count, premoderated=False, trusted=False, profanity=None):
    """Turn rule scores into an outcome; guardrails move weak rejections to review.

    profanity: the site's profanity setting (allow, review, reject) when the comment is profanity that attacks
    nobody (classifiers.rules.profanity); its abuse score is then decided by the setting, not the thresholds.

    A pre-moderated author's comments always go to review (even a clear rejection); a trusted author's skip the review
    band (published) but never the reject threshold or a guardrail. `trusted` may be a function, asked only when
    trust could matter. A score that is not a finite number (NaN >= threshold is False) goes to review."""
    broken, doubtful, guardrails = [], [], []
    for rule in RULES:
        p, limits = scores[rule], thresholds[rule]
        if not math.isfinite(p):
            guardrails.append(f"the {rule.replace('_', ' ')} score is not a number")
            doubtful.append(rule)
        elif p >= limits["reject"]:
            broken.append(rule)
        elif p >= limits["review"]:
            doubtful.append(rule)
    # The swearing lifts both abuse scores; what remains is the site's choice.
    if profanity is not None and not guardrails and {"abuse"} <= set(broken + doubtful) <= set(PROFANITY_RULES):
        broken, doubtful = {"allow": ([], []), "review": ([], ["abuse"]), "reject": (["abuse"], [])}[profanity]
    if broken == ["not_english"] and word_count < SHORT_TEXT_WORDS:
        guardrails.append("too short to be sure of the language")
        broken, doubtful = [], doubtful + ["not_english"]
    if premoderated:
        return Decision("review", broken, doubtful, guardrails + ["the author is pre-moderated"])
    if broken:
        return Decision("reject", broken, doubtful, guardrails)
    if guardrails or (doubtful and not (trusted() if callable(trusted) else trusted)):
        return Decision("review", broken, doubtful, guardrails)
    if doubtful:
        return Decision("publish", doubtful_rules=doubtful, guardrails=["the author is trusted"])
    return Decision("publish")


def judge(bundle, thresholds, text, premoderated=False, trusted=False, profanity="review"):
    """Assess a text with a loaded version and decide it: (assessment, decision).

    profanity: the site's profanity setting, applied if the text is profanity that attacks nobody."""
    assessment = bundle.assess(text, thresholds)
    decision = decide(assessment.scores, thresholds, len(text.split()), premoderated, trusted,
                      profanity if getattr(assessment, "profanity", False) else None)
    return assessment, decision
