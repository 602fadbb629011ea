"""Behaviour of the classifiers a reader or moderator would notice, on a small fast model."""
import json
from pathlib import Path

import joblib
import numpy as np
import pytest
from scipy.sparse import hstack

from classifiers import RULES, Assessment, abuse, spans, store, training
from classifiers.evaluation import report
from classifiers.abuse import join_spans
from classifiers.evaluation import decision
from classifiers.features import char_wb_indices, char_wb_transform, linear_scores, word_indices, word_transform
from classifiers.identity import mask_identities
from classifiers.sentences import assess_sentences
from classifiers.text import original_span, readable, strip_noise

DATA_DIR = Path(__file__).parents[1] / "data" / "corpora"


@pytest.fixture
def bundle(trained_bundle):
    """The suite's test version (trained on 1,500 rows per corpus, seed 0), trained once per run (conftest)."""
    return trained_bundle


def test_assessment_has_all_rules(bundle):
    result = bundle.assess("I disagree with this decision.")
    assert isinstance(result, Assessment)
    assert set(result.scores) == set(RULES)
    assert all(0.0 <= p <= 1.0 for p in result.scores.values())
    assert set(bundle.metadata["thresholds"]) == set(RULES)
    json.dumps(bundle.metadata)


def test_english_sentence_is_english(bundle):
    result = bundle.assess("I think the council made the wrong call on the new bus lanes.")
    assert result.language == "en"
    assert result.scores["not_english"] < bundle.thresholds["not_english"]["review"]


@pytest.mark.parametrize("text", ["@USER Rahul Gandhi and Narendra Modi both spoke in Delhi today. URL #politics",
                                  "Give Dr Adeyemi a medal."])
def test_english_with_names_is_english(bundle, text):
    assert bundle.assess(text).scores["not_english"] < bundle.thresholds["not_english"]["review"]


@pytest.mark.parametrize("text, code, reason", [
    ("Je pense que cette décision est vraiment mauvaise pour notre ville.", "fr", "Looks like French"),
    ("Yeh sarkar bilkul bekaar hai, kuch kaam nahi karti yaar", "hi", "romanized Hindi"),
    ("Diolch yn fawr am yr erthygl hon, roedd yn ddiddorol iawn.", "cy", "Looks like Welsh"),
    ("ขอบคุณสำหรับบทความนี้ครับ เห็นด้วยทุกอย่าง", "th", "Written in Thai script"),
    ("Спасибо за статью, полностью согласен с автором.", "ru", "Written in Cyrillic script"),
])
def test_foreign_sentences_are_flagged_and_named(bundle, text, code, reason):
    result = bundle.assess(text)
    assert result.scores["not_english"] >= bundle.thresholds["not_english"]["reject"]
    assert result.language == code
    assert reason in result.rule_reasons["not_english"][0]


def test_short_text_language_guess_stays_moderate(bundle):
    assert bundle.assess("Merci beaucoup").scores["not_english"] <= 0.6


@pytest.mark.parametrize("text", ["I think this is a very good idea, koi sunta hi nahi.",
                                  "They have done nothing for the people here, bilkul bekaar."])
def test_mostly_english_with_a_few_hindi_words_goes_to_review_not_reject(bundle, text):
    assert bundle.assess(text).scores["not_english"] <= 0.6 < bundle.thresholds["not_english"]["reject"]
    # However sure the Hinglish detector is, half the words being known English words keeps it from rejecting.
    words = text.rstrip(".").split()
    p, code, _ = bundle.language_gate._one(text, words, known=0.5, p_hinglish=0.99)
    assert (p, code) == (0.6, "hi")
    assert bundle.language_gate._one(text, words, known=0.4, p_hinglish=0.99)[0] == 0.99


@pytest.mark.parametrize("text", ["ok", "lol!!!", "🔥🔥🔥", "u r so rite", "http://example.com"])
def test_fragments_are_not_sentences(bundle, text):
    result = bundle.assess(text)
    assert result.scores["not_sentences"] >= bundle.thresholds["not_sentences"]["reject"]
    assert result.rule_reasons["not_sentences"]


@pytest.mark.parametrize("text", ["I disagree with this decision.", "Well said.", "Great article, thanks!",
                                  "Well written article.",
                                  "This is a fair point but the numbers do not add up"])
