"""Comment moderation service: the Flask application factory."""
import os
import secrets
from pathlib import Path

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from moderation.api.payload import BoundedJSONProvider
from moderation import mail, observability, privacy, ratelimits, security, transparency, worker
from moderation.extensions import csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def create_app(test_config=None, instance_path=None):
    """Build the app: defaults, then instance/config.py, then environment, then test_config."""
    app = Flask(
        __name__,
        instance_path=instance_path or os.environ.get("MODERATION_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.json = BoundedJSONProvider(app)  # request.get_json (the REST API, the embed) answers 400 to deep nesting
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI="sqlite:///" + os.path.join(app.instance_path, "moderation.db"),
        DATA_DIR=str(PROJECT_ROOT / "data" / "corpora"),
        MAX_CONTENT_LENGTH=64 * 1024,
        COMMENTS_PER_PAGE=20,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        API_KEY_RATE_LIMIT="1200/minute",
        API_BAD_KEY_RATE_LIMIT="60/minute",
        CORAL_PHASE_RATE_LIMIT="3000/minute",
        API_CALL_RETENTION_DAYS=90,
    )
    app.config.from_pyfile("config.py", silent=True)
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("PUBLIC_URL"):
        app.config["PUBLIC_URL"] = os.environ["PUBLIC_URL"]
    if os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    app.config.update(mail.settings_from_env())
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app.instance_path)
        if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            app.logger.warning("SECRET_KEY is not set: this host signs sessions with its own instance/secret_key, "
                               "so other hosts on the same database will not accept them (README: Several hosts)")
    app.config["MODELS_DIR"] = os.path.join(app.instance_path, "models")
    # Rate limits must agree across hosts: in Redis whenever the queue is (REDIS_URL in config.py or the environment).
    app.config.setdefault("RATELIMIT_STORAGE_URI",
                          app.config.get("REDIS_URL") or os.environ.get("REDIS_URL") or "swept-memory://")
    for name in ("JOB_HEARTBEAT_TIMEOUT", "JOB_MAX_ATTEMPTS"):
        if os.environ.get(name):
            app.config[name] = float(os.environ[name])
    security.init_app(app)
    ratelimits.init_app(app)
    mail.init_app(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    worker.init_app(app)
    observability.init_app(app)

    from moderation import admin, auth, cli, comments, review
    from moderation.accounts import views as accounts
    from moderation.api import coral, integrations, perspective, rest
    from moderation.embed import views as embed
    from moderation.legal import views as legal
    from moderation.sites import admin as sites_admin

    app.register_blueprint(auth.bp)
    app.register_blueprint(comments.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(perspective.bp)
    app.register_blueprint(coral.bp)
    app.register_blueprint(integrations.bp)
    app.register_blueprint(sites_admin.bp)
    app.register_blueprint(embed.bp)
    rest.init_app(app)
    accounts.init_app(app)
    legal.init_app(app)
    transparency.init_app(app)
    privacy.init_app(app)
    cli.register(app)
    app.register_error_handler(HTTPException, _render_http_error)
    app.register_error_handler(CSRFError, render_csrf_error)
    return app


def _render_http_error(error):
    """HTTP errors as pages in the site's layout (under the APIs, in their JSON shape: unknown path, wrong method);
    after a server error the failed transaction is rolled back first (the page itself reads the database, and would
    fail with PendingRollbackError)."""
    from moderation.api import perspective, rest

    if error.code >= 500:
        try:
            db.session.rollback()
        except Exception:
            current_app.logger.exception("rolling back after a server error failed")
    if request.path.startswith(rest.PREFIX + "/"):
        return rest.error_response(error.code, error.description or error.name)
    if request.path.startswith((perspective.bp.url_prefix + "/", "/integrations/coral/")):
        return perspective.error_response(error.code, error.description or error.name)
    return render_template("error.html", code=error.code, title=error.name, message=error.description), error.code


def render_csrf_error(error):
    message = "This form has expired or was not sent from this site. Go back, reload the page and try again."
    return render_template("error.html", code=400, title="Form expired", message=message), 400


def _instance_secret(instance_path):
    """Read the per-deployment secret key, creating it on first start (never in the repo)."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
