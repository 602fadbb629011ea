"""Forms of the account pages (Flask-WTF adds the CSRF token to each)."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from moderation.accounts.operations import normal_display_name
from moderation.passwords import MAX_LENGTH, password_problem


class NewPasswordFields(FlaskForm):
    """A new password, typed twice, under the password rules."""

    password = PasswordField("New password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    confirm = PasswordField("Repeat the new password", validators=[EqualTo("password", "The passwords do not match.")])

    def validate_password(self, field):
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Your account's email", validators=[DataRequired(), Length(max=254)])


class ResetPasswordForm(NewPasswordFields):
    pass


class ChangePasswordForm(NewPasswordFields):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=MAX_LENGTH)])


class ChangeEmailForm(FlaskForm):
    email = EmailField("New email address", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Your password", validators=[DataRequired(), Length(max=MAX_LENGTH)])

    def validate_email(self, field):
        if "@" not in field.data.strip()[1:-1] or any(c.isspace() for c in field.data.strip()):
            raise ValidationError("Enter a valid email address.")


class DisplayNameForm(FlaskForm):
    display_name = StringField("Display name", filters=[normal_display_name],
                               validators=[DataRequired(), Length(2, 60)])


class NotificationsForm(FlaskForm):
    replies = BooleanField("Mail me when someone replies to my comment")
    decisions = BooleanField("Mail me decisions on my comments: a moderator's, and why one is not shown")


class DeleteAccountForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired(), Length(max=MAX_LENGTH)])
    understood = BooleanField("I understand that this cannot be undone",
                              validators=[DataRequired("Tick the box to confirm.")])


class ConfirmForm(FlaskForm):
    """A button and its CSRF token."""
