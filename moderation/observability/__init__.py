"""What operators watch: /healthz and /readyz, /metrics (Prometheus), JSON request logs (docs/deployment.md)."""
from moderation.observability import health, logs, metrics


def init_app(app):
    """Logs first (their hooks wrap every other), then metrics, then the probe and scrape routes."""
    logs.init_app(app)
    metrics.init_app(app)
    app.register_blueprint(health.bp)
