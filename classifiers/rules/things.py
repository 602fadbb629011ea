"""Contempt for things, policies and institutions ("This budget is moronic.") is criticism, not abuse.
Dehumanising words said of animals, pests and illnesses ("Ticks are parasites ...") are meant literally.

The corpora's raters marked "stupid" or "crap" as toxic whatever they were said of, so a comment calling a
policy idiotic was sent to review or rejected. When every contempt word of a comment is said of a thing (the
nearest noun before it, as in "the plan is stupid", or right after it, as in "a stupid policy", is in THINGS)
and the comment names no person, group or reader, its abuse and attack scores are scaled below review.
Threats and strong swearing keep their scores (public_figures.SEVERE_RE).
"""
import re

from classifiers.rules.public_figures import IN_CONVERSATION, SEVERE_RE, TITLES
from classifiers.rules.scope import GROUPS, HOSTILE

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
    if _names_someone(words):
        return False
    for k, word in enumerate(words):
        if word in CONTEMPT:
            near = words[max(0, k - REACH):k] + words[k + 1:k + 3]
            if not THINGS.intersection(near):
                return False
    return True


# Animals, pests and illnesses by name: a sentence about them may call them vermin or a disease and mean it.
CREATURES = frozenset("""
rat rats mouse mice tick ticks flea fleas lice cockroach cockroaches roaches wasp wasps hornets mosquito mosquitoes
midges maggots ants termites bedbugs slug slugs snails moths beetles weevils locusts aphids worms tapeworms leeches
pigeon pigeons seagull seagulls gulls crows magpies fox foxes squirrels rabbits moles badgers deer sheep cattle cows
boar goats horses dogs cats birds fish snakes spiders mink crayfish weeds knotweed mould mold fungus bacteria germs
flu influenza measles covid mumps malaria cholera tuberculosis dementia diabetes tumour tumours infection
""".split())
# Harm done to whatever a sentence is about keeps its score ("Those rats should be gassed" may not mean rats).
HARM = frozenset("""
kill killed killing exterminate exterminated extermination eradicate eradicated gas gassed hang hanged lynch lynched
shoot shot burn burned burnt drown drowned deport deported slaughter slaughtered wipe wiped destroy destroyed
sterilise sterilised sterilize sterilized castrate castrated
""".split())
LEADING = frozenset({"the", "a", "an", "those", "these", "our", "my", "some", "all", "most", "many", "every", "any",
                     "grey", "brown", "black", "wild", "feral", "invasive", "local", "garden", "field", "house"})
SENTENCE_RE = re.compile(r"[^.!?;]+")
# Where people work: pests said to be in them may be people ("the rats in the council").
INSTITUTIONS = frozenset("""
council board government parliament committee department ministry agency authority company bank club court party
union office police newsroom paper newspaper
""".split())


def at_creatures(text):
    """Whether every sentence with a dehumanising word is about an animal, pest or illness named as its subject
    (its first word past a determiner), harms nothing, and nobody is named anywhere in the comment."""
    words = WORD_RE.findall(text.lower())
    if HOSTILE.isdisjoint(words) or SEVERE_RE.search(text) or not HARM.isdisjoint(words):
        return False
    if _names_someone(words) or not INSTITUTIONS.isdisjoint(words):
        return False  # "The rats in the council ..." are people
    for sentence in SENTENCE_RE.findall(text.lower()):
        said = WORD_RE.findall(sentence)
        if HOSTILE.isdisjoint(said):
            continue
        subject = next((w for w in said if w not in LEADING), "")
        if subject not in CREATURES:
            return False
    return True


def _names_someone(words):
    """Whether the words name a person, a reader, a group or an office holder."""
    return any(w in PERSON_WORDS or w in GROUPS or w in TITLE_WORDS for w in words)


def rescored(abuse, attack, thresholds):
    """(abuse, attack) scaled below their review thresholds, keeping the order of such comments."""
    return (abuse * thresholds["abuse"]["review"] * 0.99, attack * thresholds["personal_attack"]["review"] * 0.99)
