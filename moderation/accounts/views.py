"""The account pages: /account/ (name, password, address), notification preferences, deleting the account, and the
links mails carry: confirm the address, reset the password, unsubscribe."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from moderation.accounts import forms, operations
from moderation.accounts.tokens import read_token
from moderation.extensions import csrf, db, limiter
from moderation.mail.messages import NOTIFICATION_KINDS
from moderation.operations import OperationError
from moderation.privacy.erasure import deletion_mode
from moderation.ratelimits import configured

bp = Blueprint("accounts", __name__, url_prefix="/account")
DELETED_COMMENTS = {"anonymise": "Your comments stay, under the name of a deleted account.",
                    "remove": "Your comments are removed and their texts erased."}
SENT_RESET = ("If an account has that address, we have mailed it a link to choose a new password. "
              "The link works for {minutes} minutes. No mail? Check the spam folder, or ask again later.")


def init_app(app):
    """How long mailed links work, and the blueprint."""
    app.config.setdefault("PASSWORD_RESET_MAX_AGE", 3600)  # seconds
    app.config.setdefault("EMAIL_VERIFY_MAX_AGE", 7 * 86400)
    app.register_blueprint(bp)


def _per_reader(prefix):
    return lambda: f"{prefix}:{current_user.id}"


def _link_problem(what):
    message = f"This {what} link has expired, was already used or is not complete. Ask for a new one."
    return render_template("error.html", code=400, title="Link not valid", message=message), 400


def _account_page(status=200, **forms_given):
    page_forms = {
        "name_form": forms.DisplayNameForm(formdata=None, display_name=current_user.display_name),
        "password_form": forms.ChangePasswordForm(formdata=None),
        "confirm_form": forms.ConfirmForm(formdata=None),
        "email_form": forms.ChangeEmailForm(formdata=None),
        **forms_given,
    }
    return render_template("accounts/account.html", required=operations.verification_required(),
                           **page_forms), status


@bp.get("/")
@login_required
def account():
    return _account_page()


@bp.post("/name")
@login_required
@limiter.limit(configured("RATELIMIT_ACCOUNT_PER_READER"), key_func=_per_reader("account"))
def change_name():
    form = forms.DisplayNameForm()
    if form.validate_on_submit():
        try:
            operations.rename(current_user, form.display_name.data)
        except OperationError as error:
            db.session.rollback()
            form.display_name.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Your display name is now {current_user.display_name}.", "success")
            return redirect(url_for("accounts.account"))
    return _account_page(422, name_form=form)


@bp.post("/password")
@login_required
@limiter.limit(configured("RATELIMIT_ACCOUNT_PER_READER"), key_func=_per_reader("account"))
def change_password():
    form = forms.ChangePasswordForm()
    if form.validate_on_submit():
        try:
            operations.set_password(current_user, form.password.data, current=form.current.data)
        except OperationError as error:
            db.session.rollback()
            form.current.errors.append(str(error))
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # this session carries the new token; others end
            flash("Your password is changed. Every other session of your account is logged out.", "success")
            return redirect(url_for("accounts.account"))
    return _account_page(422, password_form=form)


@bp.post("/verify")
@login_required
@limiter.limit(configured("RATELIMIT_VERIFY_PER_READER"), key_func=_per_reader("verify"))
def resend_verification():
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    if current_user.email_verified_at is not None:
        flash("Your email address is already confirmed.", "info")
    else:
        operations.send_verification(current_user)
        db.session.commit()
        flash(f"We sent a new confirmation link to {current_user.email}.", "success")
    return redirect(url_for("accounts.account"))


@bp.post("/email")
@login_required
@limiter.limit(configured("RATELIMIT_VERIFY_PER_READER"), key_func=_per_reader("email-change"))
def change_email():
    """Ask to move the account to another address: a link goes there, a notice to the current one."""
    form = forms.ChangeEmailForm()
    if form.validate_on_submit():
        try:
            operations.request_email_change(current_user, form.email.data, form.password.data)
        except OperationError as error:
            db.session.rollback()
            form.email.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"We sent a link to {form.email.data.strip().lower()}: open it to use that address. Until then "
                  f"your account keeps {current_user.email}.", "success")
            return redirect(url_for("accounts.account"))
    return _account_page(422, email_form=form)


@bp.get("/email/<token>")
def confirm_email_change(token):
    found = read_token(token, "email", max_age=current_app.config["EMAIL_VERIFY_MAX_AGE"])
    if found is None or not isinstance(found[1], str):
        return _link_problem("address change")
    try:
        operations.confirm_email_change(*found)
    except OperationError as error:
        db.session.rollback()
        return render_template("error.html", code=409, title="Address taken", message=str(error)), 409
    db.session.commit()
    flash(f"Your account now uses {found[1]}.", "success")
    return redirect(url_for("accounts.account" if current_user.is_authenticated else "auth.login"))


@bp.get("/verify/<token>")
def verify(token):
    found = read_token(token, "verify", max_age=current_app.config["EMAIL_VERIFY_MAX_AGE"])
    if found is None:
        return _link_problem("confirmation")
    operations.confirm_email(found[0])
    db.session.commit()
    flash("Thank you: your email address is confirmed.", "success")
    return redirect(url_for("accounts.account" if current_user.is_authenticated else "auth.login"))


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notifications():
    form = forms.NotificationsForm(replies=current_user.notify_replies, decisions=current_user.notify_decisions)
    if form.validate_on_submit():
        operations.set_notifications(current_user, form.replies.data, form.decisions.data)
        db.session.commit()
        flash("Your mail preferences are saved.", "success")
        return redirect(url_for("accounts.notifications"))
    return render_template("accounts/notifications.html", form=form, confirm_form=forms.ConfirmForm(formdata=None))


@bp.route("/delete", methods=["GET", "POST"])
@login_required
@limiter.limit(configured("RATELIMIT_ACCOUNT_PER_READER"), methods=["POST"], key_func=_per_reader("account"))
def delete():
    form = forms.DeleteAccountForm()
    if form.validate_on_submit():
        try:
            operations.delete_account(current_user, form.password.data)
        except OperationError as error:
            db.session.rollback()
            form.password.errors.append(str(error))
        else:
            db.session.commit()
            logout_user()
            flash("Your account is deleted. " + DELETED_COMMENTS[deletion_mode()], "info")
            return redirect(url_for("comments.index"))
    return render_template("accounts/delete.html", form=form, mode=deletion_mode()), \
        422 if request.method == "POST" else 200


def _typed_email():
    return (request.form.get("email") or "").strip().lower()[:254]


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(configured("RATELIMIT_RESET_PER_ACCOUNT"), methods=["POST"],
               key_func=lambda: f"reset-account:{_typed_email()}")
@limiter.limit(configured("RATELIMIT_RESET_PER_ADDRESS"), methods=["POST"],
               key_func=lambda: f"reset-address:{request.remote_addr}")
def forgot_password():
    form = forms.ForgotPasswordForm()
    if form.validate_on_submit():
        operations.request_reset(form.email.data)
        db.session.commit()  # the mail, if any, leaves now; the answer is the same either way
        flash(SENT_RESET.format(minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60), "info")
        return redirect(url_for("auth.login"))
    return render_template("accounts/forgot.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    found = read_token(token, "reset", max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    if found is None:
        return _link_problem("password reset")
    user = found[0]
    form = forms.ResetPasswordForm()
    if form.validate_on_submit():
        operations.set_password(user, form.password.data)
        db.session.commit()
        login_user(user)
        flash("Your new password is set, and every other session of your account is logged out.", "success")
        return redirect(url_for("comments.index"))
    return render_template("accounts/reset.html", form=form)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the authority: mail clients POST here in one click (RFC 8058), with no form
def unsubscribe(token):
    found = read_token(token, "unsubscribe")
    if found is None or found[1] not in NOTIFICATION_KINDS:
        return _link_problem("unsubscribe")
    user, kind = found
    if request.method == "POST":
        operations.unsubscribe(user, kind)
        db.session.commit()
        return render_template("accounts/unsubscribe.html", kind_text=NOTIFICATION_KINDS[kind], done=True)
    return render_template("accounts/unsubscribe.html", kind_text=NOTIFICATION_KINDS[kind], done=False)