def test_real_sentences_pass(text):
    score, reasons = assess_sentences(text)
    assert score < 0.5 and not reasons


def test_obscene_insult_scores_higher_and_spans_cover_the_insult(bundle):
    text = "You are a fucking idiot."
    insult, civil = bundle.assess(text), bundle.assess("I disagree with this decision.")
    assert insult.scores["abuse"] > civil.scores["abuse"]
    assert insult.scores["personal_attack"] > civil.scores["personal_attack"]
    covered = " ".join(text[s:e].lower() for s, e in insult.spans)
    assert "idiot" in covered or "fucking" in covered
    assert any("idiot" in r or "fucking" in r for r in insult.rule_reasons["abuse"])


def test_markup_left_in_a_comment_is_read_and_spans_point_into_the_original():
    assert readable("You&#39;re <b>right</b> &amp; fair")[0] == "You're  right  & fair"
    assert readable(r"Shut up\xa0now.\n\nIt\xe2\x80\x99s late, isn\u2019t it?")[0] == \
        "Shut up\xa0now.\n\nIt’s late, isn’t it?"
    for plain in ("Q&A at 5 <3", r"C:\Users\me", "a < b and c > d"):
        assert readable(plain) == (plain, None)
    text = "You&#39;re a <i>moron</i>."
    shown, places = readable(text)
    start, end = original_span(places, 0, len("You're"))
    assert text[start:end] == "You&#39;re"
    start, end = original_span(places, shown.index("moron"), shown.index("moron") + len("moron"))
    assert text[start:end] == "moron"


def test_invisible_and_look_alike_characters_are_read_as_the_reader_sees_them():
    hidden = "You are a complete id\u00adiot and a mo\u2060ron\ufeff, you \u0456d\u0456\u043et \uff4d\uff4f\uff52\uff4f\uff4e."
    shown, places = readable(hidden)
    assert shown == "You are a complete idiot and a moron, you idiot moron."
    for word in ("idiot", "moron"):
        start = shown.index(word)
        s, e = original_span(places, start, start + len(word))
        assert readable(hidden[s:e])[0] == word  # the span covers the word as sent, its invisible characters too
    assert readable("k\u200bi\u200cl\u200dl \u202ethem\u180e\u034f")[0] == "kill them"
    assert readable("You are an i d i o t.")[0] == "You are an idiot."
    # Words wholly in another script, and ordinary punctuation, stay as written.
    for plain in ("Москва большая.", "e.g. the U.S. plan", "Café au lait, s'il vous plaît."):
        assert readable(plain)[0] == plain


def test_a_backslash_before_a_capital_letter_is_text_not_an_escape():
    assert readable("In C:\\Temp") == ("In C:\\Temp", None)  # raised KeyError('\\T')
    assert readable("Files in C:\\Users\\Me\\Notes are safe.")[0] == "Files in C:\\Users\\Me\\Notes are safe."


def test_an_insult_hidden_with_invisible_characters_scores_as_the_plain_insult(bundle):
    plain, hidden = bundle.assess_many(["You are a complete idiot and a moron.",
                                        "You are a complete id\u00adiot and a mo\u00adron."])
    for rule in ("abuse", "personal_attack"):
        assert hidden.scores[rule] == pytest.approx(plain.scores[rule], abs=1e-9)


@pytest.mark.parametrize("text", ["senior management", "provinces considered", "housing crisis", "the mayor"])
def test_fragments_of_a_few_words_are_not_sentences(text):
    assert assess_sentences(text)[0] >= 0.5


@pytest.mark.parametrize("text", ["Nailed it.", "I agree.", "Prices are rising fast.", "Well said."])
def test_short_sentences_with_a_verb_pass(text):
    assert assess_sentences(text)[0] < 0.5


