"""Where a comment's hostile words stand: beside a group (hate), or inside a negated, quoted or reported clause.

The linear models see words, not scope: "Immigrants are vermin" and "Immigrants are not vermin" share
their strongest word, and a reader who quotes hate to condemn it ("Saying women are too stupid to vote
is sexist nonsense") scored like the hater. This rule stage reads the words' places:

- hate at a group: a group word (an identity term, or a slur, which is both) in the same sentence as a
  hostile word (HOSTILE, within GROUP_REACH words), neither negated nor reported -> at least the review band;
- negated hostility: a hostile word inside a negation's scope ("not", "never", "nobody", "don't" ... up to
  the clause's end or "but") counts for nothing: the comment is scored again without that clause, unless it
  speaks to a reader ("Nobody cares about your stupid opinion" stays an attack);
- reported hostility: a group named inside quotes or after a reporting word ("saying", "calling", "the claim
  that") counts for nothing when the comment also condemns it (CONDEMN or CONDEMN_PHRASES outside the report).

Both scopes are read only in sentences that name a group: they are about hate at groups, and a negated or
reported insult at anyone else keeps the model's score.

Only words from these lists move a score, so "Immigrants are not human" (no hostile word negated) keeps its
model score; the lists are written from general knowledge, not from the validation sets.
"""
import re

from classifiers.identity import IDENTITY_TERMS

# Groups the identity terms leave unmasked, or do not list.
MORE_GROUPS = ("women", "men", "girls", "gypsies", "gypsy", "roma", "migrants", "migrant", "foreigners", "trannies",
               "asylum", "transgenders", "lgbtq", "lesbian", "gays", "blacks", "whites")
# Slurs for groups: each names a group and is hostile on its own.
SLURS = ("nigger", "niggers", "nigga", "niggas", "faggot", "faggots", "fag", "fags", "dyke", "dykes", "tranny",
         "trannies", "kike", "kikes", "chink", "chinks", "gook", "gooks", "spic", "spics", "wetback", "wetbacks",
         "paki", "pakis", "towelhead", "towelheads", "raghead", "ragheads", "coon", "coons", "beaner", "beaners",
         "retard", "retards", "retarded", "kyke", "sandnigger", "sandniggers", "wop", "wops", "dago", "dagos",
         "gyppo", "gyppos", "pikey", "pikeys", "negro", "negroes", "jigaboo", "shemale", "shemales", "poofter",
         "poofters", "queers", "mongoloid", "mongoloids", "spastic", "spastics", "yid", "yids", "zipperhead")
# What hate says of a group: dehumanising nouns, contempt, and harm done to them.
HOSTILE = frozenset("""
vermin animals animal apes ape monkeys monkey rats rat cockroaches cockroach parasites parasite pigs swine dogs
savages savage filth scum trash garbage plague disease cancer virus infestation infest leeches leech subhuman
subhumans freaks freak perverts pervert perverted degenerates degenerate abomination abominations criminals
criminal thugs thug terrorists terrorist rapists rapist invaders invasion breed breeding inferior worthless
useless evil vile filthy dirty disgusting revolting smelly smell stink stinking stench lazy stupid primitive
barbaric barbarians backward sick mentally deviants deviant pedophiles paedophiles groomers predators vermin-like
kill killed killing exterminate exterminated extermination eradicate eradicated gas gassed hang hanged lynch
lynched shoot shot burn burned burnt drown drowned deport deported expel expelled ban banned beat beaten smash
stab stabbed slaughter slaughtered wipe wiped destroy destroyed cage caged sterilise sterilised sterilize
sterilized castrate castrated attack attacked hate hated despise despised loathe drain burden leeching threat threats
danger dangerous menace
""".split())
NEGATIONS = frozenset({"not", "never", "no", "nobody", "nothing", "none", "nor", "neither", "cannot", "nowhere",
                       "noone"})
