"""Register, log in, log out, and the role check every moderator and admin route uses."""
import functools
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from moderation.accounts.operations import send_verification, verification_required
from moderation.extensions import db, limiter, login_manager
from moderation.forms import LoginForm, RegisterForm
from moderation.models import User
from moderation.operations import DisplayNameTaken, OperationError, create_user
from moderation.ratelimits import configured

bp = Blueprint("auth", __name__, url_prefix="/auth")
# Checked when no account has the email, so a wrong address costs as long as a wrong password.
_NO_ACCOUNT_HASH = generate_password_hash("no account has this email")


def role_required(role):
    """Refuse anonymous visitors (to the login page) and people below `role` (403)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _safe_next(target):
    """Only follow a `next` that stays on this site."""
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("comments.index")


def _login_failed(response):
    return response.status_code != 302


def _account_key():
    return "login-account:" + (request.form.get("email") or "").strip().lower()[:254]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(configured("RATELIMIT_REGISTER_PER_ADDRESS"), methods=["POST"],
               key_func=lambda: f"register-address:{request.remote_addr}")
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = create_user(form.email.data, form.password.data, display_name=form.display_name.data)
        except DisplayNameTaken as error:
            db.session.rollback()
            form.display_name.errors.append(str(error))
        except OperationError:
            # Same words as any refusal, and the password was hashed as for a new account: no telling who is here.
            form.email.errors.append("This account could not be created. If you already have one, log in instead.")
        else:
            send_verification(user)
            db.session.commit()
            login_user(user)
            if verification_required():
                flash(f"Welcome! We mailed a link to {user.email}: open it to confirm your address, and then you "
                      "can comment.", "success")
            else:
                flash(f"Welcome! You can comment now. We mailed a link to {user.email} to confirm your address.",
                      "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(configured("RATELIMIT_LOGIN_PER_ACCOUNT"), methods=["POST"], key_func=_account_key,
               deduct_when=_login_failed)
@limiter.limit(configured("RATELIMIT_LOGIN_PER_ADDRESS"), methods=["POST"],
               key_func=lambda: f"login-address:{request.remote_addr}", deduct_when=_login_failed)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.email == form.email.data.strip().lower()))
        password_hash = user.password_hash if user else _NO_ACCOUNT_HASH
        if check_password_hash(password_hash, form.password.data) and user is not None:
            login_user(user, remember=form.remember.data)
            db.session.commit()  # a first login stores the session token
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append("Wrong email or password.")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    current_user.new_session_token()  # every copy of the session and remember cookies stops working
    db.session.commit()
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("comments.index"))
