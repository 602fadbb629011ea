"""The legal mails: a statement of reasons, an appeal's outcome, a notice's receipt and its decision."""
from flask import render_template

from moderation.mail.delivery import send_after_commit
from moderation.mail import messages  # the module, not its names: messages imports this module too


def _send(to, subject, template, **context):
    text = render_template(f"legal/mail/{template}", **context)
    send_after_commit({"to": to, "subject": subject, "text": text, "headers": {}})


def statement_links(statement):
    """The absolute link a statement's mail names for an appeal ("" when it is already an appeal's outcome)."""
    return {"appeal_link": messages.absolute_url("legal.appeal", uid=statement.uid) if statement.source != "appeal" else ""}


SUBJECTS = {"rejected": "Your comment was not published", "hidden": "Your comment is hidden",
            "removed": "Your comment was removed"}


def statement_issued(statement, comment):
    """Mail the author a statement no other mail carries (a machine rejection, a hiding, a later removal)."""
    _decision_mail(statement, comment, f"{SUBJECTS[statement.action]} ({statement.uid})", "statement.txt",
                   **statement_links(statement))


def statement_reversed(statement, comment):
    """A moderator published a comment a statement had kept from readers: the decision no longer stands."""
    _decision_mail(statement, comment, f"Your comment is published ({statement.uid} reversed)", "reversal.txt",
                   link=messages.absolute_url("comments.story", slug=comment.story.slug, _anchor=f"c{comment.id}"))


def _decision_mail(statement, comment, subject, template, **context):
    """A decisions notification to the comment's author, so their preference and the one-click unsubscribe hold."""
    author = comment.author
    if author is None or not author.email or not messages.wants(author, "decisions"):
        return
    send_after_commit(messages.notification(
        author, "decisions", subject, f"legal/mail/{template}", comment=comment, statement=statement,
        my_comments=messages.absolute_url("comments.my_comments"), **context))


def appeal_decided(appeal, statement=None):
    """The outcome of an appeal, with its reason, to the author who made it (always, to a confirmed address)."""
    author = appeal.author
    if author is None or author.deleted_at is not None or author.email_verified_at is None:
        return
    subject = "Your appeal: your comment is published" if appeal.status == "reversed" else "Your appeal was decided"
    _send(author.email, subject, "appeal_outcome.txt", user=author, appeal=appeal, statement=statement,
          comment=appeal.comment, my_comments=messages.absolute_url("comments.my_comments"))


def notice_received(notice):
    _send(notice.email, f"We received your notice {notice.uid}", "notice_receipt.txt", notice=notice,
          link=messages.absolute_url("legal.notice_receipt", uid=notice.uid))


def notice_decided(notice):
    _send(notice.email, f"Decision on your notice {notice.uid}", "notice_decision.txt", notice=notice,
          link=messages.absolute_url("legal.notice_receipt", uid=notice.uid))
