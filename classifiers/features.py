"""Faster transforms for fitted TF-IDF vectorizers: char_wb n-grams counted once per distinct word, word n-grams
looked up without sklearn's per-document overhead."""
import re
from array import array

import numpy as np
from scipy import sparse

# Distinct words whose n-gram counts are remembered between calls (words recur from comment to comment).
CACHE_SIZE = 50_000
INDEX_BYTES = np.dtype(np.intc).itemsize  # array("i") holds C ints


def _cacheable(vectorizer, analyzer="char_wb"):
    return (vectorizer.analyzer == analyzer and vectorizer.lowercase and vectorizer.preprocessor is None
            and not vectorizer.strip_accents and vectorizer.input == "content" and not vectorizer.binary
            and vectorizer.tokenizer is None and vectorizer.stop_words is None)


def _ngrams(word, min_n, max_n):
    """sklearn's char_wb n-grams of one word (padded with a space each side), in the same order."""
    padded = f" {word} "
    size, grams = len(padded), []
    if size > max_n:  # every n fits: one pass (most words)
        return [padded[i:i + n] for n in range(min_n, max_n + 1) for i in range(size - n + 1)]
    for n in range(min_n, max_n + 1):
        if size <= n:
            grams.append(padded)
            break
        grams += [padded[i:i + n] for i in range(size - n + 1)]
    return grams


def _count_words(vectorizer, words):
    """{word: the indices of its in-vocabulary n-grams as int32 bytes}; an n-gram found twice is listed twice.

    Bytes, not arrays: a cached word costs about a third of the memory, and a batch joins them at once."""
    vocabulary = vectorizer.vocabulary_
    min_n, max_n = vectorizer.ngram_range
    return {word: array("i", [j for j in map(vocabulary.get, _ngrams(word, min_n, max_n)) if j is not None]).tobytes()
            for word in words}


def char_wb_transform(vectorizer, texts, cache):
    """The same matrix as vectorizer.transform(texts), computed faster.

    char_wb n-grams never cross whitespace, so a text's n-gram counts are the sum of its words'
    counts: texts x words (how often each word occurs) @ words x n-grams (cached per word)."""
    if not _cacheable(vectorizer):
        return vectorizer.transform(texts)
    if len(cache) > CACHE_SIZE:
        cache.clear()
    word_ids, columns, indptr = {}, [], [0]
    for text in texts:
        columns.extend(word_ids.setdefault(w, len(word_ids)) for w in text.lower().split())
        indptr.append(len(columns))
    occurrences = sparse.csr_matrix(
        (np.ones(len(columns), dtype=np.float32), np.asarray(columns, dtype=np.int32),
         np.asarray(indptr, dtype=np.int64)), shape=(len(texts), len(word_ids)))
    cache.update(_count_words(vectorizer, [w for w in word_ids if w not in cache]))
    entries = [cache[w] for w in word_ids]
    indices = np.frombuffer(b"".join(entries), dtype=np.intc)
    ends = np.cumsum(np.fromiter(map(len, entries), dtype=np.int64, count=len(entries))) // INDEX_BYTES
    # Repeated indices in a row add up in the product, as repeated n-grams add up in sklearn's counts.
    ngrams = sparse.csr_matrix((np.ones(len(indices), dtype=np.float32), indices, np.r_[0, ends]),
                               shape=(len(word_ids), len(vectorizer.vocabulary_)))
    counts = (occurrences @ ngrams).astype(vectorizer.dtype, copy=False).tocsr()
    counts.sort_indices()
    return vectorizer._tfidf.transform(counts, copy=False)


def word_transform(vectorizer, texts):
    """The same matrix as vectorizer.transform(texts) for a word n-gram vectorizer, computed faster."""
    if not _cacheable(vectorizer, "word"):
        return vectorizer.transform(texts)
    get, findall = vectorizer.vocabulary_.get, re.compile(vectorizer.token_pattern).findall
    min_n, max_n = vectorizer.ngram_range
    indices, indptr = array("i"), [0]
    for text in texts:
        tokens = findall(text.lower())
        grams = [] if min_n > 1 else tokens
        for n in range(max(min_n, 2), max_n + 1):
            grams = grams + [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
        indices.extend(j for j in map(get, grams) if j is not None)
        indptr.append(len(indices))
    counts = sparse.csr_matrix((np.ones(len(indices), dtype=vectorizer.dtype), np.frombuffer(indices, dtype=np.intc),
                                np.asarray(indptr, dtype=np.int64)), shape=(len(texts), len(vectorizer.vocabulary_)))
    counts.sum_duplicates()  # sorted indices, repeated n-grams added up as sklearn counts them
    return vectorizer._tfidf.transform(counts, copy=False)
