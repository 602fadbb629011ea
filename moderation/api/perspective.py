"""Perspective's `comments:analyze` and `comments:suggestscore`, with its request, response and error shapes."""
from flask import Blueprint, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from classifiers.text import readable
from moderation.api import attributes, usage
from moderation.api.keys import authenticate
from moderation.api.payload import PayloadError, read_json
from moderation.extensions import csrf, db, limiter
from moderation.forms import clean_text
from moderation.operations import judge_with_active_version
from moderation.pipeline import RULE_TEXT
from moderation.ratelimits import retry_after

bp = Blueprint("perspective", __name__, url_prefix="/v1alpha1")
csrf.exempt(bp)

MAX_TEXT_BYTES = 20480  # Perspective's own limit
ANALYZE_FIELDS = {"comment", "context", "requestedAttributes", "languages", "doNotStore", "clientToken",
                  "sessionId", "spanAnnotations", "communityId"}
SUGGEST_FIELDS = {"comment", "context", "attributeScores", "languages", "communityId", "clientToken", "sessionId"}
ENDPOINT_NAMES = {"perspective.analyze": "analyze", "perspective.suggest_score": "suggestscore"}
STATUS_NAMES = {400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 404: "NOT_FOUND", 405: "INVALID_ARGUMENT",
                413: "INVALID_ARGUMENT", 415: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED", 503: "UNAVAILABLE"}


class ApiError(Exception):
    """An error answered in Perspective's shape: {"error": {"code", "message", "status", "details"?}}."""

    def __init__(self, code, message, error_type=None, **detail):
        super().__init__(message)
        self.code, self.message, self.error_type, self.detail = code, message, error_type, detail


def error_response(code, message, error_type=None, **detail):
    body = {"code": code, "message": message, "status": STATUS_NAMES.get(code, "INVALID_ARGUMENT")}
    if error_type:
        body["details"] = [{"@type": "type.googleapis.com/google.commentanalyzer.v1alpha1.Error",
                            "errorType": error_type, **detail}]
    return jsonify(error=body), code


@bp.errorhandler(ApiError)
def _api_error(error):
    return error_response(error.code, error.message, error.error_type, **error.detail)


@bp.errorhandler(429)  # by code, so the site's own 429 page (registered by code) does not answer here
def _over_quota(error):
    response, code = error_response(429, f"Quota exceeded for this API key ({error.description}).")
    return response, code, {"Retry-After": str(retry_after())}


@bp.errorhandler(HTTPException)
def _http_error(error):
    return error_response(error.code, error.description or error.name)


def request_key():
    """The live API key this request names (?key= or X-Goog-Api-Key), looked up once per request."""
    if "api_key" not in g:
        g.api_key = authenticate(request.args.get("key") or request.headers.get("X-Goog-Api-Key"))
    return g.api_key


def _key_limit():
    key = request_key()
    return (key.rate_limit if key is not None and key.rate_limit else None) or current_app.config["API_KEY_RATE_LIMIT"]


# One budget per key across both endpoints (and every worker, with Redis); bad keys are limited by address.
per_key = limiter.shared_limit(_key_limit, scope="api-key", key_func=lambda: f"key:{getattr(request_key(), 'id', 0)}",
                               exempt_when=lambda: request_key() is None)
per_address = limiter.shared_limit(lambda: current_app.config["API_BAD_KEY_RATE_LIMIT"], scope="api-bad-key",
                                   exempt_when=lambda: request_key() is not None)


@bp.before_request
def _start():
    usage.start_call()
    if request_key() is None:
        g.api_endpoint = None
        raise ApiError(403, "The request is missing a valid API key.")


@bp.after_request
def _record(response):
    # A call refused by its rate limit never reached the view, so its endpoint comes from the route.
    endpoint = g.get("api_endpoint", ENDPOINT_NAMES.get(request.endpoint))
    return usage.finish_call(response, getattr(request_key(), "id", None), endpoint)


def _body(allowed):
    """The request's JSON object, refusing what Perspective refuses (malformed, not an object, unknown fields)."""
    try:
        body = read_json(request.get_data(cache=True))
    except PayloadError as error:
        raise ApiError(400, f"Invalid JSON payload received. {error}") from None
    if not isinstance(body, dict):
        raise ApiError(400, "Invalid JSON payload received. Expected an object at the top level.")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ApiError(400, f'Invalid JSON payload received. Unknown name "{unknown[0][:60]}": Cannot find field.')
    return body


def _expect(value, kind, name):
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        wanted = {str: "a string", bool: "a boolean", dict: "an object", list: "a list"}.get(kind, "a number")
        raise ApiError(400, f"Invalid value at '{name}': expected {wanted}.")
    return value


def _comment_text(body):
    comment = _expect(body.get("comment"), dict, "comment")
    text = _expect(comment.get("text"), str, "comment.text")
    if comment.get("type", "PLAIN_TEXT") != "PLAIN_TEXT":
        raise ApiError(400, "Only comment.type PLAIN_TEXT is supported.")
    size = len(text.encode("utf-8"))
    if size > MAX_TEXT_BYTES:
        raise ApiError(400, f"Comment text too long: {size} bytes (at most {MAX_TEXT_BYTES}).", "COMMENT_TOO_LONG")
    text = clean_text(text)
    if not text:
        raise ApiError(400, "Comment text must not be empty.", "COMMENT_EMPTY")
    return text


def _languages(body):
    languages = _expect(body.get("languages", []), list, "languages")
    for value in languages:
        _expect(value, str, "languages[]")
    return [value.strip().lower() for value in languages if value.strip()]


def _requested(body):
    requested = _expect(body.get("requestedAttributes"), dict, "requestedAttributes")
    if not requested:
        raise ApiError(400, "At least one attribute must be requested.")
    thresholds = {}
    for name, options in requested.items():
        if name not in attributes.ATTRIBUTES:
            raise ApiError(400, f"Requested attribute {name[:60]} is not supported. Supported: "
                           f"{', '.join(attributes.ATTRIBUTES)}.", "ATTRIBUTE_NOT_SUPPORTED")
        options = _expect(options if options is not None else {}, dict, f"requestedAttributes.{name}")
        if options.get("scoreType", "PROBABILITY") != "PROBABILITY":
            raise ApiError(400, f"Score type {str(options['scoreType'])[:40]} is not supported; use PROBABILITY.")
        threshold = options.get("scoreThreshold", 0.0)
        if not isinstance(threshold, (int, float)) or isinstance(threshold, bool) or not 0 <= threshold <= 1:
            raise ApiError(400, f"requestedAttributes.{name}.scoreThreshold must be a number from 0 to 1.")
        thresholds[name] = float(threshold)
    return thresholds


def _optional(body, name, kind):
    return _expect(body[name], kind, name) if name in body else None


def _check_language(requested, languages, assessment, decision):
    """Perspective's attributes judge English only; the house-rule attributes judge any text."""
    asked = [name for name in requested if name in attributes.PERSPECTIVE]
    if not asked:
        return
    if languages:
        if not any(code == "en" or code.startswith("en-") for code in languages):
            raise ApiError(400, f"Attribute {asked[0]} does not support request languages: {','.join(languages)}",
                           "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
                           languageNotSupportedByAttributeError={"detectedLanguages": languages,
                                                                 "attribute": asked[0]})
    elif "not_english" in decision.broken_rules:
        detected = assessment.language
        raise ApiError(400, f"Attribute {asked[0]} does not support request languages: {detected}",
                       "LANGUAGE_NOT_SUPPORTED_BY_ATTRIBUTE",
                       languageNotSupportedByAttributeError={"detectedLanguages": [detected], "attribute": asked[0]})


def _score(text):
    """(version, bundle, assessment, decision) for a text with the active version; ApiError 503 when it cannot."""
    try:
        return judge_with_active_version(text)
    except Exception as error:  # the text itself is never logged: it may be doNotStore
        current_app.logger.error("analyze could not score a comment: %s", type(error).__name__)
        raise ApiError(503, "The classifiers could not judge this comment; try again shortly.") from None


def _score_value(value):
    return {"value": value, "type": "PROBABILITY"}


@bp.post("/comments:analyze")
@per_key
@per_address
def analyze():
    """Score a comment on the requested attributes, as Perspective would, plus this service's decision."""
    g.api_endpoint = "analyze"
    body = _body(ANALYZE_FIELDS)
    text = _comment_text(body)
    requested = _requested(body)
    languages = _languages(body)
    do_not_store = _optional(body, "doNotStore", bool) or False
    with_spans = _optional(body, "spanAnnotations", bool) or False
    client_token = _optional(body, "clientToken", str)
    for name in ("sessionId", "communityId"):
        _optional(body, name, str)
    _optional(body, "context", dict)
    g.api_store = not do_not_store
    version, bundle, assessment, decision = _score(text)
    _check_language(requested, languages, assessment, decision)
    read = readable(text)[0]
    values = attributes.score_texts(bundle, version.thresholds, [read], [assessment.scores], requested)[0]
    spans = attributes.span_scores(bundle, version.thresholds, text, assessment.spans, requested) if with_spans else None
    scores = {}
    for name, threshold in requested.items():
        if values[name] < threshold:
            continue
        entry = {"summaryScore": _score_value(values[name])}
        if with_spans:
            marked = (spans or {}).get(name) or [(0, len(text), values[name])]
            entry["spanScores"] = [{"begin": b, "end": e, "score": _score_value(v)} for b, e, v in marked]
        scores[name] = entry
    g.api_decision, g.api_scores, g.api_text = decision.outcome, values, text
    answer = {
        "attributeScores": scores,
        "languages": languages or ["en"],
        "detectedLanguages": [assessment.language] if assessment.language != "und" else [],
        "decision": {
            "outcome": decision.outcome,
            "brokenRules": decision.broken_rules,
            "doubtfulRules": decision.doubtful_rules,
            "guardrails": decision.guardrails,
            "reasons": assessment.reasons,
            "rules": {rule: RULE_TEXT[rule] for rule in decision.broken_rules + decision.doubtful_rules},
            "spans": [list(span) for span in assessment.spans],
            "modelVersion": version.name,
        },
    }
    if client_token is not None:
        answer["clientToken"] = client_token
    return jsonify(answer)


@bp.post("/comments:suggestscore")
@per_key
@per_address
def suggest_score():
    """Keep a client's label for a comment as feedback from its key; a repeated clientToken replaces the label."""
    g.api_endpoint = "suggestscore"
    body = _body(SUGGEST_FIELDS)
    text = _comment_text(body)
    suggested = _expect(body.get("attributeScores"), dict, "attributeScores")
    values = {}
    for name, entry in suggested.items():
        if name not in attributes.ATTRIBUTES:
            raise ApiError(400, f"Attribute {name[:60]} is not supported.", "ATTRIBUTE_NOT_SUPPORTED")
        summary = _expect(_expect(entry, dict, f"attributeScores.{name}").get("summaryScore"), dict,
                          f"attributeScores.{name}.summaryScore")
        value = summary.get("value")
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:
            raise ApiError(400, f"attributeScores.{name}.summaryScore.value must be a number from 0 to 1.")
        values[name] = float(value)
    labels = usage.labels_from(values)
    if not labels:
        raise ApiError(400, "attributeScores must name at least one attribute.")
    _languages(body)
    client_token = _optional(body, "clientToken", str)
    community = _optional(body, "communityId", str)
    context = _optional(body, "context", dict)
    if client_token is not None and len(client_token) > 256:
        raise ApiError(400, "clientToken must be at most 256 characters.")
    usage.store_feedback(request_key(), text, labels, values, client_token, community, context)
    db.session.commit()
    return jsonify({"clientToken": client_token} if client_token is not None else {})
