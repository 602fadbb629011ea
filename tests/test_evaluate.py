"""`flask evaluate` and the figures behind it: the span metric, the written sets, the stored model card."""
import json
import re
from pathlib import Path

from sqlalchemy import select

from classifiers import corpora, evaluation, identity, store
from classifiers.evaluation import functional, report
from classifiers.written import criticism, hate, insults, threats
from moderation.extensions import db
from moderation.models import ModelVersion
from tests.conftest import TEST_VERSION

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "corpora"
FIGURES = ("abuse_roc_auc", "personal_attack_roc_auc", "civil_news_fpr_at_reject", "civil_corpus_fpr_at_reject",
           "identity_flagged_worst_term", "identity_swap_changed", "span_f1_toxic_spans_trial",
           "english_comments_kept", "foreign_sentences_caught", "hinglish_caught_written", "sentences_kept_written",
           "fragments_rejected", "auto_decided", "olid_offensive_macro_f1_validation_cut", "olid_target_macro_f1",
           "span_f1_toxic_spans_trial_every_post_flagged", "written_threats_caught_or_reviewed",
           "written_criticism_of_things_rejected", "abuse_precision_at_reject", "personal_attack_recall_at_review",
           "markup_html_changed", "functional_hate_published", "functional_accuracy",
           "functional_counter_speech_published", "functional_profanity_rejected", "functional_fragments_caught",
           "functional_second_hate_published", "functional_second_accuracy")
LABELS = {figure.key: figure.label for _, figures in report.CARD for figure in figures}


def test_span_f1_follows_the_semeval_definition():
    assert evaluation.span_f1([[]], [[]]) == 1.0
    assert evaluation.span_f1([[1, 2]], [[]]) == 0.0
    assert evaluation.span_f1([[1, 2, 3, 4]], [[3, 4, 5, 6]]) == 0.5
    assert evaluation.span_f1([[1], []], [[1], [2]]) == 0.5


def test_calibration_error_is_the_gap_between_probability_and_observed_rate():
    assert evaluation.calibration_error([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == 0.0
    assert evaluation.calibration_error([1, 1, 1, 1], [0.2, 0.2, 0.2, 0.2]) == 0.8
    # Two bins, each half the texts: 0.1 predicted where none are positive, 0.9 where all are.
    assert round(evaluation.calibration_error([0, 0, 1, 1], [0.1, 0.1, 0.9, 0.9]), 6) == 0.1


def test_identity_swap_replaces_one_word_with_each_other_in_its_group():
    swapped = evaluation._swapped("My Muslim neighbour helped.")
    assert "My Christian neighbour helped." in swapped and "My Muslim neighbour helped." not in swapped
    assert evaluation._swapped("The bus was late.") == []
    assert "YES AND YOU ARE WHITE" in evaluation._swapped("YES AND YOU ARE BLACK")  # not a shouting "White"


def test_validation_sets_are_kept_out_of_training():
    trial = corpora.trial_texts(DATA_DIR)
    trained = {ex.text.strip() for ex in corpora.read_toxic_spans(DATA_DIR, None)}
    assert trial and not trial & trained
    assert not trial & {text.strip() for text, _ in corpora.read_span_posts(DATA_DIR)}
    training_templates = set(identity.training_sentences())
    assert not {t for ts in evaluation.identity_template_texts().values() for t in ts} & training_templates
    for name in ("civil_news.txt", "attacks.txt", "sentences.txt", "english_comments.txt"):
        assert not set(evaluation.heldout(name)) & training_templates
    written = {text.lower() for module in (threats, criticism, insults, hate)
               for text, _, _ in module.training_examples()}
    for path in evaluation.HELDOUT.glob("*.txt"):
        assert not {text.lower() for text in evaluation.heldout(path.name)} & written, path.name
    cases = {text.lower() for _, _, text in functional.functional_cases()}
    second = {text.lower() for _, _, text in functional.functional_cases(functional.FUNCTIONAL_SECOND)}
    assert len(cases) > 300 and not cases & written
    assert len(second) > 80 and not second & written and not second & cases
    assert not cases & {t.lower() for t in training_templates}
    assert not (cases | second) & {ex.text.strip().lower() for ex in corpora.read_abuse_examples(DATA_DIR)}


def test_the_functional_sets_pair_each_hateful_case_with_a_civil_twin():
    for path in (functional.FUNCTIONAL, functional.FUNCTIONAL_SECOND):
        rows = functional.functional_cases(path)
        for category in functional.HATE_CATEGORIES:
            expected = [e for c, e, _ in rows if c == category]
            assert expected.count("hate") == expected.count("civil") > 0, (path.name, category)


def test_evaluate_prints_every_figure_and_stores_the_card(runner, app, client, login):
    result = runner.invoke(args=["evaluate"])
    assert result.exit_code == 0, result.output
    for figure in FIGURES:
        assert LABELS[figure] in result.output
    with app.app_context():
        version = db.session.scalar(select(ModelVersion).where(ModelVersion.name == TEST_VERSION))
        metrics = version.card["metrics"]
        models_dir = app.config["MODELS_DIR"]
    assert all(figure in metrics for figure in FIGURES)
    assert 0.0 <= metrics["span_f1_toxic_spans_trial"] <= 1.0
    # Speed and size, measured on this machine with a freshly loaded copy and a fresh process.
    assert metrics["speed_comments_per_second_batched"] > 0
    assert 0 < metrics["speed_p50_ms_one_comment"] <= metrics["speed_p99_ms_one_comment"]
    assert 50 < metrics["speed_resident_mb_loaded"] < 2000
    assert re.search(r"p99 ms, one comment at a time +[\d.]+ +(met|not met) +under 10", result.output)
    card = json.loads((Path(models_dir) / f"{TEST_VERSION}.json").read_text())
    assert card["metrics"] == metrics
    assert store.load(models_dir, TEST_VERSION).assess("Well said.").scores
    login("admin")
    page = client.get(f"/admin/models/{TEST_VERSION}").get_data(as_text=True)
    assert LABELS["speed_p99_ms_one_comment"] in page and "under 10" in page and "not been evaluated" not in page


def test_evaluate_a_named_version_and_refuse_an_unknown_one(runner):
    assert runner.invoke(args=["evaluate", TEST_VERSION]).exit_code == 0
    result = runner.invoke(args=["evaluate", "v404"])
    assert result.exit_code != 0 and "v404" in result.output
