"""Insults at public figures: abuse (the review band unless severe), not a personal attack.

The house rule "Comments must not be personal" protects the people in the conversation: the article's author
and the other readers. "The mayor is a liar and a crook." insults someone who is not there to be hurt by
it: a moderator may still stop it as abuse, but it is no personal attack. A comment that also speaks to a
reader or of the author ("you", "@Karen", "the writer") stays a personal attack.
"""
import re

# Offices and roles of people in public life, as comments name them.
TITLES = (
    "mayor", "prime minister", "president", "vice president", "senator", "senators", "chancellor", "minister",
    "ministers", "secretary", "mp", "mps", "councillor", "councillors", "councilor", "councilman",
    "councilwoman", "governor", "premier", "commissioner", "congressman", "congresswoman", "congressmen",
    "politician", "politicians", "party leader", "opposition leader", "leader of the opposition", "speaker",
    "attorney general", "sheriff", "police chief", "chief constable", "ceo", "chairman", "chairwoman",
    "spokesman", "spokeswoman", "spokesperson", "king", "queen", "prince", "princess", "judge", "justice",
    "ambassador", "candidate", "lawmaker", "lawmakers", "legislator", "legislators", "mep", "meps",
)
# Words that put a reader or the author in the sentence.
IN_CONVERSATION = (
    "you", "your", "you're", "youre", "yours", "yourself", "yourselves", "u", "ur", "ya", "author", "authors",
    "writer", "writers", "journalist", "journalists", "reporter", "reporters", "columnist", "editor",
    "commenter", "commenters", "poster", "posters", "op", "article", "piece", "thread",
)
# What makes an insult at a public figure severe enough to reject: a threat or strong swearing.
SEVERE_RE = re.compile(r"\b(?:kill|killed|shoot|shot|hang|hanged|hung|stab|murder|lynch|die|dead|death|"
                       r"beat|beaten|rape|burn|fuck\w*|shit\w*|cunt\w*)\b", re.IGNORECASE)
_TITLE_RE = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, TITLES), key=len, reverse=True)) + r")\b",
                       re.IGNORECASE)
_WORD_RE = re.compile(r"[\w']+")
_CONVERSATION = frozenset(IN_CONVERSATION)


def about_public_figure(text):
    """Whether a comment speaks of someone in public life and of nobody in the conversation."""
    if "@" in text or not _TITLE_RE.search(text):
        return False
    return _CONVERSATION.isdisjoint(w.lower() for w in _WORD_RE.findall(text))


def rescored(text, abuse, attack, thresholds):
    """(abuse, personal attack) of a comment about a public figure: the attack's weight counts as abuse, kept
    below abuse's reject threshold (the review band) unless the comment threatens or swears; the attack score
    is scaled below its review threshold (keeping the order of such comments)."""
    below_reject = thresholds["abuse"]["reject"] - 0.001
    new_abuse = max(abuse, attack)
    if not SEVERE_RE.search(text):
        new_abuse = min(new_abuse, below_reject)
    return new_abuse, attack * thresholds["personal_attack"]["review"] * 0.99
