"""Which words made a comment abusive: a per-word logistic regression trained on the toxic-spans posts.

Each word token is labelled 1 when raters marked most of its characters. Its features are the word,
its character n-grams, the abuse model's log-odds for it, the same for two words either side, and a
few numbers about the post. Every feature depends on one word or on the post, so a word's share of
the score is cached and tagging a comment is a few look-ups per word.
"""
import re
from bisect import bisect_left
from functools import lru_cache
from itertools import repeat
from operator import mul

import numpy as np
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

from classifiers.abuse import UNREMARKABLE, join_spans
from classifiers.features import char_wb_ngrams
from classifiers.identity import UNMASKED, is_identity_term

# Words keep apostrophes and in-word asterisks and look-alike symbols ("f*ck", "sh!t", "f@g"), which raters
# mark as one word.
TOKEN_RE = re.compile(r"[^\W_]+(?:['’*@$!]+[^\W_]+)*\**", re.UNICODE)
# Neighbours either side that count as context, by their offset from the word.
CONTEXT = ("L1", "R1", "L2", "R2")
OFFSETS = {"L1": -1, "R1": 1, "L2": -2, "R2": 2}
LOG_ODDS_BINS = (-1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0)
# Chosen on a development split of the training posts (never on the trial split we report).
C = 0.05
MIN_COUNT = 2
# A word is marked when its probability is at least FLOOR and RELATIVE times the post's likeliest word.
FLOOR = 0.08
RELATIVE = 0.4
# Fitted attributes that only training and its checks use (design); not stored with the version.
TRAINING_ONLY = ("words", "context", "word_coef", "context_coef")
# Words never marked on their own: function words, and the words for people that identity masking leaves
# alone (too common in other senses to mask) but that are no abuse.
NEVER_MARKED = UNREMARKABLE | UNMASKED | {"person", "woman", "man", "girl", "girls", "boy", "boys"}
# Distinct words whose shares are remembered (bounded, so a long-running process stays small).
CACHE_SIZE = 50_000


def tokens_of(text):
    """Word tokens as (word, start, end)."""
    return [(m.group(), m.start(), m.end()) for m in TOKEN_RE.finditer(text)]


@lru_cache(maxsize=CACHE_SIZE)
def markable(word):
    """Words never marked on their own: function words, identity terms and the words for people, women,
    men or the old (naming someone is not the abuse)."""
    return word.lower() not in NEVER_MARKED and not is_identity_term(word)


def _bin(x):
    """Which band of LOG_ODDS_BINS a log-odds falls in."""
    return bisect_left(LOG_ODDS_BINS, x)


def _char_grams(lower):
    """A word's distinct character 2- to 5-grams, padded with a space each side."""
    return dict.fromkeys(char_wb_ngrams(lower, 2, 5))


def _word_features(surface, abuse, attack):
    """A word's own features: itself, its character n-grams, its abuse and attack log-odds, its shape."""
    features = _shape_features(surface, abuse, attack)
    features.update({"c=" + gram: 1.0 for gram in _char_grams(surface.lower())})
    return features


def _shape_features(surface, abuse, attack):
    """A word's own features but its character n-grams."""
    lower = surface.lower()
    features = {"w=" + lower: 1.0, "a": abuse, "p": attack, "a+": max(abuse, 0.0), "p+": max(attack, 0.0),
                f"ab{_bin(abuse)}": 1.0, f"pb{_bin(attack)}": 1.0, "len": min(len(lower), 12) / 12.0}
    if lower in UNREMARKABLE:
        features["func"] = 1.0
    if len(surface) > 1 and surface.isupper():
        features["caps"] = 1.0
    elif surface[:1].isupper():
        features["title"] = 1.0
    if "*" in surface:
        features["star"] = 1.0
    if any(ch.isdigit() for ch in surface):
        features["digit"] = 1.0
    return features


def _context_features(lower, abuse, attack):
    """What a word tells about its neighbours: itself and how abusive it is."""
    return {"w=" + lower: 1.0, f"ab{_bin(abuse)}": 1.0, f"pb{_bin(attack)}": 1.0, "a+": max(abuse, 0.0),
            "func": float(lower in UNREMARKABLE)}


