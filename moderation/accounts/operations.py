"""State changes on one's own account; these flush, and the caller commits (mails leave after the commit)."""
import secrets
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from moderation.extensions import db
from moderation.mail.delivery import send_after_commit
from moderation.mail.messages import (
    email_change_mail,
    email_change_notice,
    password_changed_mail,
    reset_mail,
    verify_mail,
)
from moderation.models import Comment, User, utcnow
from moderation.operations import OperationError, display_name_taken, get_setting, normal_display_name, record_audit
from moderation.passwords import password_problem
from moderation.privacy.erasure import settle_comments

DELETED_NAME = "Deleted account"


def rename(user, name):
    """Change a display name; names stay unique case-insensitively, and the deleted accounts' name is reserved."""
    name = normal_display_name(name)
    if name.lower().startswith(DELETED_NAME.lower()):
        raise OperationError("That name is reserved; choose another.")
    if display_name_taken(name, user.id):
        raise OperationError("Another reader already uses that name; choose another.")
    try:
        with db.session.begin_nested():  # a rename racing this one for the name loses at the unique index
            user.display_name = name
    except IntegrityError:
        db.session.refresh(user)
        raise OperationError("Another reader already uses that name; choose another.") from None


def verification_required():
    """The site setting: readers confirm their email address before their first comment."""
    return bool(get_setting("require_verified_email"))


def send_verification(user):
    """Mail the link that confirms the address (after the caller's commit)."""
    send_after_commit(verify_mail(user, verification_required()))


def confirm_email(user):
    """Mark the address confirmed (opening the mailed link proved it); returns whether it was new."""
    if user.email_verified_at is not None:
        return False
    user.email_verified_at = utcnow()
    db.session.flush()
    return True


def request_reset(email):
    """Mail a reset link if an account has this address; the caller answers the same words either way."""
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()[:254],
                                                User.deleted_at.is_(None)))
    if user is not None:
        send_after_commit(reset_mail(user))
    return user


def set_password(user, password, current=None):
    """Set a new password (checking the current one when given); every session of the account is logged out."""
    if current is not None and not user.check_password(current):
        raise OperationError("Your current password is not right.")
    problem = password_problem(password)
    if problem:
        raise OperationError(problem)
    user.set_password(password)
    user.new_session_token()
    if current is None:  # a reset: the link reached this mailbox
        confirm_email(user)
    if user.email_verified_at is not None:
        send_after_commit(password_changed_mail(user))
    db.session.flush()


def request_email_change(user, new_email, password):
    """Mail a confirmation link to the new address and a notice to the old one; the address changes only once the
    link is opened (confirm_email_change). The caller commits; the mails leave after it."""
    new_email = (new_email or "").strip().lower()
    if not user.check_password(password):
        raise OperationError("That password is not right.")
    if new_email == user.email:
        raise OperationError("That is already your address.")
    if db.session.scalar(select(User.id).where(User.email == new_email)):
        raise OperationError("Another account uses that address.")
    send_after_commit(email_change_mail(user, new_email))
    send_after_commit(email_change_notice(user, new_email))
    record_audit(user, "email_change_asked", "user", user.id, {"email": user.email}, {"email": new_email})
    db.session.flush()


def confirm_email_change(user, new_email):
    """Move the account to the address whose mailbox opened the link; it is confirmed by that."""
    if db.session.scalar(select(User.id).where(User.email == new_email, User.id != user.id)):
        raise OperationError("Another account uses that address now.")
    before = user.email
    user.email, user.email_verified_at = new_email, utcnow()
    record_audit(user, "email_change", "user", user.id, {"email": before}, {"email": new_email})
    db.session.flush()


def set_notifications(user, replies, decisions):
    user.notify_replies, user.notify_decisions = bool(replies), bool(decisions)
    db.session.flush()


def unsubscribe(user, kind):
    """Turn one kind of notification off (the one-click link in its mails)."""
    if kind not in ("replies", "decisions"):
        raise OperationError("Unknown kind of mail.")
    setattr(user, f"notify_{kind}", False)
    db.session.flush()


def delete_account(user, password):
    """Delete a reader's account: email, name and password are erased and every session ends; the comments stay,
    shown under "Deleted account N", or are removed with their texts (the site setting, moderation/privacy)."""
    if user.role != "reader":
        raise OperationError("Moderators and admins cannot delete their account here: ask an admin to make you a "
                             "reader first.")
    if not user.check_password(password):
        raise OperationError("That password is not right.")
    name = f"{DELETED_NAME} {user.id}"
    if display_name_taken(name, user.id):
        name = f"{name} {secrets.token_hex(3)}"
    kept = db.session.scalar(select(func.count(Comment.id)).where(Comment.author_id == user.id))
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.display_name = name
    user.password_hash = "!deleted"  # matches no password
    user.new_session_token()
    user.email_verified_at = None
    user.notify_replies = user.notify_decisions = False
    user.deleted_at = utcnow()
    mode, removed = settle_comments(user)
    record_audit(user, "delete_account", "user", user.id, {}, {"comments_kept": kept - removed,
                                                               "comments_removed": removed, "mode": mode})
    db.session.flush()
