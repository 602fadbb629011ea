"""Security headers, cookie flags, proxy awareness, bounded URL ids and strict JSON, set up in create_app."""
import functools
import json
import os
from datetime import timedelta

from flask import abort, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from moderation.forms import MAX_ID

# No inline script or style anywhere (templates load static/*.js and style.css), and no framing.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors {frame_ancestors}")


class BoundedInt(IntegerConverter):
    """<int:...> in URLs up to the largest id the database holds: a 20-digit id is a 404, not an overflow."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


class SecureOverHttps:
    """WSGI middleware: over HTTPS (directly or as the proxy says) every cookie is Secure and HSTS is sent.

    At this level it sees the session cookie too, which Flask writes after the last after_request hook."""

    def __init__(self, wsgi_app, hsts_seconds):
        self.wsgi_app, self.hsts = wsgi_app, f"max-age={hsts_seconds}; includeSubDomains"

    def __call__(self, environ, start_response):
        if environ.get("wsgi.url_scheme") != "https":
            return self.wsgi_app(environ, start_response)

        def secure_start_response(status, headers, exc_info=None):
            headers = [(name, value + "; Secure" if name.lower() == "set-cookie" and "; secure" not in value.lower()
                        else value) for name, value in headers]
            headers.append(("Strict-Transport-Security", self.hsts))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, secure_start_response)


def init_app(app):
    """Defaults, then the middleware and the response hook."""
    secure = os.environ.get("SECURE_COOKIES", "").lower() in ("1", "true", "yes")
    for key, value in {
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "FRAME_ANCESTORS": "'none'",  # an embed that may be framed names its newspaper's origins here
        "HSTS_SECONDS": 365 * 24 * 3600,
        # How many proxies in front set X-Forwarded-For/-Proto/-Host (0: none; then those headers are ignored).
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", "0")),
    }.items():
        app.config.setdefault(key, value)
    app.wsgi_app = SecureOverHttps(app.wsgi_app, app.config["HSTS_SECONDS"])
    if app.config["PROXY_COUNT"]:  # outside, so the scheme the proxy saw is known within
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    app.url_map.converters["int"] = BoundedInt
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("json_serializer", functools.partial(json.dumps, allow_nan=False))  # NaN is not JSON
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    app.before_request(_refuse_nul)
    app.after_request(functools.partial(_secure_response, app.config))


def _refuse_nul():
    """400 for a NUL character in the path, query or form: nobody types one, and PostgreSQL refuses it in text
    (a search for it in a moderator's filter was a 500 there)."""
    fields = [request.path, *request.args.keys(), *request.form.keys()]
    fields += [value for values in (request.args, request.form) for _, value in values.items(multi=True)]
    if any("\x00" in field for field in fields):
        abort(400, "The request contains a NUL character, which no field accepts.")


def _secure_response(config, response):
    """Headers on every response; the CSP on HTML only, so JSON APIs are untouched."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if response.mimetype == "text/html":
        own = "Content-Security-Policy" in headers  # the embed sets its own, naming its site's origins
        headers.setdefault("Content-Security-Policy", CSP.format(frame_ancestors=config["FRAME_ANCESTORS"]))
        if config["FRAME_ANCESTORS"] == "'none'" and not own:
            headers.setdefault("X-Frame-Options", "DENY")
    return response
