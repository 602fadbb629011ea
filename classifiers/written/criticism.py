"""Harsh criticism of things, written as civil training examples: the corpora call "stupid" toxic whatever it names.

Raters of the corpora mark "stupid" and "idiotic" as toxic even when they describe a policy, so "This is a
stupid policy." was rejected as abuse and as a personal attack. The house rules forbid abuse and insults
aimed at people, not sharp words about articles, plans and laws. Templates below and 342 free-form
criticisms in criticism.tsv (written by a helper who never saw the validation sets) teach that; the same
words aimed at a person stay abusive (the contrast templates). The helper's 169 free-form attacks with
the same words were left out: they sent 11 of 160 civil disagreeing replies to review instead of 7.
The measured counterpart is classifiers/heldout/criticism.txt, written apart and never trained on.
"""
from pathlib import Path

from classifiers.corpora import read_written

# Weight of each example against a corpus row. The toxic-spans posts are nearly all toxic, so in the corpora
# these words appear almost only in posts labelled abusive. With criticism.tsv, 1.0 left 10% of the written
# criticism rejected and 2.0 left 2% (6% with seed 1), at 1 of 40 written threats more published and a
# little ROC AUC on toxic-spans' own labels, which call such criticism toxic.
WEIGHT = 2.0
SENTENCES = Path(__file__).with_name("criticism.tsv")
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
    out += read_written(SENTENCES)
    return sorted(set(out), key=lambda example: example[0])
