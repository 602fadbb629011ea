"""Faster transforms for fitted TF-IDF vectorizers: char_wb n-grams counted once per distinct word, word n-grams
looked up without sklearn's per-document overhead, and linear scores taken straight from the n-gram indices."""
import re
from array import array

import numpy as np
from scipy import sparse
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

# Distinct words whose n-gram counts are remembered between calls (words recur from comment to comment).
CACHE_SIZE = 50_000
INDEX_BYTES = np.dtype(np.intc).itemsize  # array("i") holds C ints


def _cacheable(vectorizer, analyzer="char_wb"):
    """Whether a fitted vectorizer analyses text as the fast transforms below assume."""
    return (vectorizer.analyzer == analyzer and vectorizer.lowercase and vectorizer.preprocessor is None
            and not vectorizer.strip_accents and vectorizer.input == "content" and not vectorizer.binary
            and vectorizer.tokenizer is None and vectorizer.stop_words is None)


def char_wb_ngrams(word, min_n, max_n):
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
    return {word: array("i", [j for j in map(vocabulary.get, char_wb_ngrams(word, min_n, max_n))
                              if j is not None]).tobytes()
            for word in words}


def char_wb_transform(vectorizer, texts, cache):
    """The same matrix as vectorizer.transform(texts), computed faster."""
    return _as_matrix(vectorizer, char_wb_indices(vectorizer, texts, cache))


def char_wb_indices(vectorizer, texts, cache):
    """(indices, indptr): each text's in-vocabulary char_wb n-grams, a repeated one listed again; or, for a
    vectorizer these shortcuts do not fit, its transform's matrix.

    char_wb n-grams never cross whitespace, so a text's n-grams are its words' n-grams (cached per word) put
    together."""
    if not _cacheable(vectorizer):
        return vectorizer.transform(texts)
    if len(cache) > CACHE_SIZE:
        cache.clear()
    split = [text.lower().split() for text in texts]
    cache.update(_count_words(vectorizer, [w for w in dict.fromkeys(w for words in split for w in words)
                                           if w not in cache]))
    rows = [b"".join(map(cache.__getitem__, words)) for words in split]
    indptr = np.cumsum([0] + [len(row) for row in rows], dtype=np.int64) // INDEX_BYTES
    return np.frombuffer(bytearray(b"".join(rows)), dtype=np.intc), indptr


def word_transform(vectorizer, texts):
    """The same matrix as vectorizer.transform(texts) for a word n-gram vectorizer, computed faster."""
    return _as_matrix(vectorizer, word_indices(vectorizer, texts))


def word_indices(vectorizer, texts):
    """(indices, indptr) of each text's in-vocabulary word n-grams (or the transform's matrix, as above)."""
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
    return np.frombuffer(indices, dtype=np.intc), np.asarray(indptr, dtype=np.int64)


def _as_matrix(vectorizer, rows):
    return _counted(vectorizer, *rows) if isinstance(rows, tuple) else rows


def linear_scores(blocks, weights):
    """hstack([each block's TF-IDF matrix]) @ weights, without building any sparse matrix: for one comment,
    building, stacking and multiplying scipy matrices cost several times the arithmetic.

    blocks: [(vectorizer, rows from char_wb_indices or word_indices)] in the column order of `weights`
    (features, or features x scores)."""
    total, offset = 0.0, 0
    for vectorizer, rows in blocks:
        size = len(vectorizer.vocabulary_)
        part = weights[offset:offset + size]
        total = total + (_tfidf_dot(vectorizer, *rows, part) if isinstance(rows, tuple) else rows @ part)
        offset += size
    return total


# Up to this many rows are scored one at a time; a larger batch is faster as one sparse product (bench/speed.py:
# batches of 256 ran at 0.75 of the sparse product's rate one row at a time). Both agree to float rounding.
ROW_BY_ROW = 8


def _tfidf_dot(vectorizer, indices, indptr, weights):
    """The TF-IDF rows of these n-gram indices (as _counted makes them) times weights: one row at a time for a few
    comments (a post is one), one sparse product for a batch."""
    tfidf = vectorizer._tfidf
    if len(indptr) - 1 > ROW_BY_ROW or not (tfidf.sublinear_tf and tfidf.use_idf and tfidf.norm == "l2"):
        return _counted(vectorizer, indices, indptr) @ weights
    rows = []
    for start, end in zip(indptr[:-1].tolist(), indptr[1:].tolist()):
        columns, counts = np.unique(indices[start:end], return_counts=True)  # repeated n-grams added up
        values = _tf_idf(tfidf, counts.astype(vectorizer.dtype), columns)
        norm = np.sqrt(np.dot(values, values)) or 1.0
        rows.append((values / norm).astype(vectorizer.dtype) @ weights[columns])
    return np.array(rows, dtype=np.result_type(weights, vectorizer.dtype)).reshape((len(rows),) + weights.shape[1:])


def _tf_idf(tfidf, counts, columns):
    """Sublinear term frequencies times the idf, in place (as _weigh does before normalising)."""
    np.log(counts, counts)
    counts += 1.0
    counts *= tfidf.idf_[columns]
    return counts


def _counted(vectorizer, indices, indptr):
    """The TF-IDF matrix of rows of n-gram indices (a repeated index is an n-gram found again)."""
    counts = sparse.csr_matrix((np.ones(len(indices), dtype=vectorizer.dtype), indices, indptr),
                               shape=(len(indptr) - 1, len(vectorizer.vocabulary_)))
    counts.sum_duplicates()  # sorted indices, repeated n-grams added up as sklearn counts them
    return _weigh(vectorizer, counts)


def _weigh(vectorizer, counts):
    """What vectorizer's TF-IDF step makes of a CSR count matrix (in place), without the input checks that
    cost sklearn more than the arithmetic when a batch is one comment."""
    tfidf = vectorizer._tfidf
    if not (tfidf.sublinear_tf and tfidf.use_idf and tfidf.norm == "l2"):
        return tfidf.transform(counts, copy=False)
    np.log(counts.data, counts.data)
    counts.data += 1.0
    counts.data *= tfidf.idf_[counts.indices]
    inplace_csr_row_normalize_l2(counts)
    return counts
