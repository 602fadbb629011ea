"""Deliver one message: through the SMTP server in MAIL_SERVER, or with none set into instance/outbox and the log."""
import os
import secrets
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from moderation.models import utcnow

# Flask-Mail's names, which operators know; each can also be set in the environment.
DEFAULTS = {
    "MAIL_SERVER": "",  # empty: no SMTP, mails go to MAIL_OUTBOX
    "MAIL_PORT": 587,
    "MAIL_USE_TLS": True,  # STARTTLS after connecting
    "MAIL_USE_SSL": False,  # TLS from the start (port 465)
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_DEFAULT_SENDER": "The Daily Commons <comments@localhost>",
    "MAIL_TIMEOUT": 10,
    "MAIL_FROM_WORKER": True,  # False: send from the request itself (tests that read the mail at once)
}
PENDING = "mail_after_commit"


def settings_from_env():
    """The MAIL_* settings given in the environment, typed like their defaults."""
    found = {}
    for name, default in DEFAULTS.items():
        value = os.environ.get(name)
        if value is None:
            continue
        if isinstance(default, bool):
            found[name] = value.strip().lower() in ("1", "true", "yes", "on")
        elif isinstance(default, int):
            found[name] = int(value)
        else:
            found[name] = value
    return found


def init_app(app):
    """Defaults for every MAIL_* setting; the outbox folder lives in the instance folder."""
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    app.config.setdefault("MAIL_OUTBOX", os.path.join(app.instance_path, "outbox"))


def send_after_commit(spec):
    """Send `spec` (to, subject, text, headers) once the current transaction commits; a rollback drops it.

    So no mail tells of a change that did not happen, and the request never waits on a mail server mid-transaction."""
    from moderation.extensions import db

    db.session.info.setdefault(PENDING, []).append(spec)


@event.listens_for(Session, "after_commit")
def _send_pending(session):
    for spec in session.info.pop(PENDING, []):
        dispatch(spec)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session):
    session.info.pop(PENDING, None)


def dispatch(spec):
    """The one place a committed mail leaves the app: queued for the worker (moderation/worker/tasks.send_mail).

    A failure is logged and never undoes the change that caused the mail (that is already committed)."""
    try:
        if current_app.config["MAIL_FROM_WORKER"]:
            from moderation.worker.tasks import send_mail

            send_mail(spec)  # calling a Huey task queues it
        else:
            deliver(spec)
    except Exception:
        current_app.logger.exception("sending mail %r to %s failed", spec.get("subject"), spec.get("to"))


def build(spec):
    """An RFC 5322 message from a spec; header values with line breaks are refused by the email package."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = spec["to"]
    message["Subject"] = spec["subject"]
    message["Date"] = formatdate(usegmt=True)
    domain = parseaddr(config["MAIL_DEFAULT_SENDER"])[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    for name, value in (spec.get("headers") or {}).items():
        message[name] = value
    message.set_content(spec["text"])
    return message


def deliver(spec):
    """Send one mail now: SMTP when MAIL_SERVER is set, else an .eml file in MAIL_OUTBOX plus a log line."""
    config = current_app.config
    message = build(spec)
    if config["MAIL_SERVER"]:
        _send_smtp(config, message)
        current_app.logger.info("mail sent to %s: %s", spec["to"], spec["subject"])
        return None
    outbox = Path(config["MAIL_OUTBOX"])
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{utcnow():%Y%m%dT%H%M%S%f}-{secrets.token_hex(3)}.eml"
    path.write_bytes(bytes(message))
    path.chmod(0o600)  # reset and confirmation links grant access
    current_app.logger.warning("MAIL_SERVER is not set; mail to %s written to %s:\n%s\n%s",
                            spec["to"], path, spec["subject"], spec["text"])
    return path


def _send_smtp(config, message):
    context = ssl.create_default_context()
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"],
                                context=context)
    else:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
    with smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls(context=context)
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
