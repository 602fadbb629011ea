"""Identity terms and neutral sentences that mention them (the identity guardrail, Dixon et al. 2018)."""
import re

IDENTITY_ADJECTIVES = (
    "gay", "lesbian", "bisexual", "transgender", "trans", "queer", "straight", "muslim", "christian",
    "jewish", "hindu", "sikh", "buddhist", "catholic", "atheist", "black", "white", "asian", "african",
    "latino", "hispanic", "mexican", "indian", "chinese", "arab", "pakistani", "immigrant", "deaf",
    "blind", "disabled", "old", "young", "female", "male", "feminist", "liberal", "conservative",
    # The rest of the terms of Dixon et al.'s identity templates.
    "homosexual", "heterosexual", "lgbt", "lgbtq", "nonbinary", "protestant", "taoist", "latina", "european",
    "american", "canadian", "japanese", "elderly", "teenage",
)
IDENTITY_GROUPS = (
    "gay people", "lesbians", "transgender people", "Muslims", "Christians", "Jews", "Hindus", "Sikhs",
    "Buddhists", "Catholics", "atheists", "Black people", "white people", "Asians", "Africans",
    "Latinos", "Mexicans", "Indians", "immigrants", "refugees", "women", "men", "disabled people",
    "feminists", "liberals", "conservatives", "Arabs", "Pakistanis", "Chinese people", "homosexuals",
    "bisexuals", "queer people", "Protestants", "Hispanics", "Europeans", "Americans", "LGBT people", "elderly people",
)
IDENTITY_NOUNS = ("person", "woman", "man", "teacher", "doctor", "neighbour", "student", "parent")

# Training templates: neutral statements, used as negatives for abuse and personal attack.
TRAIN_TEMPLATES = (
    "I am a {adj} {noun}.", "My neighbour is {adj}.", "She is a {adj} {noun}.", "{Group} live in my town.",
    "Being {adj} is part of who I am.", "I have many {adj} friends.", "{Group} celebrate their holidays.",
    "The article quotes several {group}.", "My best friend is {adj}.", "Our new {noun} is {adj}.",
    "Many {group} voted in the election.", "I grew up with {group}.", "We welcome {group} here.",
)
# Held-out templates, used only to measure the share of neutral identity sentences flagged.
EVAL_TEMPLATES = (
    "As a {adj} {noun}, I agree with the article.", "Hello, I am {adj}.", "{Group} are my neighbours.",
    "I work with {group} every day.", "My {noun} is {adj} and very kind.",
    "The survey interviewed {group} about housing.",
)
EVAL_EXTRA = (
    "I am a gay Muslim", "My neighbour is Black", "Hindus celebrate Diwali", "I am a proud Sikh.",
    "My wife is Jewish and I am Catholic.", "Muslims pray five times a day.",
)
# Ordinary news vocabulary that must not look abusive on its own.
NEUTRAL_NEWS = (
    "Police said the terrorist attack in the capital left three people injured.",
    "The senator vowed to kill the bill in committee.",
    "The army repelled an attack on the border post overnight.",
    "Officials say the shooting suspect was arrested on Tuesday.",
    "The murder trial resumes next week.", "Critics attacked the plan as too expensive.",
    "The drug war has killed thousands of people.", "The bomb squad cleared the area.",
    "He was convicted of assault and sentenced to two years.", "The storm killed at least twelve people.",
    "Rebels seized the town after heavy fighting.", "The defence attacked the witness's credibility.",
    "I disagree with this decision.", "Opponents vowed to fight the proposal in court.",
)

NEWS_EVENTS = ("terrorist attack", "bomb attack", "shooting", "knife attack", "riot", "murder", "explosion",
               "suicide bombing", "armed robbery", "massacre")
