"""Register, log in, log out, and the role check every moderator and admin route uses."""
import functools
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from moderation.extensions import db, login_manager
from moderation.forms import LoginForm, RegisterForm
from moderation.models import User
from moderation.operations import OperationError, create_user

bp = Blueprint("auth", __name__, url_prefix="/auth")


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


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = create_user(form.email.data, form.password.data, display_name=form.display_name.data)
        except OperationError as error:
            form.email.errors.append(str(error))
        else:
            db.session.commit()
            login_user(user)
            flash("Welcome! You can comment now.", "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.email == form.email.data.strip().lower()))
        if user and user.check_password(form.password.data):
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append("Wrong email or password.")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("comments.index"))
