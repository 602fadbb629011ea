"""Words written with letters dropped or swapped read back to a known word: "vrmin" -> "vermin", "Mnodays" -> "Mondays".

A word the word model never saw adds nothing but its character n-grams, which for "vrmin" or "wmen" say
little. Such a word is read as the most frequent known word with the same consonants in the same order
(the "skeleton": vowels dropped), when that skeleton has at least MIN_SKELETON letters; known words and
identity terms stay as written.
"""
import re

from classifiers.identity import is_identity_term

MIN_SKELETON = 3
VOWELS = str.maketrans("", "", "aeiou")
WORD_RE = re.compile(r"[A-Za-z]{3,}")


def skeleton(word):
    """A lower-case word's consonants in order."""
    return word.translate(VOWELS)


class Respeller:
    """Unknown words read as the most frequent known word with their skeleton."""

    def __init__(self, vocabulary, idf):
        """vocabulary: a fitted vectorizer's {term: column}; idf: its idf_ (lower is more frequent)."""
        self.known = frozenset(w for w in vocabulary if w.isalpha())
        best = {}
        for word in self.known:
            key = skeleton(word)
            if len(key) >= MIN_SKELETON and len(word) >= 4:
                if key not in best or idf[vocabulary[word]] < idf[vocabulary[best[key]]]:
                    best[key] = word
        self.best = best

    def _word(self, match):
        word = match.group()
        lower = word.lower()
        if lower in self.known or is_identity_term(lower):
            return word
        found = self.best.get(skeleton(lower))
        return word if found is None or abs(len(found) - len(lower)) > 3 else found

    def __call__(self, text):
        """text with its unknown words read back."""
        known = self.known
        if all(word.lower() in known for word in WORD_RE.findall(text)):
            return text  # most comments
        return WORD_RE.sub(self._word, text)