# "nothing but", "no better than", "not only ... but": emphasis, not negation.
NOT_NEGATING = frozenset({"but", "better", "more", "less", "only", "just", "even", "different"})
REPORTING = frozenset({"saying", "calling", "claiming", "suggesting", "implying", "insisting", "shouting",
                       "chanting", "writing", "says", "said", "say", "wrote", "writes", "shouted", "yelled",
                       "chanted", "claimed", "claims", "called", "calls", "posted", "tweeted", "screamed"})
REPORTING_AFTER = frozenset({"claim", "idea", "notion", "suggestion", "lie", "myth", "view", "belief"})
# Words with which a comment rejects what it reports.
CONDEMN = frozenset("""
racist racism bigot bigots bigotry bigoted sexist sexism misogyny misogynistic misogynist homophobic homophobia
transphobic transphobia antisemitic antisemitism islamophobic islamophobia xenophobic xenophobia hateful hatred
prejudice prejudiced vile disgusting disgraceful disgrace shameful shame ashamed wrong nonsense lies untrue
false harm harmful offensive unacceptable appalling abhorrent ugly reported removed condemned condemn condemns
deleted dehumanising dehumanizing ignorant cruel inexcusable sickening outrageous rubbish
""".split())
# Phrases with which a comment rejects what it quotes or reports, beside the single words above.
CONDEMN_PHRASES = (
    r"(?:nobody|no one|no-one|none of us) (?:should|would|could|has the right to|deserves to) (?:ever )?(?:say|write|"
    r"hear|read|be called|be told|put up with)", r"should (?:never|not) (?:be )?(?:say|said|print|printed|publish|"
    r"published|allowed|tolerated|repeated)", r"(?:has|have) no place (?:here|in|on)", r"(?:spread|spreads|"
    r"spreading|spreaded|stirring up|stirs up|stir up|inciting|incites) (?:of )?hate", r"hate speech",
    r"(?:called|call|calling) (?:it |them |him |her )?out", r"push(?:ed|ing)? back", r"(?:stand|stood|speak|spoke|"
    r"speaking) (?:up )?against", r"not (?:okay|ok|acceptable|true)", r"(?:is|are|was) (?:a |an )?(?:lie|slur|smear)",
    r"(?:reported|flagged) (?:it|them|this|that|him|her)",
)
CONDEMN_PHRASE_RE = re.compile(r"\b(?:" + "|".join(CONDEMN_PHRASES) + r")\b", re.IGNORECASE)
QUOTES = "\"“”„«»"
QUOTED_RE = re.compile(r"[\"“”„«»][^\"“”„«»]*[\"“”„«»]")
GROUP_REACH = 8
SENTENCE_RE = re.compile(r"[^.!?;]+[.!?;]*")
TOKEN_RE = re.compile(r"[\"“”„«»]|[^\W_]+(?:['’][^\W_]+)*|,|:")
GROUPS = frozenset(IDENTITY_TERMS | set(MORE_GROUPS) | set(SLURS))
SLUR_SET = frozenset(SLURS)
WORD_RE = re.compile(r"\w+")
CONDEMN_RE = re.compile(r"\b(?:" + "|".join(sorted(CONDEMN)) + r")\b", re.IGNORECASE)
YOU_RE = re.compile(r"\b(?:you|your|you're|youre|yourself|u|ur)\b", re.IGNORECASE)


def _negation(word):
    return word in NEGATIONS or word.endswith(("n't", "n’t"))


def _marks(tokens, question=False):
    """(negated, reported) flags per token of one sentence; a question's negation ("Isn't it obvious that ...?",
    "Don't you think ...?") asks for agreement and negates nothing."""
    words = [t.lower() for t, _, _ in tokens]
    negated, reported = [False] * len(words), [False] * len(words)
    quoted = False
    for k, w in enumerate(words):
        if w in QUOTES:
            quoted = not quoted
        reported[k] = quoted
    for k, w in enumerate(words):
        if _negation(w) and not question and not (k + 1 < len(words) and words[k + 1] in NOT_NEGATING):
            for j in range(k + 1, len(words)):
                if words[j] in (",", ":", "but") or words[j] in QUOTES:
                    break
                negated[j] = True
        if w in REPORTING or (w == "that" and k and words[k - 1] in REPORTING_AFTER):
            for j in range(k + 1, len(words)):
                if words[j] in CONDEMN:
                    break
                reported[j] = True
    return negated, reported


