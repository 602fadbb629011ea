"""Format a model card's metrics and thresholds as a small text table."""


def format_metrics(metadata):
    """A plain-text table of metrics and thresholds for the CLI."""
    lines = [f"{'metric':<42} value"]
    for key, value in sorted(metadata.get("metrics", {}).items()):
        lines.append(f"{key:<42} {value:.4f}" if isinstance(value, float) else f"{key:<42} {value}")
    lines.append("")
    lines.append(f"{'rule':<20} {'review':>8} {'reject':>8}")
    for rule, limits in metadata.get("thresholds", {}).items():
        lines.append(f"{rule:<20} {limits['review']:>8.3f} {limits['reject']:>8.3f}")
    if "training_seconds" in metadata:
        lines.append(f"\ntrained in {metadata['training_seconds']} s")
    return "\n".join(lines)