def test_a_comment_with_markup_is_judged_as_its_reader_sees_it(bundle):
    clean = "You're a stupid idiot and nobody wants you here.\n\nGo away."
    exported = ["<p>You&#39;re a stupid idiot and nobody wants you here.</p>\n<p>Go away.</p>",
                r"You\'re a stupid idiot and nobody wants you here.\n\nGo away."]
    expected = bundle.assess(clean)
    for text, got in zip(exported, bundle.assess_many(exported)):
        # The same words, so the same scores: tags, entities and escapes add no n-gram of their own.
        for rule in ("abuse", "personal_attack"):
            assert got.scores[rule] == pytest.approx(expected.scores[rule], abs=1e-9)
        assert decision(got.scores, bundle.thresholds) == decision(expected.scores, bundle.thresholds)
        assert [readable(text[s:e])[0] for s, e in got.spans] == [clean[s:e] for s, e in expected.spans]


def test_identity_words_are_never_marked_as_the_abuse(bundle):
    text = "I am a gay Muslim and you are a fucking idiot."
    [found] = bundle.abuse_models.spans_many([(text, ("abuse", "personal_attack"))])
    marked = " ".join(words for _, _, words in found["abuse"]).lower()
    assert "idiot" in marked or "fucking" in marked
    assert "gay" not in marked and "muslim" not in marked
    assert found["abuse"] == found["personal_attack"]
    # Nor the words for women, men or people, which masking leaves alone: the reader is never told "Women" is abuse.
    texts = ["Women like her should be beaten until they learn their place.", "Old men are disgusting perverts.",
             "Fat ugly women like you are worthless."]
    for found in bundle.abuse_models.spans_many([(text, ("abuse",)) for text in texts]):
        marked = {word.lower() for _, _, phrase in found["abuse"] for word in phrase.split()}
        assert marked and not marked & {"women", "men", "old"}


def test_threats_in_ordinary_words_reach_a_moderator(bundle):
    threats = ["I will find you and break your legs.", "I know where your children go to school.",
               "Someone should put a bullet in that judge."]
    for text, result in zip(threats, bundle.assess_many(threats)):
        assert decision(result.scores, bundle.thresholds) != "publish", text
    report = bundle.assess("The man who stabbed his neighbour was jailed for ten years.")
    assert decision(report.scores, bundle.thresholds) == "publish"


def test_harsh_words_about_a_thing_are_not_rejected_but_aimed_at_a_reader_they_are_an_attack(bundle):
    criticism = ["The whole fare system is a pathetic mess.", "The new bin collection rota is moronic."]
    for text, result in zip(criticism, bundle.assess_many(criticism)):
        assert decision(result.scores, bundle.thresholds) != "reject", text
    at_reader, at_thing = bundle.assess_many(["You are a brainless fool.", "What a brainless headline."])
    assert at_reader.scores["personal_attack"] > at_thing.scores["personal_attack"] + 0.3


@pytest.mark.parametrize("text", ["I am a gay Muslim", "My neighbour is Black", "Hindus celebrate Diwali",
                                  "Alex is homosexual", "Queers are my neighbours.", "I am a Protestant."])
def test_neutral_identity_sentences_are_not_abuse(bundle, text):
    result = bundle.assess(text)
    assert result.scores["abuse"] < bundle.thresholds["abuse"]["reject"]
    assert result.scores["abuse"] < 0.5


def test_identity_words_and_their_plurals_are_masked_but_slurs_are_not():
    masked = mask_identities("Queers and homosexuals live here, and Protestants and LGBT people.")
    assert masked.split() == ["and", "live", "here,", "and", "and", "people."]
    assert "faggots" in mask_identities("Gay people are not faggots.")


def test_assess_many_matches_assess(bundle):
    """A comment scores the same alone as in a small batch or a large one (scored row by row or as one product)."""
    texts = ["You are a fucking idiot.", "Well said.", "ok"]
    alone = [bundle.assess(t) for t in texts]
    for batch in (bundle.assess_many(texts), bundle.assess_many(texts * 10)[:3]):
        for one, batched in zip(alone, batch):
            assert batched.scores == pytest.approx(one.scores, rel=1e-5, abs=1e-9)  # float32 rounding
            assert batched.spans == one.spans and batched.rule_reasons == one.rule_reasons