def _runs(flags):
    """Runs of consecutive True flags, as lists of indices."""
    runs = []
    for k, flag in enumerate(flags):
        if flag and runs and runs[-1][-1] == k - 1:
            runs[-1].append(k)
        elif flag:
            runs.append([k])
    return runs


def _sentences(text):
    """([(token, start, end)], whether it is a question) per sentence of text."""
    out = []
    for match in SENTENCE_RE.finditer(text):
        tokens = [(m.group(), match.start() + m.start(), match.start() + m.end())
                  for m in TOKEN_RE.finditer(match.group())]
        if tokens:
            out.append((tokens, match.group().rstrip().endswith("?")))
    return out


def worth_reading(text, flagged):
    """Whether read() could change anything: a group is named, and a hostile word stands beside it or the models
    flagged the comment (most comments are neither, and a set look-up is cheaper than reading them)."""
    words = frozenset(WORD_RE.findall(text.lower()))
    return not GROUPS.isdisjoint(words) and (flagged or not HOSTILE.isdisjoint(words))


def read(text):
    """(group hate found, [(start, end)] of hostile clauses negated or reported and condemned); reported hate that
    nobody condemns is hate."""
    hate, reported_hate, scoped, condemned = False, False, [], False
    for tokens, question in _sentences(text):
        negated, reported = _marks(tokens, question)
        words = [t.lower() for t, _, _ in tokens]
        # "... is not racist" condemns nothing.
        condemned = condemned or any(w in CONDEMN and not reported[k] and not negated[k] for k, w in enumerate(words))
        hate = hate or _hate(words, negated, reported)
        reported_hate = reported_hate or _hate(words, negated, [False] * len(words))
        if GROUPS.isdisjoint(words):
            continue  # only hate at a group is read for its scope: "Nobody likes this stupid plan" is left alone
        for flags, counted, needs_condemning in ((negated, HOSTILE, False), (reported, GROUPS, True)):
            for run in _runs(flags):
                if any(words[k] in counted for k in run):
                    scoped.append((tokens[run[0]][1], tokens[run[-1]][2], needs_condemning))
    # A condemning phrase outside the quotes ("... has no place here", "they are spreading hate").
    phrases = [m.span() for m in CONDEMN_PHRASE_RE.finditer(QUOTED_RE.sub(lambda m: " " * len(m.group()), text))]
    condemned = condemned or bool(phrases)
    addressed = _addressed(text)
    # A negated insult at a reader is still an attack ("Nobody cares about your stupid opinion").
    spans = [(s, e) for s, e, needs in scoped if (condemned if needs else not addressed)]
    if any(needs for _, _, needs in scoped) and condemned and not addressed:
        # The condemnation itself ("is racist", "vile") is no abuse once what it condemns is out.
        spans += [(m.start(), m.end()) for m in CONDEMN_RE.finditer(text)] + phrases
    return hate or (reported_hate and not condemned), spans


def _hate(words, negated, reported):
    """Whether a group stands near a hostile word outside negation and report; a slur is hate even negated."""
    hostile = [k for k, w in enumerate(words) if not reported[k]
               and (w in SLUR_SET or (w in HOSTILE and not negated[k]))]
    groups = [k for k, w in enumerate(words) if w in GROUPS and not reported[k] and not negated[k]]
    return any(words[k] in SLUR_SET for k in hostile) or any(abs(g - h) <= GROUP_REACH for g in groups for h in hostile)


def _addressed(text):
    """Whether a reader is spoken to ("You are a racist for saying ..." stays an attack)."""
    return YOU_RE.search(text) is not None


def without(text, spans):
    """text with spans (which may overlap) blanked out."""
    blank = bytearray(len(text))
    for start, end in spans:
        blank[start:end] = b"\x01" * (end - start)
    return "".join(" " if blank[k] else c for k, c in enumerate(text))
