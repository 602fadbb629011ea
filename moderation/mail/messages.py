"""The mails the service sends, composed from templates/mail/*.txt with absolute links to PUBLIC_URL."""
from urllib.parse import urlsplit

from flask import current_app, render_template

from moderation.accounts.tokens import make_token
from moderation.legal import mails, statements
from moderation.mail.delivery import send_after_commit
from moderation.pipeline import RULE_TEXT

# Links in mails never come from the request's Host header (a forged one would mail an attacker's reset link).
DEFAULT_PUBLIC_URL = "http://127.0.0.1:5000"
REASON_TEXT = {**RULE_TEXT, "spam": "Comments must not be spam or advertising.",
               "other": "A moderator judged that it breaks the house rules."}
NOTIFICATION_KINDS = {"replies": "replies to your comments",
                      "decisions": "decisions on your comments (a moderator's, and why one is not shown)"}


def absolute_url(endpoint, **values):
    """An absolute URL on PUBLIC_URL (http://127.0.0.1:5000 when unset, where `make run` serves)."""
    base = urlsplit(current_app.config.get("PUBLIC_URL") or DEFAULT_PUBLIC_URL)
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http")
    anchor = values.pop("_anchor", None)
    return adapter.build(endpoint, values, force_external=True) + (f"#{anchor}" if anchor else "")


def _spec(user, subject, template, headers=None, **context):
    text = render_template(template, user=user, **context)
    return {"to": user.email, "subject": subject, "text": text, "headers": headers or {}}


def verify_mail(user, required=False):
    """The confirmation link; `required` says the site needs it before a first comment."""
    days = current_app.config["EMAIL_VERIFY_MAX_AGE"] // 86400
    link = absolute_url("accounts.verify", token=make_token(user, "verify"))
    return _spec(user, "Confirm your email address", "mail/verify.txt", link=link, days=days, require=required)


def reset_mail(user):
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    link = absolute_url("accounts.reset_password", token=make_token(user, "reset"))
    return _spec(user, "Reset your password", "mail/reset.txt", link=link, minutes=minutes)


def email_change_mail(user, new_email):
    """To the new address: the link that moves the account there (it proves the reader reads that mailbox)."""
    days = current_app.config["EMAIL_VERIFY_MAX_AGE"] // 86400
    link = absolute_url("accounts.confirm_email_change", token=make_token(user, "email", new_email))
    return {**_spec(user, "Confirm your new email address", "mail/email_change.txt", link=link, days=days,
                    new_email=new_email), "to": new_email}


def email_change_notice(user, new_email):
    """To the old address: someone asked to move the account elsewhere; nothing changes unless the link is opened."""
    return _spec(user, "A change of your email address was asked for", "mail/email_change_notice.txt",
                 new_email=new_email, reset_link=absolute_url("accounts.forgot_password"))


def password_changed_mail(user):
    return _spec(user, "Your password was changed", "mail/password_changed.txt",
                 reset_link=absolute_url("accounts.forgot_password"))


def wants(user, kind):
    """Whether `user` gets notifications of `kind`: asked for, and only ever to an address they confirmed."""
    return (user.deleted_at is None and user.email_verified_at is not None
            and getattr(user, f"notify_{kind}"))


def notification(user, kind, subject, template, **context):
    """A mail of a kind the reader can turn off: a one-click unsubscribe link (RFC 8058) in its headers and text."""
    unsubscribe = absolute_url("accounts.unsubscribe", token=make_token(user, "unsubscribe", kind))
    headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return _spec(user, subject, template, headers, unsubscribe=unsubscribe, kind_text=NOTIFICATION_KINDS[kind],
                 preferences=absolute_url("accounts.notifications"), **context)


def comment_published(comment):
    """A published reply tells the author of the comment it answers (not themselves)."""
    parent = comment.parent
    if parent is None or parent.author_id == comment.author_id or not wants(parent.author, "replies"):
        return
    link = absolute_url("comments.story", slug=comment.story.slug, _anchor=f"c{comment.id}")
    send_after_commit(notification(parent.author, "replies", "A reply to your comment", "mail/reply.txt",
                                    reply=comment, parent=parent, link=link))


def comment_decided(comment, review):
    """A moderator's decision on a comment that was waiting for one tells its author."""
    if review.previous_status != "review" or not wants(comment.author, "decisions"):
        return
    approved = review.action == "approve"
    subject = "Your comment is published" if approved else "Your comment was not published"
    link = absolute_url("comments.story", slug=comment.story.slug, _anchor=f"c{comment.id}")
    statement = None if approved else statements.latest(comment.id)  # DSA Art. 17: its id, facts and redress
    send_after_commit(notification(
        comment.author, "decisions", subject, "mail/decision.txt", comment=comment, review=review, approved=approved,
        statement=statement, **(mails.statement_links(statement) if statement else {}),
        reason=REASON_TEXT.get(review.reason, REASON_TEXT["other"]) if not approved else "",
        link=link, my_comments=absolute_url("comments.my_comments"),
    ))
