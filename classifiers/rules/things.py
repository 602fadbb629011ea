"""Contempt for things, policies and institutions ("This budget is moronic.") is criticism, not abuse.

The corpora's raters marked "stupid" or "crap" as toxic whatever they were said of, so a comment calling a
policy idiotic was sent to review or rejected. When every contempt word of a comment is said of a thing (the
nearest noun before it, as in "the plan is stupid", or right after it, as in "a stupid policy", is in THINGS)
and the comment names no person, group or reader, its abuse and attack scores are scaled below review.
Threats and strong swearing keep their scores (public_figures.SEVERE_RE).
"""
import re

from classifiers.rules.public_figures import IN_CONVERSATION, SEVERE_RE, TITLES
from classifiers.rules.scope import GROUPS

CONTEMPT = frozenset("""
stupid idiotic moronic dumb crap crappy garbage rubbish pathetic insane ridiculous absurd joke disgrace waste
ugly useless worthless awful terrible dreadful laughable daft silly mad crazy nonsense shambles farce dire
appalling embarrassing shameful lame bad poor worst idiocy stupidity stupider stupidest dumber dumbest
sillier silliest crazier craziest
""".split())
# What such words are said of in news comments: things, policies and institutions.
THINGS = frozenset("""
policy policies plan plans bill bills budget budgets law laws rule rules tax taxes scheme schemes decision
decisions ruling rulings idea ideas article proposal proposals project projects system programme program
report move deal design building stadium road roads service app website timetable schedule fare fares
levy strategy campaign speech statement headline argument logic reasoning excuse system approach reform
reforms regulation regulations legislation plan policy measure measures process result results rollout
contract contracts bridge lane lanes scheme timing price prices cost costs survey poll figures data
consultation motion amendment verdict sentence investigation inquiry response announcement manifesto
election referendum vote ban system traffic parking development estate tower league match game film show
council board government parliament committee department ministry agency authority company bank club court
hospital school university newspaper paper network channel
""".split())
PERSON_WORDS = frozenset(set(IN_CONVERSATION) | {"he", "she", "him", "her", "his", "hers", "they", "them", "their",
                                                 "who", "people", "person", "man", "woman", "guy", "guys", "idiot",
                                                 "idiots", "moron", "morons"})
TITLE_WORDS = frozenset(title.split()[-1] for title in TITLES)
WORD_RE = re.compile(r"[a-z']+")
# How far (in words) a contempt word looks for the noun it is said of.
REACH = 4


def at_things(text):
    """Whether every contempt word in text is said of a thing and nobody is named."""
    words = WORD_RE.findall(text.lower())
    if not CONTEMPT.intersection(words) or SEVERE_RE.search(text):
        return False
    if any(w in PERSON_WORDS or w in GROUPS or w in TITLE_WORDS for w in words):
        return False
    for k, word in enumerate(words):
        if word in CONTEMPT:
            near = words[max(0, k - REACH):k] + words[k + 1:k + 3]
            if not THINGS.intersection(near):
                return False
    return True


def rescored(abuse, attack, thresholds):
    """(abuse, attack) scaled below their review thresholds, keeping the order of such comments."""
    return (abuse * thresholds["abuse"]["review"] * 0.99, attack * thresholds["personal_attack"]["review"] * 0.99)
