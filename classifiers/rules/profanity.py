"""Profanity that attacks nobody ("Fucking hell, what a day."): found, and left to the newsroom's setting.

The corpora's raters call swearing toxic whatever it is aimed at, so the abuse score follows swear words.
A comment is profanity only when it swears, names no identity, and neither rule's score reaches review
once the swear words are taken out of it: "Fuck you" (an attack), "I'll fucking kill you" (a threat)
and "Fuck all immigrants" (a group named) are not. What happens to it is a house-rule setting:
allow (published), review (a moderator decides; the default) or reject.
"""
import re

from classifiers.identity import IDENTITY_TERMS

SETTINGS = ("allow", "review", "reject")
DEFAULT = "review"
# Swear words and their common spellings; insults ("bastard", "dickhead") are not here: they name someone.
# Mild words are profanity only where the abuse model already found the comment abusive.
STRONG = ("fuck", "fucks", "fucked", "fucker", "fuckers", "fucking", "fuckin", "fking", "fcking", "fck", "fuk",
          "fukin", "fuking", "motherfucker", "motherfucking", "shit", "shits", "shitty", "shite", "shitting",
          "bullshit", "horseshit", "bollocks", "arse", "piss", "pissed", "pissing", "wtf", "ffs", "goddamn",
          "goddamned")
MILD = ("damn", "damned", "dammit", "damnit", "bloody", "hell", "bugger", "frickin", "fricking", "feck",
        "feckin", "crap", "crappy", "jesus christ", "christ almighty")
STRONG_RE = re.compile(r"\b(?:" + "|".join(map(re.escape, STRONG)) + r")\b", re.IGNORECASE)
SWEAR_RE = re.compile(r"\b(?:" + "|".join(map(re.escape, STRONG + MILD)) + r")\b", re.IGNORECASE)
_WORD_RE = re.compile(r"\w+")
# A swear word said to someone ("fuck you", "damn you all", "piss off") is aimed at them.
AIMED_RE = re.compile(SWEAR_RE.pattern + r"\W*(?:you|u|ya|yourself|off)\b", re.IGNORECASE)


def swears(text):
    """Whether a text uses a swear word."""
    return SWEAR_RE.search(text) is not None


def strong(text):
    """Whether a text uses a strong swear word ("fuck", "shit")."""
    return STRONG_RE.search(text) is not None


def aimed(text):
    """Whether a swear word is said to someone ("Fuck you.", "Piss off.")."""
    return AIMED_RE.search(text) is not None


def without_swearing(text):
    """The text with its swear words taken out (what is left says whether anyone is attacked)."""
    return SWEAR_RE.sub(" ", text)


def names_identity(text):
    """Whether a text names an identity group (swearing at a group is hate, not profanity)."""
    return not IDENTITY_TERMS.isdisjoint(_WORD_RE.findall(text.casefold()))


def outcome(setting, verdict, abuse_only):
    """The decision for a comment that is profanity only: verdict is what the scores alone give, abuse_only
    whether the abuse rules are the only ones they flag (the swearing lifts both scores). Another rule's
    break (not English, say) still stands."""
    if setting not in SETTINGS:
        raise ValueError(f"profanity setting must be one of {', '.join(SETTINGS)}, not {setting!r}")
    if not abuse_only:
        return verdict
    return {"allow": "publish", "review": "review", "reject": "reject"}[setting]