def _post_features(pairs, lengths):
    """Per token: its log-odds against its post's highest, whether it is the highest, first or last.

    pairs: (abuse, attack) log-odds of every token of every post in order; lengths: tokens per post."""
    n = len(pairs)
    out = np.zeros((n, 6))
    if n:
        post = np.repeat(np.arange(len(lengths)), lengths)
        starts = np.r_[0, np.cumsum(lengths)[:-1]]
        nonempty = lengths > 0
        for k in range(2):
            highest = np.zeros(len(lengths))
            highest[nonempty] = np.maximum.reduceat(pairs[:, k], starts[nonempty])
            out[:, k] = pairs[:, k] - highest[post]
            out[:, 2 + k] = out[:, k] == 0
        out[starts[nonempty], 4] = 1.0
        out[(starts + lengths - 1)[nonempty], 5] = 1.0
    return out


def _labels(tokens, gold):
    """1 for each token most of whose characters raters marked."""
    gold = set(gold)
    return [int(2 * sum(k in gold for k in range(start, end)) > end - start) for _, start, end in tokens]


def _neighbour(i, offset, n):
    j = i + offset
    return j if 0 <= j < n else None


class SpanTagger:
    """fit(posts, word_scores) on (text, gold character offsets) pairs; spans(texts, word_scores)."""

    def fit(self, posts, word_scores, seed=0):
        """word_scores(words) -> {lower-cased word: (abuse, attack) log-odds}: the abuse model's prior."""
        tokenized = [tokens_of(text) for text, _ in posts]
        scores = word_scores([w for tokens in tokenized for w, _, _ in tokens])
        surfaces = {w for tokens in tokenized for w, _, _ in tokens}
        self.words = DictVectorizer(dtype=np.float32).fit(_word_features(w, *scores[w.lower()]) for w in surfaces)
        self.context = DictVectorizer(dtype=np.float32).fit(
            _context_features(w, *scores[w]) for w in {w.lower() for w in surfaces})
        x = self.design(tokenized, scores)
        labels = np.array([label for (_, gold), tokens in zip(posts, tokenized) for label in _labels(tokens, gold)])
        # Features seen fewer than MIN_COUNT times get no weight (too rare to trust).
        x = x @ _diagonal(x.getnnz(axis=0) >= MIN_COUNT)
        model = LogisticRegression(C=C, max_iter=2000, solver="liblinear", random_state=seed)
        model.fit(x, labels)
        coef = model.coef_.ravel() * (x.getnnz(axis=0) > 0)
        cuts = np.cumsum([len(self.words.vocabulary_)] + [len(self.context.vocabulary_)] * len(CONTEXT))
        self.word_coef = coef[:cuts[0]]
        self.context_coef = {name: coef[cuts[k]:cuts[k + 1]] for k, name in enumerate(CONTEXT)}
        self.post_coef = coef[cuts[-1]:]
        self.intercept = float(model.intercept_[0])
        # For tagging: the non-zero weights by feature name (summing a word's few features beats a matrix).
        self.word_weights = {f: float(self.word_coef[j]) for f, j in self.words.vocabulary_.items()
                             if self.word_coef[j]}
        self.context_weights = {f: tuple(float(self.context_coef[name][j]) for name in CONTEXT)
                                for f, j in self.context.vocabulary_.items()
                                if any(self.context_coef[name][j] for name in CONTEXT)}
        return self

    def design(self, tokenized, scores):
        """One row per token: its word features, each context word's features, its place in the post."""
        surfaces = sorted({w for tokens in tokenized for w, _, _ in tokens})
        lowers = sorted({w.lower() for w in surfaces})
        word_rows = self.words.transform([_word_features(w, *scores[w.lower()]) for w in surfaces])
        # The last row of the context matrix stands for "no word there" (all zeros).
        context_rows = vstack([self.context.transform([_context_features(w, *scores[w]) for w in lowers]),
                               csr_matrix((1, len(self.context.vocabulary_)))]).tocsr()
        surface_index, lower_index = {w: i for i, w in enumerate(surfaces)}, {w: i for i, w in enumerate(lowers)}
        word_idx, context_idx = [], {name: [] for name in CONTEXT}
        for tokens in tokenized:
            n = len(tokens)
            for i, (word, _, _) in enumerate(tokens):
                word_idx.append(surface_index[word])
                for name in CONTEXT:
                    j = _neighbour(i, OFFSETS[name], n)
                    context_idx[name].append(lower_index[tokens[j][0].lower()] if j is not None else len(lowers))
        return hstack([word_rows[word_idx]] + [context_rows[context_idx[name]] for name in CONTEXT]
                      + [csr_matrix(_post_features(*_pairs_and_lengths(tokenized, scores)))], format="csr")

    def __getstate__(self):
        """A stored tagger keeps only what tagging needs; the vectorizers and full coefficient arrays serve
        training and design(), and would cost every serving process about 11 MB."""
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_") and k not in TRAINING_ONLY}

    def _shares(self, words, scores):
        """Each word's share of the score as itself, and as context (L1, R1, L2, R2), once per distinct word."""
        own, context = self.__dict__.setdefault("_own", {}), self.__dict__.setdefault("_context", {})
        if len(own) > CACHE_SIZE:
            own.clear(), context.clear()
        get, context_get, none = self.word_weights.get, self.context_weights.get, (0.0,) * len(CONTEXT)
        if "_char_weights" not in self.__dict__:  # character n-grams' weights by the n-gram itself
            self._char_weights = {f[2:]: w for f, w in self.word_weights.items() if f.startswith("c=")}
        char_get = self._char_weights.get
        for word in set(words).difference(own):
            shape = _shape_features(word, *scores[word.lower()])
            own[word] = (sum(map(mul, shape.values(), map(get, shape, repeat(0.0))))
                         + sum(map(char_get, _char_grams(word.lower()), repeat(0.0))))
        for lower in {w.lower() for w in words}.difference(context):
            shares = [tuple(value * w for w in context_get(name, none))
                      for name, value in _context_features(lower, *scores[lower]).items()]
            context[lower] = tuple(map(sum, zip(*shares)))
        return own, context

    def probabilities(self, tokenized, scores):
        """Probability that raters would mark each token: every token of every post, in order."""
        words = [w for tokens in tokenized for w, _, _ in tokens]
        if not words:
            return np.zeros(0)
        own, context = self._shares(words, scores)
        pairs, lengths = _pairs_and_lengths(tokenized, scores)
        post = np.repeat(np.arange(len(tokenized)), lengths)
        logits = np.array([own[w] for w in words]) + _post_features(pairs, lengths) @ self.post_coef
        neighbours = np.array([context[w.lower()] for w in words])
        for k, name in enumerate(CONTEXT):
            offset = OFFSETS[name]  # the word `offset` places away, in the same post, adds its share
            here, there = (slice(-offset, None), slice(None, offset)) if offset < 0 else \
                (slice(None, -offset), slice(offset, None))
            logits[here] += np.where(post[here] == post[there], neighbours[there, k], 0.0)
        return 1.0 / (1.0 + np.exp(-(logits + self.intercept)))

    def spans(self, texts, word_scores):
        """[[(start, end, words)]] per text: the marked phrases (adjacent marked words joined)."""
        tokenized = [tokens_of(text) for text in texts]
        scores = word_scores([w for tokens in tokenized for w, _, _ in tokens])
        probabilities, start, results = self.probabilities(tokenized, scores), 0, []
        for text, tokens in zip(texts, tokenized):
            candidates = [(t, p) for t, p in zip(tokens, probabilities[start:start + len(tokens)]) if markable(t[0])]
            start += len(tokens)
            top = max((p for _, p in candidates), default=0.0)
            cut = max(FLOOR, RELATIVE * top)
            joined = join_spans(text, [(s, e) for (_, s, e), p in candidates if p >= cut])
            results.append([(s, e, text[s:e]) for s, e in joined])
        return results


def _pairs_and_lengths(tokenized, scores):
    """Every token's (abuse, attack) log-odds as an (n, 2) array, and the number of tokens per post."""
    pairs = np.array([scores[w.lower()] for tokens in tokenized for w, _, _ in tokens]).reshape(-1, 2)
    return pairs, np.array([len(tokens) for tokens in tokenized], dtype=int)


def _diagonal(keep):
    """A diagonal 0/1 matrix that zeroes the columns not kept."""
    n = len(keep)
    return csr_matrix((keep.astype(np.float32), (np.arange(n), np.arange(n))), shape=(n, n))