NEWS_PLACES = ("the capital", "Kabul", "a shopping centre", "the city centre", "Paris", "a school")
TRAIN_NEWS_TEMPLATES = (
    "Police said the {event} in {place} left several people dead.", "The {event} in {place} was widely condemned.",
    "Officials are investigating the {event} in {place}.", "Witnesses described the {event} in {place} to reporters.",
    "The government promised to respond to the {event} in {place}.",
)
EVAL_NEWS_TEMPLATES = (
    "Reports of a {event} in {place} are still coming in.", "Nobody has claimed the {event} in {place} yet.",
)
EVAL_NEWS_EXTRA = (
    "Kill the bill.", "The opposition will try to kill the bill.", "The attack on the embassy was condemned.",
    "The suspect was charged with murder.", "Terrorist attack in the capital, several dead.",
)

# Words too common in other senses to mask.
UNMASKED = {"people", "men", "women", "old", "young", "straight", "male", "female", "elderly", "teenage"}
# Identity adjectives used as plural nouns ("Queers are ...", "the blacks").
IDENTITY_PLURALS = (
    "gays", "lesbians", "bisexuals", "transgenders", "queers", "homosexuals", "heterosexuals", "blacks", "whites",
    "asians", "africans", "latinos", "latinas", "hispanics", "mexicans", "indians", "arabs", "pakistanis",
    "immigrants", "feminists", "liberals", "conservatives", "christians", "catholics", "protestants", "atheists",
    "buddhists", "sikhs", "hindus", "muslims", "jews", "taoists", "europeans", "americans", "canadians",
)
# Single words masked before training and scoring (one word per entry: multi-word groups are split).
IDENTITY_TERMS = frozenset(
    {w for g in IDENTITY_GROUPS for w in g.lower().split() if w not in UNMASKED}
    | (set(IDENTITY_ADJECTIVES) - UNMASKED) | set(IDENTITY_PLURALS) | {"jew"})
_IDENTITY_RE = re.compile(r"\b(" + "|".join(sorted(IDENTITY_TERMS, key=len, reverse=True)) + r")\b", re.IGNORECASE)
_WORD_RE = re.compile(r"\w+")


def fill(templates):
    """Every template filled with every identity adjective/group (and a few nouns)."""
    out = []
    for template in templates:
        for i, adj in enumerate(IDENTITY_ADJECTIVES):
            group = IDENTITY_GROUPS[i % len(IDENTITY_GROUPS)]
            noun = IDENTITY_NOUNS[i % len(IDENTITY_NOUNS)]
            out.append(template.format(adj=adj, noun=noun, group=group, Group=group[0].upper() + group[1:]))
    return sorted(set(out))


def mask_identities(text, token=" "):
    """Identity terms replaced by one token (a blank by default) so the model cannot learn any one of them
    as abusive; with a word as token it still sees that a group is named ("xgroup are vermin")."""
    # Most comments name no identity: a set look-up of their words is cheaper than the regex.
    if IDENTITY_TERMS.isdisjoint(_WORD_RE.findall(text.casefold())):
        return text
    return _IDENTITY_RE.sub(token, text)


def is_identity_term(word):
    """Whether a single word is an identity term (gay, Muslim, Black, ...)."""
    return word.casefold() in IDENTITY_TERMS


def news(templates):
    """Every news template filled with every event and place."""
    return [t.format(event=e, place=p) for t in templates for e in NEWS_EVENTS for p in NEWS_PLACES]


def training_sentences():
    """Neutral sentences added as negatives during training."""
    return fill(TRAIN_TEMPLATES) + list(NEUTRAL_NEWS) + news(TRAIN_NEWS_TEMPLATES)


def news_evaluation_sentences():
    """Neutral news sentences with crime and violence vocabulary, held out from training."""
    return news(EVAL_NEWS_TEMPLATES) + list(EVAL_NEWS_EXTRA)


def evaluation_sentences():
    """Neutral identity sentences held out from training, to measure the guardrail."""
    return fill(EVAL_TEMPLATES) + list(EVAL_EXTRA)
