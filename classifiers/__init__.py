"""Offline classifiers for the house rules: English, full sentences, no abuse, no personal attacks."""
from dataclasses import dataclass, field

RULES = ("not_english", "not_sentences", "abuse", "personal_attack")


@dataclass
class Assessment:
    """What the classifiers make of one comment: a score per rule, reasons, language and spans."""

    scores: dict[str, float]
    reasons: list[str] = field(default_factory=list)
    language: str = "und"
    spans: list[tuple[int, int]] = field(default_factory=list)
    rule_reasons: dict[str, list[str]] = field(default_factory=dict)
    # Swearing that attacks nobody (classifiers.rules.profanity): the site's profanity setting decides it.
    profanity: bool = False
