"""Harsh criticism of things, written as civil training examples: the corpora call "stupid" toxic whatever it names.

Raters of the corpora mark "stupid" and "idiotic" as toxic even when they describe a policy, so "This is a
stupid policy." was rejected as abuse and as a personal attack. The house rules forbid abuse and insults
aimed at people, not sharp words about articles, plans and laws. The same words aimed at a person stay
abusive (the contrast examples below). The measured counterpart is classifiers/heldout/criticism.txt,
written apart by someone who never saw these templates, and never trained on.
"""
# Weight of each example against a corpus row. The toxic-spans posts are nearly all toxic, so in the corpora
# these words appear almost only in posts labelled abusive; 0.5 and 2.0 left 12% and 8% of the written
# criticism rejected (1.0: 10%), and each step cost a little ROC AUC on toxic-spans' own labels.
WEIGHT = 1.0
THINGS = ("article", "policy", "plan", "decision", "law", "bill", "proposal", "idea", "headline", "editorial",
          "budget", "scheme", "ruling", "report", "tax", "rule change", "system", "strategy")
ADJECTIVES = ("stupid", "idiotic", "dumb", "moronic", "ridiculous", "pathetic", "absurd", "insane", "brainless",
              "laughable", "crazy", "ludicrous")
VERDICTS = ("a joke", "nonsense", "rubbish", "garbage", "a disgrace", "a farce", "a mess", "a shambles")
# Aimed at a thing: keeps both rules.
ABOUT_THINGS = (
    "This {thing} is {adj}.", "The {thing} is {adj}, plain and simple.", "What {a_adj} {thing}.",
    "The most {adj} {thing} I have seen in years.", "Yet another {adj} {thing}.",
)
VERDICT_ON_THINGS = ("This {thing} is {verdict}.", "The whole {thing} is {verdict} from start to finish.")
# The same words aimed at the reader or the author: abuse and a personal attack.
AT_PEOPLE = ("You are {adj}.", "You must be {adj} to believe this {thing}.", "The author of this {thing} is {adj}.")


def _a(word):
    return ("an " if word[0] in "aeiou" else "a ") + word


def training_examples():
    """(text, abuse, personal attack) triples: criticism of things (civil) and the same words aimed at people."""
    out = []
    for k, template in enumerate(ABOUT_THINGS):
        for i, thing in enumerate(THINGS):
            for adj in (ADJECTIVES[(i + k) % len(ADJECTIVES)], ADJECTIVES[(i + k + 5) % len(ADJECTIVES)]):
                out.append((template.format(thing=thing, adj=adj, a_adj=_a(adj)), 0, 0))
    for k, template in enumerate(VERDICT_ON_THINGS):
        out += [(template.format(thing=thing, verdict=VERDICTS[(i + k) % len(VERDICTS)]), 0, 0)
                for i, thing in enumerate(THINGS)]
    for k, template in enumerate(AT_PEOPLE):
        out += [(template.format(adj=adj, thing=THINGS[(i + k) % len(THINGS)]), 1, 1)
                for i, adj in enumerate(ADJECTIVES)]
    return sorted(set(out), key=lambda example: example[0])
