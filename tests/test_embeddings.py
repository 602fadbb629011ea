"""The sentence vectors distilled from all-MiniLM-L6-v2 and the network over them, in the abuse scores."""
from pathlib import Path

import numpy as np

from classifiers import abuse, corpora
from classifiers.embeddings import StaticEmbeddings
from classifiers.features import linear_scores

DATA_DIR = Path(__file__).parents[1] / "data" / "corpora"


def test_texts_of_like_meaning_get_like_vectors_whatever_else_is_in_the_batch():
    vectors = StaticEmbeddings()
    texts = ["You are an idiot.", "You are a moron.", "The bus was late this morning."]
    together = vectors.transform(texts + ["", "word " * 400])
    assert np.allclose(np.linalg.norm(together[:3], axis=1), 1.0, atol=1e-4)
    assert together[0] @ together[1] > together[0] @ together[2] + 0.2
    assert not together[3].any()  # nothing to read: no vector, not the padding's
    alone = np.vstack([vectors.transform([text]) for text in texts])
    assert np.allclose(alone, together[:3], atol=1e-5)


def test_a_long_comment_is_read_to_its_end():
    vectors = StaticEmbeddings()
    opening = "The council met on Tuesday to discuss the budget for the coming year. " * 12
    first, second = vectors.transform([opening + "Thank you all.", opening + "You are all idiots and liars."])
    assert not np.allclose(first, second)


def test_the_network_moves_the_scores_of_texts_that_name_no_group_and_leaves_group_sentences_to_the_ngrams(trained_bundle):
    models = trained_bundle.abuse_models
    texts = ["What a stupid thing to say, you fool.", "Muslims are ruining this town."]
    linear = linear_scores(models._features(texts), models._weights())
    margins = models.margins(texts)
    for k, rule in enumerate(abuse.ABUSE_RULES):
        ngrams_alone = (linear[:, k] + models.models[rule].intercept_[0]) / models.spreads[rule][0]
        assert abs(margins[rule][0] - ngrams_alone[0]) > 1e-3
        assert np.isclose(margins[rule][1], ngrams_alone[1])


def test_groups_read_alike_to_the_network(trained_bundle):
    models = trained_bundle.abuse_models
    texts = [abuse._prepare(f"{group} are ruining this town.", True, abuse.HEAD_IDENTITY_TOKEN)
             for group in ("Muslims", "Christians", "Jews")]
    vectors = models.embeddings.transform(texts)
    assert np.array_equal(vectors[0], vectors[1]) and np.array_equal(vectors[1], vectors[2])


def test_tokens_read_chunk_by_chunk_are_the_tokenizers_own_for_the_whole_text():
    vectors = StaticEmbeddings()
    texts = [ex.text for ex in corpora.read_abuse_examples(DATA_DIR, limit=200)]
    texts += ["Café déjà-vu, naïve résumé!!  x_y", "tabs\tand\nnewlines", "ｆｕｌｌ width", "emoji 😀 here", ""]
    indices, indptr = vectors._rows(texts)
    whole = [e.ids for e in vectors._tokenizer().encode_batch(texts, add_special_tokens=False)]
    assert [indices[a:b].tolist() for a, b in zip(indptr[:-1], indptr[1:])] == whole
