"""Hate at groups and what only looks like it, written as training examples: the corpora hold little of either.

Hate aimed at a group without a slur or an obscenity ("... are a drain on the rest of us", "Why do ...
always ...?", "In my view ... are inferior"; the models never see the group's name) scored as civil, while
readers who quote such a sentence to condemn it, or deny it ("I don't hate ..."), were sent to review or
rejected. The templates
below pair each hateful sentence with civil sentences that share its words: the same group beside a kind
or neutral predicate, the same hostile words aimed at no group, the hateful claim negated, and the hateful
claim quoted or reported in order to reject it. Hate at a group is abuse but no evidence for a personal
attack (None). The measured counterpart is classifiers/heldout/functional.tsv, written apart and never
trained on (tests/test_evaluate.py checks that no validation sentence is trained on).
"""

# Weight of each written example against a corpus row. 1.0 took hateful published on the functional set from
# 19.2% to 12.3%; 0.5 reached 13.1%, with the same cost (one more of 40 written threats published).
WEIGHT = 1.0
GROUPS = ("immigrants", "refugees", "Muslims", "Jews", "gay people", "trans people", "Black people",
          "disabled people", "Mexicans", "Hindus", "Asians", "Arabs", "lesbians", "Sikhs",
          "Pakistanis", "Africans", "Christians", "Chinese people", "Latinos", "feminists", "homosexuals")
# Hostile predicates said of a whole group.
HOSTILE = ("worthless", "subhuman", "inferior", "filthy", "savages", "a burden on decent people",
           "a danger to our children", "parasites on the welfare system", "born criminals", "vile",
           "a disease on this country", "not real people", "less than human", "a plague on our streets",
           "too stupid to think for themselves", "useless to society", "degenerates", "disgusting animals")
HOSTILE_ACTS = ("be deported, every last one", "be banned from voting", "be locked up", "be wiped out",
                "be thrown out of the country", "be kept out of our schools", "be sterilised",
                "be driven out of town", "not be allowed to have children", "be put in camps")
# The same kinds of words said of things that are no group of people.
NOT_PEOPLE = ("mosquitoes", "weeds", "wasps", "slugs", "potholes", "parking fines", "spam emails",
              "pigeons on the station roof", "the new speed bumps", "traffic wardens' vans")
KIND = ("our neighbours and friends", "as welcome here as anyone", "a valued part of this town",
        "just as capable as anyone else", "hard-working people", "entitled to the same respect",
        "people like the rest of us", "owed an apology by the council", "underrepresented on the council",
        "more likely to be victims of crime", "no threat to anyone")
CONDEMN = ("bigotry", "racist nonsense", "hateful and wrong", "plain prejudice", "a disgrace",
           "the kind of hate this paper should never print", "ignorant and cruel", "simply false")

HATE_TEMPLATES = (
    "{G} are {h}.", "All {g} are {h}.", "{G} are {h}, every single one of them.", "Honestly, {g} are {h}.",
    "In my opinion {g} are {h}.", "I genuinely believe {g} are {h}.", "Let's face it, {g} are {h}.",
    "Why are {g} so {h}?", "Is it any wonder {g} are {h}?", "Why do we pretend {g} are not {h}?",
    "{G} should {a}.", "All {g} should {a}.", "I think {g} should {a}.", "Why shouldn't {g} {a}?",
    "It's time {g} were made to {a2}.", "I hate {g}.", "I despise {g} and always will.",
    "The world would be better without {g}.", "Wouldn't this country be better off without {g}?",
    "What use are {g} to anyone?", "Nobody wants {g} here.", "{G} ruin every place they move to.",
)
# Each is filled with the same words as the hateful templates.
NEGATED_TEMPLATES = (
    "{G} are not {h}.", "{G} are not {h}, whatever some commenters claim.", "I don't hate {g}.",
    "I have never hated {g} and never will.", "No, {g} are not {h}.", "It is false that {g} are {h}.",
    "Nobody here thinks {g} should {a}.", "{G} should never {a}.", "Of course {g} should not {a}.",
)
COUNTER_TEMPLATES = (
    "Saying {g} are {h} is {c}.", "Calling {g} {h} is {c}.", "\"{G} are {h}\" is {c}.",
    "Anyone who says {g} should {a} should be ashamed.", "The claim that {g} are {h} is {c}.",
    "I'm sick of reading comments claiming {g} are {h}.",
    "Someone wrote \"{g} should {a}\" on the bus stop, and neighbours painted over it.",
    "The leaflet said {g} are {h}, which is {c}.", "A man shouted that {g} should {a}, and people told him to stop.",
    "Writing that {g} are {h} is {c} and the comment was rightly removed.",
    "When people say {g} should {a}, we should all speak up.",
)
NEUTRAL_TEMPLATES = (
    "{G} are {k}.", "All {g} are {k}.", "In my opinion {g} are {k}.", "Why are {g} {k}?",
    "I think {g} should be heard on this.", "Why do so few {g} sit on the council?",
    "{G} should be able to live here in peace.", "The world would be poorer without {g}.",
    "Nobody wants {g} to feel unwelcome here.", "I stand with {g} in this town.",
)
THINGS_TEMPLATES = ("{T} are {h}.", "Why are {t} so {h}?", "I hate {t}.", "{T} should {a}.",
                    "The world would be better without {t}.")
THING_HOSTILE = ("a plague on our streets", "filthy", "useless", "a nuisance", "vile", "a disease on this town",
                 "disgusting")
THING_ACTS = ("be banned", "be got rid of", "be wiped out", "be thrown out")


def _fill(template, group, hostile, act, condemn="", kind=""):
    act2 = act.removeprefix("be ").removeprefix("not be ")
    return template.format(g=group, G=group[0].upper() + group[1:], h=hostile, a=act, a2=act2, c=condemn, k=kind,
                           t=group, T=group[0].upper() + group[1:])


def _rotate(templates, groups, *pools):
    """Each template filled with every group; the other words turn from group to group and template to template."""
    for k, template in enumerate(templates):
        for i, group in enumerate(groups):
            yield _fill(template, group, *(pool[(i * 7 + k * 3) % len(pool)] for pool in pools))


def training_examples():
    """(text, abuse, personal attack) triples: hate at groups, and civil sentences that share its words."""
    out = [(text, 1, None) for text in _rotate(HATE_TEMPLATES, GROUPS, HOSTILE, HOSTILE_ACTS)]
    out += [(text, 0, 0) for text in _rotate(NEGATED_TEMPLATES, GROUPS, HOSTILE, HOSTILE_ACTS)]
    out += [(text, 0, 0) for text in _rotate(COUNTER_TEMPLATES, GROUPS, HOSTILE, HOSTILE_ACTS, CONDEMN)]
    out += [(text, 0, 0) for text in _rotate(NEUTRAL_TEMPLATES, GROUPS, HOSTILE, HOSTILE_ACTS, CONDEMN, KIND)]
    out += [(text, 0, 0) for text in _rotate(THINGS_TEMPLATES, NOT_PEOPLE, THING_HOSTILE, THING_ACTS)]
    return sorted(set(out), key=lambda example: example[0])
