"""The English gate: py3langid for most languages plus a romanized-Hindi (Hinglish) detector."""
import functools
import re
import unicodedata
from collections import Counter

import numpy as np
from py3langid.langid import MODEL_FILE, LanguageIdentifier
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from classifiers.calibration import Platt
from classifiers.features import char_wb_indices, linear_scores, word_indices
from classifiers.text import LATIN_RE, strip_noise
from classifiers.text import words as words_of

LANGUAGE_NAMES = {
    "af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "bn": "Bengali", "br": "Breton", "ca": "Catalan",
    "cs": "Czech", "cy": "Welsh", "da": "Danish", "de": "German", "el": "Greek", "es": "Spanish", "et": "Estonian",
    "fa": "Persian", "fi": "Finnish", "fr": "French", "fy": "Frisian", "ga": "Irish", "gd": "Scottish Gaelic",
    "gl": "Galician", "gu": "Gujarati", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "ht": "Haitian Creole",
    "hu": "Hungarian", "id": "Indonesian", "it": "Italian", "ja": "Japanese", "ko": "Korean", "lb": "Luxembourgish",
    "lt": "Lithuanian", "lv": "Latvian", "mr": "Marathi", "ms": "Malay", "mt": "Maltese", "nl": "Dutch",
    "no": "Norwegian", "pa": "Punjabi", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian",
    "sk": "Slovak", "sl": "Slovenian", "sr": "Serbian", "sv": "Swedish", "sw": "Swahili", "ta": "Tamil",
    "te": "Telugu", "tl": "Tagalog", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese",
    "zh": "Chinese",
}
# Scripts used by one language: the script names it, no guess needed (Unicode's first name word).
SCRIPT_LANGUAGES = {"THAI": "th", "HANGUL": "ko", "HIRAGANA": "ja", "KATAKANA": "ja", "GREEK": "el", "HEBREW": "he",
                    "GEORGIAN": "ka", "ARMENIAN": "hy", "KHMER": "km", "MYANMAR": "my", "SINHALA": "si",
                    "ETHIOPIC": "am", "GURMUKHI": "pa", "GUJARATI": "gu", "TAMIL": "ta", "TELUGU": "te",
                    "KANNADA": "kn", "MALAYALAM": "ml", "LAO": "lo", "TIBETAN": "bo", "DEVANAGARI": "hi"}
SCRIPT_LABELS = {"CJK": "Chinese characters", "HIRAGANA": "Japanese script", "KATAKANA": "Japanese script",
                 "HANGUL": "Korean script"}
# A language guess on a text of at most SHORT_WORDS words, or on one of which at least MOSTLY_ENGLISH of the
# words are known English words (a few Hindi words in an English comment), stays at UNSURE_CAP: a person
# decides, not the classifier.
SHORT_WORDS, MOSTLY_ENGLISH, UNSURE_CAP = 4, 0.5, 0.6
# The language of a comment shows in its opening: the gate reads at most this many characters.
GATE_CHARS = 600
# When this share of a text's common words are known English words, no other language is considered.
KNOWN_ENGLISH = 0.85
PLAINLY_ENGLISH = 0.9
SPACES_RE = re.compile(r"\s+")


# Languages a reader of an English news site plausibly writes in; restricting py3langid to them stops
# short English with names being labelled as, say, Nigerian Pidgin or Sotho.
# Welsh, Irish, Scottish Gaelic, Breton, Luxembourgish, Frisian, Galician, Maltese and Haitian Creole are
# among them: without them their sentences came out as English.
PLAUSIBLE_LANGUAGES = ("en fr es de it pt nl sv da no fi pl cs sk ro hu tr ru uk bg el ar he fa ur hi bn pa "
                       "ta te mr gu zh ja ko vi id ms tl sw af ca hr sr sl lt lv et "
                       "cy ga gd br lb fy gl mt ht").split()


@functools.cache
def _langid():
    full = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    full.set_languages(PLAUSIBLE_LANGUAGES)
    # set_languages keeps every language's table for a later reset; a copy without it is 28 MB smaller.
    return LanguageIdentifier(full.nb_ptc, full.nb_pc, full.nb_classes, full.tk_nextmove, full.tk_output,
                              norm_probs=True, tk_row=full.tk_row)


def _name(code):
    return LANGUAGE_NAMES.get(code, code)


def main_script(letters):
    """The Unicode script most of these letters belong to, as the first word of their names: CYRILLIC, THAI."""
    return Counter(unicodedata.name(c, "UNKNOWN").split()[0] for c in letters).most_common(1)[0][0]


def _opening(text):
    """What the gate reads of a comment: its opening without links, @mentions and hashtags."""
    return strip_noise(text[:GATE_CHARS])


def _squash(opening):
    """An opening as the Hinglish detector reads it: lower case, single spaces."""
    return SPACES_RE.sub(" ", opening).strip().lower()


def _clean(text):
    return _squash(_opening(text))


