"""Coral Talk's External Moderation Phase: Coral asks, signed with a shared secret; the house rules answer."""
import hashlib
import hmac
import secrets

from flask import Blueprint, current_app, g, has_request_context, jsonify, request

from moderation.api import usage
from moderation.api.payload import PayloadError, read_json
from moderation.extensions import csrf, db, limiter
from moderation.forms import clean_text
from moderation.models import Setting
from moderation.operations import get_setting, judge_with_active_version, record_audit
from moderation.ratelimits import retry_after

bp = Blueprint("coral", __name__, url_prefix="/integrations/coral")
csrf.exempt(bp)

SECRETS_SETTING = "coral_phase_secrets"  # [current, previous]: both accepted while Coral rolls its secret
STAFF_ROLES = {"STAFF", "MODERATOR", "ADMIN"}
MAX_SIGNATURES = 5
DEFAULT_BASE = "http://127.0.0.1:5000"
TOXIC_FLAG = {"actionType": "FLAG", "reason": "COMMENT_DETECTED_TOXIC"}


def phase_secrets():
    """The signing secrets accepted now, newest first."""
    return [s for s in get_setting(SECRETS_SETTING) or [] if s]


def set_phase_secret(secret, admin=None):
    """Make a secret the current one; the one before stays accepted until the next change (rotation)."""
    secret = (secret or "").strip()
    if len(secret) < 16 or len(secret) > 200:
        raise ValueError("A signing secret is 16 to 200 characters long.")
    current = phase_secrets()
    kept = [secret] + [s for s in current[:1] if s != secret]
    row = db.session.get(Setting, SECRETS_SETTING) or Setting(key=SECRETS_SETTING)
    row.value = kept
    db.session.add(row)
    # The audit log says that the secret changed, never what it is.
    record_audit(admin, "coral_secret", "setting", None, {"secrets": len(current)}, {"secrets": len(kept)})
    db.session.flush()
    return kept


def new_secret():
    """A fresh random secret in the shape Coral generates (prefix and hex)."""
    return "ssec_" + secrets.token_hex(24)


def signature_matches(body, header, accepted):
    """Whether any sha256=<hex> in the header is the HMAC of the raw body with an accepted secret (constant time)."""
    offered = [part.strip()[len("sha256="):] for part in (header or "").split(",")[:MAX_SIGNATURES]
               if part.strip().startswith("sha256=")]
    matched = False
    for secret in accepted:
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        for candidate in offered:
            matched |= hmac.compare_digest(expected, candidate.lower())
    return matched


def phase_url():
    """The URL to paste into Coral's admin: PUBLIC_URL when set, else the address this request came to."""
    base = current_app.config.get("PUBLIC_URL") or (request.host_url if has_request_context() else DEFAULT_BASE)
    return base.rstrip("/") + bp.url_prefix + "/phase"


def _refuse(code, message):
    return jsonify(error={"code": code, "message": message}), code


@bp.errorhandler(429)
def _too_many(error):
    response, code = _refuse(429, f"Too many calls ({error.description}).")
    return response, code, {"Retry-After": str(retry_after())}


@bp.post("/phase")
@limiter.limit(lambda: current_app.config["CORAL_PHASE_RATE_LIMIT"])
def phase():
    """NEW or EDIT comment from Coral -> 204 (no opinion), REJECTED, or SYSTEM_WITHHELD for a moderator."""
    usage.start_call()
    g.api_endpoint = "coral_phase"
    raw = request.get_data(cache=True)
    accepted = phase_secrets()
    if not accepted:
        return _refuse(403, "No signing secret is set for Coral's moderation phase.")
    if not signature_matches(raw, request.headers.get("X-Coral-Signature"), accepted):
        return _refuse(403, "The X-Coral-Signature header does not match the body.")
    try:
        body = read_json(raw)
    except PayloadError as error:
        return _refuse(400, f"The body is not JSON this service reads: {error}")
    comment = body.get("comment") if isinstance(body, dict) else None
    text = comment.get("body") if isinstance(comment, dict) else None
    if not isinstance(text, str) or body.get("action") not in ("NEW", "EDIT"):
        return _refuse(400, "Expected {action: NEW|EDIT, comment: {body}, author: {id, role}, ...}.")
    author = body.get("author") if isinstance(body.get("author"), dict) else {}
    if str(author.get("role", "")).upper() in STAFF_ROLES:
        return "", 204
    text = clean_text(text)
    if not text:
        return "", 204
    g.api_store, g.api_text = True, text
    try:
        _, _, assessment, decision = judge_with_active_version(text)
    except Exception as error:  # fail safe: a moderator sees it, never open
        current_app.logger.error("Coral phase could not score a comment: %s", type(error).__name__)
        g.api_decision = "review"
        return jsonify(status="SYSTEM_WITHHELD", actions=[TOXIC_FLAG])
    g.api_decision, g.api_scores = decision.outcome, assessment.scores
    if decision.outcome == "reject":
        return jsonify(status="REJECTED", actions=[TOXIC_FLAG])
    if decision.outcome == "review":
        return jsonify(status="SYSTEM_WITHHELD", actions=[TOXIC_FLAG])
    return "", 204


@bp.after_request
def _record(response):
    if response.status_code == 403:
        return response  # an unsigned call stores nothing
    return usage.finish_call(response, None, "coral_phase")

