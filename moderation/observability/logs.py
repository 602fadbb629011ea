"""Logs as one JSON object per line (LOG_FORMAT=json): a line per request with its id, route, status and latency,
and the comments it judged; a comment's text only when LOG_COMMENT_TEXT=1."""
import json
import logging
import os
import re
import sys
import time
import uuid
from datetime import datetime, timezone

from flask import g, has_request_context, request
from flask.logging import default_handler

REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")  # an id the proxy sent is kept if it is this plain
# What a record may carry besides its message (logger.info(..., extra={...})).
FIELDS = ("request_id", "method", "route", "endpoint", "path", "status", "latency_ms", "comment_id", "decision",
          "comments", "text", "remote_addr")
requests_log = logging.getLogger("moderation.requests")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, the request's id and any FIELDS given."""

    def format(self, record):
        line = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        if has_request_context() and "request_id" in g:
            line["request_id"] = g.request_id
        line.update({name: getattr(record, name) for name in FIELDS if hasattr(record, name)})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is now (gunicorn, the worker, a test's capture)."""

    def __init__(self):
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def init_app(app):
    """Request ids always; JSON lines on stderr for every logger (app, worker, huey) when LOG_FORMAT=json."""
    config = app.config
    config.setdefault("LOG_FORMAT", os.environ.get("LOG_FORMAT", "text"))
    config.setdefault("LOG_COMMENT_TEXT", os.environ.get("LOG_COMMENT_TEXT", "") in ("1", "true", "yes"))
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request_funcs.setdefault(None, []).insert(0, lambda response: _finish(config, response))
    if config["LOG_FORMAT"] == "json":
        root = logging.getLogger()
        if not any(isinstance(h, StderrHandler) for h in root.handlers):
            for handler in list(root.handlers):  # a text handler set up earlier would print each line twice
                root.removeHandler(handler)
            handler = StderrHandler()
            handler.setFormatter(JsonFormatter())
            root.addHandler(handler)
        root.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())
        app.logger.removeHandler(default_handler)


def _start():
    g.log_started = time.perf_counter()
    sent = request.headers.get("X-Request-Id", "")
    g.request_id = sent if REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex


def _finish(config, response):
    """Return the request id, and log the request as one line in JSON mode."""
    response.headers["X-Request-Id"] = g.get("request_id", "")
    if config["LOG_FORMAT"] != "json":
        return response
    fields = {
        "method": request.method, "route": request.url_rule.rule if request.url_rule else None,
        "endpoint": request.endpoint, "path": request.path, "status": response.status_code,
        "latency_ms": round((time.perf_counter() - g.get("log_started", time.perf_counter())) * 1000, 2),
        "remote_addr": request.remote_addr,
    }
    judged = g.get("judged_comments", [])
    if judged:
        fields["comment_id"], fields["decision"] = judged[-1][0], judged[-1][1]
        if len(judged) > 1:
            fields["comments"] = [{"comment_id": c, "decision": d} for c, d, _, _ in judged]
        if config["LOG_COMMENT_TEXT"]:
            fields["text"] = judged[-1][3]
    elif g.get("api_decision"):
        fields["decision"] = g.api_decision
    if config["LOG_COMMENT_TEXT"] and g.get("api_text") and "text" not in fields:
        fields["text"] = g.api_text
    requests_log.info("%s %s %s", request.method, request.path, response.status_code, extra=fields)
    return response
