"""Threats and dehumanising hate, written as training examples: the corpora hold few of them.

Only 92 toxic-spans posts are threats by a rater majority, so "I will find you and hurt you" and
"Immigrants are vermin" (no slur, no obscenity) scored as civil. Besides the templates below,
threats.tsv holds 818 free-form sentences: veiled threats ("Watch yourself. People have long memories
round here."), incitement, dehumanising hate, and 494 civil sentences that use the same ordinary words
("Someone should tell the council...", "I hope you keep writing about the hospital, it matters to so many
of us.", pests, illness and "I hate" said literally) so those words alone are no sign of a threat. The measured counterpart is
classifiers/heldout/threats.txt, written apart and never trained on.
"""
from pathlib import Path

from classifiers.corpora import read_written

# Weight of each written example against a corpus row. With the written insults and civil replies in
# training, 1.0 sends 95% of the written threats to review or reject (0.5: 90%) and 10.3% of the written
# civil news sentences to review (0.5: 10.3%); alone, before those, 1.0 had cost 13.8% against 12.1%.
WEIGHT = 1.0
SENTENCES = Path(__file__).with_name("threats.tsv")
# Aimed at the reader or the author: abuse and a personal attack.
AT_YOU = (
    "I will {harm} you.", "I am going to {harm} you.", "I'm coming to {harm} you.", "Someone should {harm} you.",
    "You deserve to be {harmed}.", "You should be {harmed}.", "I hope someone {harms} you.",
    "Keep talking and I will {harm} you.", "Say that again and I'll {harm} you.",
)
# Aimed at a third person or at a group (named by an identity term, which the models never see).
AT_OTHERS = (
    "Someone should {harm} him.", "Somebody needs to {harm} her.", "He deserves to be {harmed}.",
    "They should all be {harmed}.", "{Group} should be {harmed}.", "I hope someone {harms} the mayor.",
)
HARM = ("hurt", "kill", "shoot", "stab", "beat", "strangle", "hang", "murder")
HARMED = ("hurt", "killed", "shot", "stabbed", "beaten", "strangled", "hanged", "murdered")
HARMS = ("hurts", "kills", "shoots", "stabs", "beats", "strangles", "hangs", "murders")
DEHUMANISING = (
    "{Group} are {what}.", "{Group} are nothing but {what}.", "All {group} are {what}.",
    "You people are {what}.", "These people are {what}.", "{Group} are {what} and should be treated like it.",
)
VERMIN = ("vermin", "animals", "rats", "cockroaches", "parasites", "a disease", "subhuman", "a plague", "filth")
GROUPS = ("immigrants", "refugees", "Muslims", "Jews", "gay people", "Mexicans", "liberals", "conservatives")
# The same sentences said kindly, so that "people are" or "all ... are" (the group's name is masked) is no
# sign of hate on its own.
RESPECTING = ("{Group} are {what}.", "All {group} are {what}.", "These people are {what}.", "You people are {what}.")
KIND = ("our neighbours", "welcome here", "hard-working", "part of this town", "good company", "valued",
        "decent people", "just like everyone else", "a credit to the city")
# Civil sentences with the same words, so "I hope you" or "deserve" alone do not look threatening.
CIVIL = (
    "I hope you get well soon.", "I hope you enjoy your holiday.", "You deserve better than this council.",
    "You deserve an answer from the minister.", "I will find you a copy of the report.",
    "I am going to vote for you.", "Someone should ask the mayor about the budget.",
    "He deserves to be re-elected.", "They should all be thanked for their work.",
    "I'm coming to the meeting on Tuesday.", "We know where you stand on this.",
    "The animals at the shelter need homes.", "Rats have been seen near the market.",
    "The vet had to put down the old dog.", "He was shot in the leg during the robbery, police said.",
)


def _about_groups(templates, whats):
    """(template, text): each template filled with every group, and with what they are said to be, which
    turns from group to group and from template to template."""
    for k, template in enumerate(templates):
        for i, group in enumerate(GROUPS):
            what = whats[(i + k) % len(whats)]
            yield template, template.format(group=group, Group=group[0].upper() + group[1:], what=what)


def training_examples():
    """(text, abuse, personal attack) triples: threats, dehumanising hate, and civil sentences like them."""
    out = []
    for template in AT_YOU:
        out += [(template.format(harm=h, harmed=d, harms=s), 1, 1) for h, d, s in zip(HARM, HARMED, HARMS)]
    for template in AT_OTHERS:
        for group in GROUPS if "{Group}" in template else GROUPS[:1]:  # filled once per group only if it names one
            out += [(template.format(harm=h, harmed=d, harms=s, Group=group[0].upper() + group[1:]), 1, None)
                    for h, d, s in zip(HARM, HARMED, HARMS)]
    out += [(text, 1, 1 if "You" in template else None) for template, text in _about_groups(DEHUMANISING, VERMIN)]
    out += [(text, 0, 0) for _, text in _about_groups(RESPECTING, KIND)]
    out += [(text, 0, 0) for text in CIVIL]
    out += read_written(SENTENCES)
    return sorted(set(out), key=lambda example: example[0])

