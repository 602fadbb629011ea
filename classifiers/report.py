"""Format a model card's metrics and thresholds as a small text table."""

# Published figures to compare with. They were measured on other data (the official test sets);
# ours are measured on our own held-out splits of the same corpora.
REFERENCES = {
    "olid_offensive_macro_f1_validation_cut": "OffensEval 2019 best: 0.829 on the official test tweets",
    "olid_target_macro_f1": "OffensEval 2019 best: 0.660 on the official test tweets",
    "span_f1_toxic_spans_trial": "SemEval-2021 Task 5 best: about 0.70 on its test split",
    "span_f1_toxic_spans_trial_every_post_flagged": "SemEval-2021 Task 5 best: about 0.70 on its test split",
}

# Floors for speed and size on a 2-core machine; `evaluate` measures them on the machine it runs on.
FLOORS = {
    "speed_comments_per_second_batched": "floor: 2,000 or more",
    "speed_p99_ms_one_comment": "floor: under 10",
    "speed_resident_mb_loaded": "floor: under 400",
}


def format_metrics(metadata):
    """A plain-text table of metrics and thresholds for the CLI."""
    lines = [f"{'metric':<46} value   reference (other data) or floor"]
    for key, value in sorted(metadata.get("metrics", {}).items()):
        shown = f"{value:.4f}" if isinstance(value, float) else str(value)
        lines.append(f"{key:<46} {shown}   {REFERENCES.get(key) or FLOORS.get(key, '')}".rstrip())
    lines.append("")
    lines.append(f"{'rule':<20} {'review':>8} {'reject':>8}")
    for rule, limits in metadata.get("thresholds", {}).items():
        lines.append(f"{rule:<20} {limits['review']:>8.3f} {limits['reject']:>8.3f}")
    if "training_seconds" in metadata:
        lines.append(f"\ntrained in {metadata['training_seconds']} s")
    return "\n".join(lines)