def test_metadata_has_metrics(bundle):
    metrics = bundle.metadata["metrics"]
    for key in ("abuse_roc_auc", "personal_attack_roc_auc", "abuse_calibration_error", "english_kept", "foreign_caught",
                "sentences_kept", "identity_flagged", "auto_decided", "civil_news_fpr_at_reject",
                "identity_swap_changed", "span_f1_toxic_spans_trial", "hinglish_caught_written"):
        assert isinstance(metrics[key], float)
    assert bundle.metadata["data"]["rows"]["toxic_spans_sentences"] > 0
    assert "olid" in bundle.metadata["data"]["rows"]
    assert "abuse ROC AUC, test split" in training.format_metrics(bundle.metadata)


def test_model_card_says_which_figures_miss_their_floor():
    card = {"metrics": {"abuse_roc_auc": 0.92, "personal_attack_roc_auc": 0.95, "civil_corpus_fpr_at_reject": 0.0114,
                        "span_f1_toxic_spans_trial": 0.66, "test_rows": 9406.0},
            "thresholds": {"abuse": {"review": 0.25, "reject": 0.84}}, "training_seconds": 48.8}
    sections = dict(report.card_sections(card))
    assert sections["Abuse and personal attacks"][:3] == [
        ("abuse ROC AUC, test split", "0.92", "0.93 or more", "not met"),
        ("personal attack ROC AUC, test split", "0.95", "0.9 or more", "met"),
        ("ordinary civil corpus comments rejected", "1.14%", "under 1%", "not met")]
    assert sections["Spans"][0][2:] == ("SemEval-2021 Task 5 best: about 0.70 on its test split", "reference")
    assert sections["Speed and size (on the machine that ran evaluate)"] == [
        ("training seconds, full corpora", "48.8", "under 300", "met")]
    assert sections["Other figures"] == [("test_rows", "9,406", "", "")]
    text = report.format_metrics(card)
    assert text.endswith("Below the floor: abuse ROC AUC, test split; ordinary civil corpus comments rejected.")
    assert "abuse                   0.250    0.840" in text


def test_store_round_trip(bundle, tmp_path):
    metadata = store.save(bundle, tmp_path, "v1")
    assert (tmp_path / "v1.joblib").is_file() and len(metadata["sha256"]) == 64
    loaded = store.load(tmp_path, "v1")
    assert loaded.assess("Well said.").scores == bundle.assess("Well said.").scores


def test_versions_saved_as_joblib_pickles_still_load(bundle, tmp_path):
    """Versions saved before artifacts held pickled bytes are the bundle itself, pickled by joblib."""
    store.save(bundle, tmp_path, "old")
    joblib.dump(bundle, tmp_path / "old.joblib", compress=3)
    store.update_card(tmp_path, "old", {"sha256": store.sha256_of(tmp_path / "old.joblib")})
    loaded = store.load(tmp_path, "old")
    assert loaded.assess("You are an idiot.").scores == bundle.assess("You are an idiot.").scores


