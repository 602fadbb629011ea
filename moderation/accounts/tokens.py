"""Signed tokens for links in mails (itsdangerous): reset and confirm expire, and each dies when what it vouches for
changes (a reset token once the password changes); nothing is stored, so there is no token table to leak."""
import hashlib
import hmac

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

from moderation.extensions import db
from moderation.models import User

MAX_TOKEN_CHARS = 400
# What a token is bound to, per purpose: a change to it voids every token issued before.
_BOUND_TO = {
    "reset": lambda user: f"{user.email}|{user.password_hash}",
    "verify": lambda user: user.email,
    "unsubscribe": lambda user: user.email,
    "email": lambda user: user.email,  # a change of address: void once the address changes (either way)
}


def _serializer(purpose):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"accounts-{purpose}",
                                  signer_kwargs={"digest_method": hashlib.sha256})


def _fingerprint(user, purpose):
    return hashlib.sha256(_BOUND_TO[purpose](user).encode()).hexdigest()[:24]


def make_token(user, purpose, extra=None):
    """A URL-safe token naming the user, a sha256 fingerprint of the state it is bound to, and `extra`."""
    return _serializer(purpose).dumps([user.id, _fingerprint(user, purpose), extra])


def read_token(token, purpose, max_age=None):
    """(user, extra) for a genuine, unexpired token whose user still matches its fingerprint; else None."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    try:
        user_id, fingerprint, extra = _serializer(purpose).loads(token, max_age=max_age)
    except (BadData, ValueError, TypeError):
        return None
    if type(user_id) is not int or not isinstance(fingerprint, str):
        return None
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        return None
    if not hmac.compare_digest(fingerprint.encode(), _fingerprint(user, purpose).encode()):
        return None
    return user, extra
