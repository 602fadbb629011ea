"""decide(): thresholds per rule, and guardrails that move weak rejections to review."""
from moderation.pipeline import decide

THRESHOLDS = {rule: {"review": 0.5, "reject": 0.9} for rule in ("not_english", "not_sentences", "abuse", "personal_attack")}


def scores(**overrides):
    return {"not_english": 0.01, "not_sentences": 0.01, "abuse": 0.01, "personal_attack": 0.01, **overrides}


def test_clean_scores_publish():
    assert decide(scores(), THRESHOLDS, word_count=12).outcome == "publish"


def test_a_score_in_the_review_band_queues():
    decision = decide(scores(abuse=0.6), THRESHOLDS, word_count=12)
    assert (decision.outcome, decision.doubtful_rules) == ("review", ["abuse"])


def test_every_broken_rule_is_named():
    decision = decide(scores(abuse=0.95, personal_attack=0.97), THRESHOLDS, word_count=12)
    assert (decision.outcome, decision.broken_rules) == ("reject", ["abuse", "personal_attack"])


def test_short_text_is_not_rejected_on_a_language_guess():
    decision = decide(scores(not_english=0.99), THRESHOLDS, word_count=2)
    assert decision.outcome == "review" and decision.guardrails
    assert decide(scores(not_english=0.99), THRESHOLDS, word_count=8).outcome == "reject"


def test_premoderated_authors_go_to_review():
    assert decide(scores(), THRESHOLDS, word_count=12, premoderated=True).outcome == "review"
