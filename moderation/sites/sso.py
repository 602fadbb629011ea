"""Single sign-on: a site's server signs a short-lived HS256 JWT for its reader (PyJWT checks it here), and the
embed then carries a token of this service's own in memory (no cookie: third-party cookies may be blocked)."""
import hmac
import time

import jwt
from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from moderation.extensions import db
from moderation.forms import clean_text
from moderation.models import User
from moderation.operations import OperationError
from moderation.sites.operations import site_reader

ALGORITHM = "HS256"  # the only one accepted: "none", RS256 with the secret as a public key, ... are refused
MAX_TOKEN_SECONDS = 3600  # a token whose expiry is further ahead than this is refused as not short-lived
LEEWAY_SECONDS = 30  # clocks of the CMS and this service may differ this much
EMBED_TOKEN_SECONDS = 12 * 3600


class SsoError(Exception):
    """A token that does not sign anybody in, with the reason (shown to the site's developer, not a secret)."""


def _claims(site, token):
    if not site.sso_secret:
        raise SsoError("This site has no single sign-on.")
    if not isinstance(token, str) or not 0 < len(token) <= 4096:
        raise SsoError("The token is missing or too long.")
    try:
        algorithm = jwt.get_unverified_header(token).get("alg")
    except jwt.InvalidTokenError:
        raise SsoError("The token is not a JWT.") from None
    if algorithm != ALGORITHM:
        raise SsoError(f"The token is signed with {str(algorithm)[:20]}; only {ALGORITHM} is accepted.")
    for secret in filter(None, (site.sso_secret, site.sso_previous_secret)):
        try:
            return jwt.decode(token, secret, algorithms=[ALGORITHM], leeway=LEEWAY_SECONDS,
                              options={"require": ["exp", "sub"]})
        except jwt.InvalidSignatureError:
            continue  # perhaps signed with the secret before the latest rotation
        except jwt.ExpiredSignatureError:
            raise SsoError("The token has expired.") from None
        except jwt.InvalidTokenError as error:
            raise SsoError(f"The token is not valid: {error}.") from None
    raise SsoError("The token's signature does not match the site's secret.")


def reader_from_token(site, token):
    """The reader a site's token names, created or updated from its claims (sub, name, email, role, exp)."""
    claims = _claims(site, token)
    lifetime = current_app.config.get("SSO_MAX_TOKEN_SECONDS", MAX_TOKEN_SECONDS)
    if claims["exp"] - time.time() > lifetime + LEEWAY_SECONDS:
        raise SsoError(f"The token lives too long: sign tokens that expire within {lifetime} seconds.")
    subject = claims["sub"]
    if not isinstance(subject, str) or not 0 < len(subject) <= 200:
        raise SsoError("The claim sub (the reader's id) must be a string of 1-200 characters.")
    name = clean_text(claims.get("name") if isinstance(claims.get("name"), str) else "") or ""
    if not 2 <= len(name) <= 60:
        raise SsoError("The claim name (the reader's display name) must be 2-60 characters.")
    email = claims.get("email")
    if email is not None and (not isinstance(email, str) or len(email) > 254 or "@" not in email):
        raise SsoError("The claim email is not an email address.")
    role = claims.get("role")
    try:
        return site_reader(site, subject, name, email, role if isinstance(role, str) or role is None else str(role))
    except OperationError as error:
        raise SsoError(str(error)) from None


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="embed-reader")


def embed_token(user, site):
    """The token the embed keeps in memory and sends as Authorization: Bearer (never stored in a cookie)."""
    return _serializer().dumps({"u": user.id, "t": user.session_token, "s": site.id})


def embed_reader(raw, site):
    """The reader an embed token names for this site, or None (expired, forged, another site, logged out since)."""
    if not raw or len(raw) > 1000:
        return None
    try:
        data = _serializer().loads(raw, max_age=current_app.config.get("EMBED_TOKEN_SECONDS", EMBED_TOKEN_SECONDS))
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("s") != site.id or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    if user is None or not hmac.compare_digest(user.session_token.encode(), str(data.get("t", "")).encode()):
        return None
    return user