class LanguageGate:
    """Scores the probability that a comment is not in English, with a language code and a reason."""

    def fit(self, english, hinglish, seed=0):
        texts = [_clean(t) for t in english] + [_clean(t) for t in hinglish]
        y = np.r_[np.zeros(len(english)), np.ones(len(hinglish))]
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), min_df=3, sublinear_tf=True,
                                     max_features=150_000, dtype=np.float32)
        self.words = TfidfVectorizer(token_pattern=r"[^\W\d_]+", min_df=2, sublinear_tf=True, dtype=np.float32)
        x = hstack([self.chars.fit_transform(texts), self.words.fit_transform(texts)]).tocsr()
        self.model = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced", random_state=seed)
        self.model.fit(x, y)
        counts = Counter(w.lower() for t in english for w in words_of(t))
        hing = Counter(w.lower() for t in hinglish for w in words_of(t))
        ratio = sum(hing.values()) / max(1, sum(counts.values()))
        self.vocabulary = frozenset(w for w, c in counts.items() if c >= 3 and c * ratio >= hing[w])
        self.platt = Platt().fit([0.0, 1.0], [0, 1])
        return self

    def hinglish_margin(self, texts):
        """The Hinglish detector's decision values (before calibration)."""
        return self._margin([_clean(t) for t in texts])

    def _margin(self, cleaned):
        chars = char_wb_indices(self.chars, cleaned, self.__dict__.setdefault("_ngram_cache", {}))
        blocks = [(self.chars, chars), (self.words, word_indices(self.words, cleaned))]
        return linear_scores(blocks, self.model.coef_.ravel()) + self.model.intercept_[0]  # decision_function

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "_ngram_cache"}

    def __setstate__(self, state):
        # Load py3langid's model with the version, not on the first comment that needs it (0.5 s).
        self.__dict__.update(state)
        _langid()

    def calibrate(self, texts, labels):
        """Platt-scale the Hinglish detector on held-out texts (1 = not English)."""
        self.platt = Platt().fit(self.hinglish_margin(texts), labels)
        return self

    def known_share(self, words):
        """Share of a text's common (not capitalised) words that are known English words."""
        # Capitalised words are mostly names (Rahul, Kejriwal): they say nothing about the language. The first
        # word is capitalised because it starts the text ("Give Dr Adeyemi a medal."), so it counts.
        if not words:
            return 0.0
        rest = [w for w in words[1:] if not w[:1].isupper()]
        common = words[:1] + rest if len(rest) + (not words[0][:1].isupper()) >= 2 else words
        return sum(map(self.vocabulary.__contains__, map(str.lower, common))) / len(common)

    def assess_many(self, texts):
        """[(p_not_english, language_code, reason or None)] for each text."""
        openings = [_opening(t) for t in texts]
        words = [words_of(o) for o in openings]
        known = [self.known_share(w) for w in words]
        # Three or more words, nearly all known English words: no detector needs to run.
        plain = [len(w) >= 3 and k >= PLAINLY_ENGLISH for w, k in zip(words, known)]
        rest = [_squash(o) for o, p in zip(openings, plain) if not p]
        p_hinglish = iter(self.platt(self._margin(rest)) if rest else [])
        return [(0.0, "en", None) if p else self._one(o, w, k, float(next(p_hinglish)))
                for o, w, k, p in zip(openings, words, known, plain)]

    def _one(self, clean, words, known, p_hinglish):
        """clean: the comment's opening (_opening); words: its words; known: their known_share."""
        n_letters = sum(map(str.isalpha, clean))
        if not n_letters:
            return 0.05, "und", None
        short = len(words) <= SHORT_WORDS
        n_latin = len(LATIN_RE.findall(clean))
        if n_latin / n_letters < 0.5:
            script = main_script([c for c in clean if c.isalpha() and not LATIN_RE.match(c)])
            code = SCRIPT_LANGUAGES.get(script) or _langid().classify(clean)[0]
            p = UNSURE_CAP if short and n_letters < 6 else 0.98
            return p, code, f"Written in {SCRIPT_LABELS.get(script, script.title() + ' script')} rather than English"
        # py3langid is over-confident on short or noisy text: trust it only as far as the
        # words themselves are not known English words (so it need not run when they all are).
        top, p_other = "en", 0.0
        if known < KNOWN_ENGLISH:
            ranking = _langid().rank(clean.lower() if clean.isupper() else clean)
            top, p_en = ranking[0][0], dict(ranking).get("en", 0.0)
            p_other = 0.0 if top == "en" else (1 - p_en) * float(np.clip((KNOWN_ENGLISH - known) / 0.5, 0, 1))
        p_other = min(0.97, p_other)
        p = max(p_hinglish, p_other)
        if short or known >= MOSTLY_ENGLISH:
            p = min(p, UNSURE_CAP)
        if p < 0.5:
            return p, "en", None
        if p_hinglish >= p_other:
            return p, "hi", "Looks like romanized Hindi rather than English"
        return p, top, f"Looks like {_name(top)} rather than English"
