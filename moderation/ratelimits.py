"""Rate limits for readers: the limits come from config, and a refusal is a clear page with Retry-After."""
import time

from flask import current_app, render_template
from limits.storage import MemoryStorage

from moderation.extensions import limiter

# Each setting is a Flask-Limiter limit string; several windows make the wait grow with the attempts
# (for a login: after 5 failures a minute, after 20 an hour, after 50 a day).
DEFAULT_LIMITS = {
    "RATELIMIT_LOGIN_PER_ACCOUNT": "5 per minute; 20 per hour; 50 per day",  # failed logins only
    "RATELIMIT_LOGIN_PER_ADDRESS": "20 per minute; 100 per hour; 500 per day",  # failed logins only
    "RATELIMIT_REGISTER_PER_ADDRESS": "3 per minute; 10 per hour; 30 per day",
    "RATELIMIT_POST_PER_READER": "5 per minute; 60 per hour; 300 per day",
    "RATELIMIT_POST_PER_ADDRESS": "30 per minute; 600 per hour",
    "RATELIMIT_REPORT_PER_READER": "10 per minute; 100 per day",
    "RATELIMIT_REPORT_PER_ADDRESS": "30 per minute; 500 per day",
    "RATELIMIT_RESET_PER_ACCOUNT": "3 per hour; 10 per day",  # reset mails asked for one typed address
    "RATELIMIT_RESET_PER_ADDRESS": "5 per minute; 30 per hour",
    "RATELIMIT_VERIFY_PER_READER": "3 per hour; 10 per day",  # confirmation mails sent again
    "RATELIMIT_ACCOUNT_PER_READER": "10 per minute; 50 per hour",  # password checks on one's account pages
}


class SweptMemoryStorage(MemoryStorage):
    """limits' memory storage, freeing expired counters at most once a second, inline, instead of from a thread.

    A counter is checked for expiry whenever it is read, so the sweep only frees memory. limits' own storage starts
    a timer thread that lives 10 ms on almost every request (about a tenth of a post's time in a gunicorn worker); a
    timer started once a second still cost a post about 0.1 ms, waiting for the new thread to be scheduled on a busy
    machine. The sweep itself is the same work either way."""

    STORAGE_SCHEME = ["swept-memory"]
    SWEEP_SECONDS = 1.0
    _next_sweep = 0.0  # time.monotonic() after which the next counted hit sweeps

    def _MemoryStorage__schedule_expiry(self):  # replaces MemoryStorage's private __schedule_expiry (limits 5.8)
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_SECONDS
            self._MemoryStorage__expire_events()


def init_app(app):
    """Defaults for every limit; limits are off under TESTING unless a test turns RATELIMIT_ENABLED on."""
    for name, value in DEFAULT_LIMITS.items():
        app.config.setdefault(name, value)
    app.config.setdefault("RATELIMIT_ENABLED", not app.config.get("TESTING"))
    app.register_error_handler(429, too_many_requests)


def configured(name):
    """The limit named in config, read at request time (so a deployment or a test can change it)."""
    return lambda: current_app.config[name]


def retry_after():
    """Seconds until the limit just broken lets the caller in again (its window's reset)."""
    limit = limiter.current_limit
    return max(int(limit.reset_at - time.time()), 1) if limit else 60


def too_many_requests(error):
    """429 in the site's layout, saying how long to wait, with Retry-After (headers are only sent on refusals:
    computing them on every answer costs a storage round trip per request)."""
    wait = retry_after()
    if wait < 120:
        when = f"{wait} seconds"
    else:
        when = f"{round(wait / 60)} minutes" if wait < 7200 else f"{round(wait / 3600)} hours"
    message = f"Too many attempts in a short time. Please wait {when} and try again."
    return render_template("error.html", code=429, title="Too many requests", message=message), 429, {
        "Retry-After": str(wait)}
