"""The transparency report (DSA Art. 15 and 24): its figures, the admin page with charts and exports, the command."""


def init_app(app):
    """Register the admin pages and `flask transparency-report`."""
    from moderation.transparency import cli, views

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.transparency_report)
