"""Readers' data (GDPR): the download of everything held about a reader, what deleting an account does to its
comments, and the retention of rejected comments' and API calls' texts."""


def init_app(app):
    """Register the reader's download and the admin's settings page."""
    from moderation.privacy import views

    app.register_blueprint(views.bp)
