"""API keys: created once and shown once, stored as a sha256, found by prefix and compared in constant time."""
import hashlib
import hmac
import re
import secrets

from sqlalchemy import select

from moderation.extensions import db
from moderation.models import ApiKey, User, utcnow
from moderation.operations import OperationError, record_audit

KEY_PREFIX = "mk_"
PREFIX_CHARS = 8  # the public part after "mk_", shown in lists and used to find the row
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,59}$")
RATE_RE = re.compile(r"^\d{1,9}\s*(/|per)\s*(\d{1,6}\s+)?(second|minute|hour|day)s?$")


def _digest(raw):
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def check_rate_limit(value):
    """A per-key rate limit in Flask-Limiter's notation ("1200/minute", "20 per second"), or None for the default."""
    value = (value or "").strip().lower()
    if not value:
        return None
    if not RATE_RE.match(value):
        raise OperationError("A rate limit reads like 1200/minute or 20 per second.")
    return value


SCOPES = ("submit", "moderate")


def create_key(name, admin=None, rate_limit=None, train_on_feedback=False, site=None, scope="submit"):
    """Make a key (for the REST API, of one site and a scope); returns (row, the raw key), the only time the raw
    key exists."""
    if scope not in SCOPES:
        raise OperationError(f"A key's scope is {' or '.join(SCOPES)}.")
    name = (name or "").strip()
    if not NAME_RE.match(name):
        raise OperationError("A key's name is 1-60 letters, digits, spaces, dots, dashes or underscores.")
    if db.session.scalar(select(ApiKey.id).where(ApiKey.name == name)):
        raise OperationError(f"A key named {name!r} already exists.")
    prefix = secrets.token_hex(PREFIX_CHARS // 2)
    raw = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(name=name, prefix=prefix, key_hash=_digest(raw), rate_limit=check_rate_limit(rate_limit),
                 train_on_feedback=train_on_feedback, site_id=site.id if site else None, scope=scope)
    db.session.add(key)
    db.session.flush()
    record_audit(admin, "api_key_create", "api_key", key.id, {},
                 {"name": name, "rate_limit": key.rate_limit, "site": site.slug if site else None, "scope": scope})
    return key, raw


def find_key(name):
    """The key of that name, or OperationError."""
    key = db.session.scalar(select(ApiKey).where(ApiKey.name == name))
    if key is None:
        raise OperationError(f"No API key named {name!r}.")
    return key


def revoke_key(key, admin=None):
    """Stop a key working: every worker checks the row on every call, so it stops at once."""
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        record_audit(admin, "api_key_revoke", "api_key", key.id, {"revoked": False}, {"revoked": True})
    db.session.flush()


def update_key(key, admin, rate_limit, train_on_feedback):
    """Change a key's rate limit and whether retraining uses its feedback labels."""
    before = {"rate_limit": key.rate_limit, "train_on_feedback": key.train_on_feedback}
    key.rate_limit, key.train_on_feedback = check_rate_limit(rate_limit), bool(train_on_feedback)
    record_audit(admin, "api_key_update", "api_key", key.id, before,
                 {"rate_limit": key.rate_limit, "train_on_feedback": key.train_on_feedback})
    db.session.flush()


def authenticate(raw):
    """The live key a raw key string names (id, name, rate_limit), or None. The hash is compared in constant time.

    Read on every call (so a revocation holds at once everywhere) as a plain row: it runs before every API answer."""
    if not isinstance(raw, str) or not raw.startswith(KEY_PREFIX) or len(raw) > 200:
        return None
    prefix = raw[len(KEY_PREFIX):len(KEY_PREFIX) + PREFIX_CHARS]
    key = db.session.execute(select(ApiKey.id, ApiKey.name, ApiKey.rate_limit, ApiKey.key_hash, ApiKey.revoked_at,
                                    ApiKey.site_id, ApiKey.scope, ApiKey.prefix)
                             .where(ApiKey.prefix == prefix)).first()
    # Compare against a digest even when no row matches, so timing does not tell which prefixes exist.
    expected = key.key_hash if key is not None else _digest(KEY_PREFIX)
    if not hmac.compare_digest(expected, _digest(raw)) or key is None or key.revoked_at is not None:
        return None
    return key


def key_moderator(key):
    """The moderator account a moderate-scoped key decides as (made on first use): decisions name the key."""
    email = f"key-{key.prefix}@api.invalid"
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, password_hash="!api-key", display_name=f"API key {key.name}"[:60], role="moderator",
                    site_id=key.site_id)
        user.new_session_token()
        db.session.add(user)
        db.session.flush()
    return user


def all_keys():
    """Every key, newest first (revoked ones too, for the record)."""
    return db.session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())).all()