def test_tampered_artifact_is_refused(bundle, tmp_path):
    store.save(bundle, tmp_path, "v1")
    with open(tmp_path / "v1.joblib", "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(store.ArtifactError):
        store.load(tmp_path, "v1")


def test_missing_artifact_raises(tmp_path):
    with pytest.raises(store.ArtifactError):
        store.load(tmp_path, "nothing-here")


@pytest.mark.parametrize("name", ["../x", "a/b", "..", "/etc/passwd", ""])
def test_path_like_names_are_refused(bundle, tmp_path, name):
    with pytest.raises(store.ArtifactError):
        store.load(tmp_path, name)
    with pytest.raises(store.ArtifactError):
        store.save(bundle, tmp_path, name)


def test_extra_examples_are_used():
    extra = [("Moderators decided this phrase is abusive zqxw.", {"abuse": 1, "personal_attack": 0})] * 3
    result = training.train(DATA_DIR, extra_examples=extra, limit=300, seed=1)
    assert result.metadata["data"]["extra_examples"] == 3


def test_cached_char_ngrams_give_the_same_features_as_sklearn(bundle):
    vectorizer = bundle.abuse_models.chars
    texts = ["You are a fucking idiot.", "", "   ", "ΟΔΟΣ and İstanbul", "tabs\tand\nnew  lines", "a",
             "Well said.", "You are a fucking idiot again, idiot."]
    cache = {}
    for _ in range(2):  # the second pass reads every word from the cache
        fast = char_wb_transform(vectorizer, texts, cache)
        assert fast.shape == vectorizer.transform(texts).shape
        assert abs(fast - vectorizer.transform(texts)).max() < 1e-6
    assert "idiot" in cache


def test_word_ngrams_counted_by_hand_give_the_same_features_as_sklearn(bundle):
    texts = ["You are a fucking idiot, a fucking idiot.", "", "ΟΔΟΣ and İstanbul", "tabs\tand\nnew  lines", "a",
             "Hum log kya kar rahe hain", "2nd wave, covid19 and 100 days"]
    for vectorizer in (bundle.abuse_models.words, bundle.language_gate.words):
        fast, slow = word_transform(vectorizer, texts), vectorizer.transform(texts)
        assert fast.shape == slow.shape
        assert (fast != slow).nnz == 0


def test_scores_taken_from_ngram_indices_equal_the_sparse_matrix_product(bundle):
    texts = ["You are a fucking idiot, a fucking idiot.", "", "   ", "ΟΔΟΣ and İstanbul", "a", "Well said.",
             "Hum log kya kar rahe hain"]
    models = bundle.abuse_models
    for vectorizers, weights in (((models.words, models.chars), models._weights()),
                                 ((bundle.language_gate.chars, bundle.language_gate.words),
                                  bundle.language_gate.model.coef_.ravel())):
        for batch in (texts, texts[:1], texts[1:2]):
            blocks = [(v, char_wb_indices(v, batch, {}) if v.analyzer == "char_wb" else word_indices(v, batch))
                      for v in vectorizers]
            matrix = hstack([v.transform(batch) for v in vectorizers], format="csr")
            assert abs(linear_scores(blocks, weights) - matrix @ weights).max() < 1e-5


def test_noise_is_stripped_only_where_there_is_some():
    assert strip_noise("Read HTTPS://x.org/a, ask @Editor #news or see www.bbc.co.uk now").split() == \
        ["Read", "ask", "or", "see", "now"]
    assert strip_noise("A plain comment, no links.") == "A plain comment, no links."
    assert strip_noise("The url is URL").split() == ["The", "is"]


def test_words_separated_only_by_spaces_are_highlighted_as_one_phrase():
    text = "You stupid idiot, and a liar."
    spans = [(4, 10), (11, 16), (24, 28), (11, 16)]
    assert join_spans(text, spans) == [(4, 16), (24, 28)]


def test_span_tagger_cached_scores_equal_its_feature_matrix():
    """Tagging sums cached per-word shares; it must give what the full feature matrix gives."""
    bundle = training.train(DATA_DIR, limit=300, seed=0)  # fresh (a stored tagger keeps no design() parts), small
    tagger, word_scores = bundle.abuse_models.span_tagger, bundle.abuse_models.word_scores
    texts = ["You are a fucking idiot and a stupid moron, shut up.", "Idiot.", "", "I disagree with this decision.",
             "The senator is a lying piece of garbage who should rot in jail"]
    tokenized = [spans.tokens_of(t) for t in texts]
    scores = word_scores([w for tokens in tokenized for w, _, _ in tokens])
    coef = np.concatenate([tagger.word_coef, *(tagger.context_coef[n] for n in spans.CONTEXT), tagger.post_coef])
    expected = 1 / (1 + np.exp(-(tagger.design(tokenized, scores) @ coef + tagger.intercept)))
    cached = tagger.probabilities(tokenized, scores)
    assert np.allclose(cached, expected, atol=1e-6)


def test_letters_written_as_digits_or_symbols_score_as_the_word(bundle):
    assert abuse.spell_out("You are an id1ot, a l0ser and a SH!T.") == "You are an idiot, a loser and a SHiT."
    for kept in ("b4 the 2nd covid19 wave", "Great!Thanks", "mp3", "R2D2"):
        assert abuse.spell_out(kept) == kept
    written, spelled = bundle.assess_many(["You are an id1ot and a l0ser.", "You are an idiot and a loser."])
    assert written.scores["abuse"] == spelled.scores["abuse"]
    assert written.scores["personal_attack"] == spelled.scores["personal_attack"]
    # ... and such a word is one word when it is marked.
    assert [w for w, _, _ in spans.tokens_of("sh!t, f**k and a$$hole!")] == ["sh!t", "f**k", "and", "a$$hole"]
