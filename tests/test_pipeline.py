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


def test_profanity_that_attacks_nobody_follows_the_site_setting():
    swearing = scores(abuse=0.97, personal_attack=0.6)
    assert decide(swearing, THRESHOLDS, 12).outcome == "reject"  # not known to be profanity only
    assert decide(swearing, THRESHOLDS, 12, profanity="allow").outcome == "publish"
    assert decide(swearing, THRESHOLDS, 12, profanity="review").outcome == "review"
    assert decide(scores(abuse=0.6), THRESHOLDS, 12, profanity="reject").outcome == "reject"


def test_the_profanity_setting_never_hides_another_broken_rule():
    foreign_swearing = scores(abuse=0.97, not_english=0.99)
    assert decide(foreign_swearing, THRESHOLDS, 12, profanity="allow").outcome == "reject"
    assert decide(scores(abuse=0.97), THRESHOLDS, 12, premoderated=True, profanity="allow").outcome == "review"
