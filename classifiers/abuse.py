"""Abuse and personal-attack classifiers: NB-weighted word + char n-grams, logistic regression, Platt."""
import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from classifiers.calibration import Platt
from classifiers.identity import mask_identities
from classifiers.sentences import FUNCTION_WORDS
from classifiers.text import words_with_offsets

ABUSE_RULES = ("abuse", "personal_attack")
MAX_CHARS = 2000
# A word must add at least this much log-odds on its own to be highlighted as a reason.
SPAN_MIN_CONTRIBUTION = 1.0
# ... and at least this share of the strongest word's contribution.
SPAN_RELATIVE = 0.5
# Words whose span scores are remembered between calls (they recur from comment to comment).
WORD_CACHE_SIZE = 100_000
# Inverse regularisation strength of the logistic regressions.
C = 4.0
CLASS_WEIGHT = "balanced"


# Words never highlighted on their own: they carry no abuse by themselves.
UNREMARKABLE = FUNCTION_WORDS | {"is", "are", "was", "were", "be", "am", "have", "has", "do", "does", "s", "t"}


def _prepare(text):
    return mask_identities(text[:MAX_CHARS])


class AbuseModels:
    """One shared feature space, one NB-SVM-style logistic regression per rule."""

    def fit(self, texts, labels, weights, seed=0):
        """labels/weights: {rule: (row indices, 0/1 array, weight array)} into texts."""
        prepared = [_prepare(t) for t in texts]
        self.words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_features=150_000, sublinear_tf=True,
                                     token_pattern=r"(?u)\b\w+\b", dtype=np.float32)
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3, max_features=150_000,
                                     sublinear_tf=True, dtype=np.float32)
        x = hstack([self.words.fit_transform(prepared), self.chars.fit_transform(prepared)]).tocsr()
        self.ratios, self.models, self.platt = {}, {}, {}
        for rule in ABUSE_RULES:
            idx, y, w = labels[rule]
            xr = x[idx]
            pos = np.asarray(xr[y == 1].sum(axis=0)).ravel() + 1.0
            neg = np.asarray(xr[y == 0].sum(axis=0)).ravel() + 1.0
            self.ratios[rule] = np.log((pos / pos.sum()) / (neg / neg.sum())).astype(np.float32)
            model = LogisticRegression(C=C, max_iter=1000, solver="liblinear", class_weight=CLASS_WEIGHT,
                                       random_state=seed)
            model.fit(xr.multiply(self.ratios[rule]).tocsr(), y, sample_weight=w)
            self.models[rule] = model
            self.platt[rule] = Platt().fit([0.0, 1.0], [0, 1])
        return self

    def _features(self, texts):
        prepared = [_prepare(t) for t in texts]
        return hstack([self.words.transform(prepared), self.chars.transform(prepared)]).tocsr()

    def margins(self, texts):
        """Uncalibrated decision values per rule."""
        x = self._features(texts)
        return {rule: self.models[rule].decision_function(x.multiply(self.ratios[rule]).tocsr())
                for rule in ABUSE_RULES}

    def calibrate(self, texts, labels):
        """labels: {rule: (row indices, 0/1 array)} into texts."""
        margins = self.margins(texts)
        for rule in ABUSE_RULES:
            idx, y = labels[rule]
            self.platt[rule] = Platt().fit(margins[rule][idx], y)
        return self

    def predict_proba(self, texts):
        """Calibrated probability per rule that each text breaks it."""
        margins = self.margins(texts)
        return {rule: self.platt[rule](margins[rule]) for rule in ABUSE_RULES}

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "_word_cache"}

    def word_scores(self, words):
        """{rule: {word: log-odds}}: each distinct lower-cased word scored on its own by the linear model."""
        cache = self.__dict__.setdefault("_word_cache", {})
        if len(cache) > WORD_CACHE_SIZE:
            cache.clear()
        unique = sorted({w.lower() for w in words} - cache.keys())
        if unique:
            x = self._features(unique)
            scores = {rule: x.multiply(self.ratios[rule]).tocsr() @ self.models[rule].coef_.ravel()
                      for rule in ABUSE_RULES}
            cache.update((w, {rule: float(scores[rule][i]) for rule in ABUSE_RULES}) for i, w in enumerate(unique))
        return {rule: {w.lower(): cache[w.lower()][rule] for w in words} for rule in ABUSE_RULES}

    def spans_many(self, requests):
        """requests: [(text, rules)] -> [{rule: [(start, end, word)]}], the words that pushed each score up."""
        tokenized = [words_with_offsets(text) for text, _ in requests]
        scores = self.word_scores([w for tokens in tokenized for w, _, _ in tokens])
        results = []
        for tokens, (_, rules) in zip(tokenized, requests):
            found = {}
            for rule in rules:
                contributions = [(s, e, w, float(scores[rule][w.lower()])) for w, s, e in tokens]
                best = max((c for *_, c in contributions), default=0.0)
                cut = max(SPAN_MIN_CONTRIBUTION, SPAN_RELATIVE * best)
                found[rule] = [(s, e, w) for s, e, w, c in contributions
                               if c >= cut and w.lower() not in UNREMARKABLE]
            results.append(found)
        return results

    def spans(self, text, rule):
        """Character offsets and words that pushed one rule's score up the most."""
        return self.spans_many([(text, (rule,))])[0][rule]
