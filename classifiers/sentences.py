"""The "full sentences" rule: transparent heuristics, no training, each flag with a plain reason."""
import re

from classifiers.text import URL_RE, strip_noise
from classifiers.text import words as words_of

# Fixed thresholds: the score is a rule-based probability-like value, so the cut-offs are
# chosen by construction (a lone word or text-speak scores above REJECT, weaker signs in between).
REVIEW, REJECT = 0.5, 0.85

TEXT_SPEAK = frozenset(
    "u r ur ure urs rite plz pls plzz thx thnx tnx lol lmao lmfao rofl omg omfg wtf idk idc ikr gr8 b4 "
    "2day 2moro 2nite cuz coz bcoz bcz ya yea yeah k kk ppl msg tho nite luv smh ty tysm wat wot dat dis "
    "da dem dey wanna gonna gotta cya bf gf bff btw fyi imo imho hbu wyd brb ttyl srsly rly 4 2 n y".split()
)
# Tokens that are only text-speak when they stand for words ("4" = for, "2" = to, "n" = and).
WEAK_TEXT_SPEAK = frozenset("4 2 n y ya yea yeah btw fyi imo imho gonna wanna gotta k".split())
VERBISH = frozenset(
    "is are was were be been being am isn aren wasn weren do does did done doing don doesn didn have has "
    "had having haven hasn can could will would shall should may might must won wouldn shouldn couldn "
    "can't cannot get got go goes went make made take took say said see saw know knew think thought want "
    "need like love hate agree disagree mean means believe feel felt look looks seem seems come came give "
    "gave keep let put tell told find found work works call called try tried leave left read write wrote "
    "hope wish thank thanks please agreed exactly yes no nope true indeed absolutely congratulations "
    "congrats bravo welcome sorry wow amen same hear support stop vote voted pay paid live lives die "
    "died kill killed help helps lose lost win won "
    # irregular past participles: "Very well written piece." has its verb in "written"
    "written given taken seen known shown spoken chosen broken driven eaten fallen forgotten gotten hidden "
    "stolen thrown worn begun become bought brought built caught fought held kept led meant met sent spent "
    "stood taught understood gone beaten proven born run heard sold".split()
)
FUNCTION_WORDS = frozenset(
    "the a an this that these those of to in on at for with by from about as into than then and or but "
    "if because so not i you he she it we they me him her us them my your his its our their who what "
    "which why how when where there here all any some no every".split()
)
VERB_SUFFIX_RE = re.compile(r"(ed|ing|ize|ise|ify|ate)$")
EMOJI_OR_SYMBOL_RE = re.compile(r"^[\W_\d]*$", re.UNICODE)
REPEATS_RE = re.compile(r"([!?.])\1{3,}|(\w)\2{4,}")
WITHOUT_LOWER_ASCII = str.maketrans("", "", "abcdefghijklmnopqrstuvwxyz")


def _is_verbish(word):
    w = word.lower().replace("’", "'")
    return w in VERBISH or "'" in w or bool(VERB_SUFFIX_RE.search(w)) and len(w) > 4


def assess_sentences(text):
    """Probability-like score that the text is not written in full sentences, with reasons."""
    stripped = strip_noise(text)
    words = [w for w in words_of(stripped) if not w.isdigit()]
    if not words:
        if URL_RE.search(text):
            return 0.97, ["Only a link, with no words of your own"]
        return 0.97, ["Only emoji, symbols or punctuation: there are no words"]
    lower = [w.lower() for w in words]
    flags = []
    if len(words) == 1:
        flags.append((0.9, f"A single word ('{words[0]}') is not a sentence"))
    speak = [w for w in lower if w in TEXT_SPEAK]
    strong = [w for w in speak if w not in WEAK_TEXT_SPEAK]
    share = len(speak) / len(words)
    if len(strong) >= 2 and share >= 0.2 or len(strong) >= 1 and share >= 0.5:
        flags.append((0.9, "Text-speak instead of words: " + ", ".join(f"'{w}'" for w in dict.fromkeys(speak))))
    elif len(strong) >= 1 and len(words) <= 8 or len(strong) >= 2:
        flags.append((0.45, "Uses text-speak: " + ", ".join(f"'{w}'" for w in dict.fromkeys(strong))))
    # Shouting needs 80% capitals: a text with many lower-case ASCII letters is not, whatever the rest is.
    lower_ascii = len(stripped) - len(stripped.translate(WITHOUT_LOWER_ASCII))
    caps = [] if lower_ascii > 0.2 * len(stripped) else [c for c in stripped if c.isalpha()]
    if len(caps) >= 12 and len(words) >= 3 and sum(c.isupper() for c in caps) / len(caps) > 0.8:
        flags.append((0.7, "Written in capital letters, which reads as shouting"))
    if 2 <= len(words) <= 8 and not any(_is_verbish(w) for w in words):
        if not any(w in FUNCTION_WORDS for w in lower) and len(words) >= 3:
            flags.append((0.55, "A list of words rather than a sentence (no verb)"))
        elif len(words) <= 3:  # "senior management", "the mayor": a heading or a fragment, for a moderator
            flags.append((0.55, f"{len(words)} words without a verb are not a sentence"))
        else:
            flags.append((0.2, "A short phrase without a verb"))
    elif 2 <= len(words) <= 3 and not any(w in FUNCTION_WORDS for w in lower) and not any(
            w in VERBISH or "'" in w for w in lower):
        # In so few words an -ing or -ed word with no pronoun or article is a noun phrase: "housing crisis",
        # "provinces considered" ("Nailed it." keeps its verb).
        flags.append((0.55, f"{len(words)} words without a verb are not a sentence"))
    if len(words) <= 3 and REPEATS_RE.search(stripped):
        flags.append((0.6, "Mostly repeated letters or punctuation"))
    if not flags:
        return 0.02, []
    score = max(p for p, _ in flags)
    # Two independent signs together are stronger than either alone.
    if sum(p >= 0.45 for p, _ in flags) >= 2:
        score = min(0.98, score + 0.05)
    return score, [reason for p, reason in sorted(flags, key=lambda f: -f[0]) if p >= 0.3]
