"""Static token vectors distilled from all-MiniLM-L6-v2 (data/embeddings): a text reads as their weighted mean."""
from array import array
from pathlib import Path

import numpy as np
from scipy import sparse
from tokenizers import Tokenizer

DIRECTORY = Path(__file__).resolve().parents[1] / "data" / "embeddings"
# Smooth inverse frequency (Arora et al. 2017): a token's weight is SIF_A / (SIF_A + its share of training tokens).
SIF_A = 1e-3
MAX_CHARS = 2000
# Whitespace-separated chunks whose token ids are remembered between calls (they recur from comment to comment).
CACHE_SIZE = 50_000
INDEX_BYTES = np.dtype(np.intc).itemsize
ROW_BY_ROW = 8


class StaticEmbeddings:
    """A tokenizer and a table of token vectors; fit() weighs the tokens by their frequency in training texts."""

    def __init__(self, directory=DIRECTORY):
        self.tokenizer_json = (Path(directory) / "tokenizer.json").read_text(encoding="utf-8")
        self.table = np.load(Path(directory) / "minilm_static.npz")["vectors"]  # float16, tokens x dimensions

    def fit(self, texts):
        """Weigh each token by how rare it is in these texts (frequent tokens say little about a comment)."""
        indices, _ = self._rows(texts)
        share = np.bincount(indices, minlength=len(self.table)) / max(len(indices), 1)
        weights = SIF_A / (SIF_A + share)
        self.table = (self.table.astype(np.float32) * weights[:, None]).astype(np.float16)
        self.__dict__.pop("_weighted", None)
        return self

    def transform(self, texts):
        """texts x dimensions, float32: the weighted sum of each text's token vectors, of unit length."""
        indices, indptr = self._rows(texts)
        table = self._float_table()
        if len(texts) <= ROW_BY_ROW:  # building a sparse matrix costs a few comments more than the sums
            summed = np.array([table[indices[a:b]].sum(axis=0) for a, b in zip(indptr[:-1], indptr[1:])],
                              dtype=np.float32).reshape(len(texts), table.shape[1])
        else:
            counts = sparse.csr_matrix((np.ones(len(indices), dtype=np.float32), indices, indptr),
                                       shape=(len(texts), len(table)))
            summed = np.asarray(counts @ table, dtype=np.float32)
        norms = np.linalg.norm(summed, axis=1, keepdims=True)
        return summed / np.where(norms == 0, 1.0, norms)

    def _rows(self, texts):
        """(indices, indptr): each text's token ids. The tokenizer splits at whitespace before anything else, so
        a text's tokens are its chunks' tokens, each chunk tokenized once and remembered."""
        cache = self.__dict__.setdefault("_chunk_ids", {})
        if len(cache) > CACHE_SIZE:
            cache.clear()
        split = [text[:MAX_CHARS].split() for text in texts]
        unseen = [chunk for chunk in dict.fromkeys(c for chunks in split for c in chunks) if chunk not in cache]
        if unseen:
            encoded = self._tokenizer().encode_batch_fast(unseen, add_special_tokens=False)
            cache.update((chunk, array("i", e.ids).tobytes()) for chunk, e in zip(unseen, encoded))
        rows = [b"".join(map(cache.__getitem__, chunks)) for chunks in split]
        indptr = np.cumsum([0] + [len(row) for row in rows], dtype=np.int64) // INDEX_BYTES
        return np.frombuffer(bytearray(b"".join(rows)), dtype=np.intc), indptr

    def _tokenizer(self):
        if "_loaded_tokenizer" not in self.__dict__:
            # The file pads and truncates to 128 tokens for the transformer; a static mean needs neither.
            self._loaded_tokenizer = Tokenizer.from_str(self.tokenizer_json)
            self._loaded_tokenizer.no_padding()
            self._loaded_tokenizer.no_truncation()
        return self._loaded_tokenizer

    def _float_table(self):
        if "_weighted" not in self.__dict__:
            self._weighted = self.table.astype(np.float32)
        return self._weighted

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k not in ("_loaded_tokenizer", "_weighted", "_chunk_ids")}
