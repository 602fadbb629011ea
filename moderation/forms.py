"""WTForms forms (Flask-WTF adds the CSRF token to each)."""
import re

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from moderation.operations import REVIEW_REASONS
from moderation.passwords import password_problem
from moderation.pipeline import RULE_TEXT

MAX_COMMENT_CHARS = 5000
MAX_ID = 2**31 - 1  # the largest id every database stores; a bigger number names nothing
# Control characters other than tab and newline are never meant to be typed.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(value):
    """Strip control characters and surrounding whitespace; normalise line endings."""
    if value is None:
        return value
    return CONTROL_CHARS.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


def parse_id(value, default=None, minimum=1):
    """A whole number from `minimum` to MAX_ID written in ASCII digits, else `default` ("²".isdigit() is True)."""
    value = (value or "").strip()
    if value.isascii() and value.isdigit() and len(value) <= 10 and minimum <= int(value) <= MAX_ID:
        return int(value)
    return default


def page_number(args):
    """The ?page= of a list: 1 unless a sensible whole number is given (a huge page would overflow OFFSET)."""
    return min(parse_id(args.get("page"), 1), 100_000)


def last_page_url(pagination):
    """This list's address at its last page when ?page= asks past the end (it reads "nothing here" otherwise), or None."""
    last = max(pagination.pages or 1, 1)
    if pagination.page <= last:
        return None
    from flask import request, url_for

    return url_for(request.endpoint, **{**(request.view_args or {}), **request.args.to_dict(), "page": last})


class RegisterForm(FlaskForm):
    email = EmailField("Email", validators=[
            DataRequired(),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Enter a valid email address."),
            Length(max=254),
        ],
    )
    display_name = StringField(
        "Display name", filters=[clean_text], validators=[DataRequired(), Length(2, 60)]
    )
    password = PasswordField("Password", validators=[DataRequired()])
    confirm = PasswordField(
        "Repeat password", validators=[EqualTo("password", "The passwords do not match.")]
    )

    def validate_password(self, field):
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me logged in")


class CommentForm(FlaskForm):
    """A comment or a reply. Its CSRF token is checked by CSRFProtect before any view runs, like every form's, and is
    put in the page by the template (csrf_token()): the form neither checks it again nor signs a new one on a post
    that is redirected (a fifth of the form's cost on every post)."""

    class Meta:
        csrf = False

    text = TextAreaField(
        "Your comment",
        filters=[clean_text],
        validators=[
            DataRequired("Write something before you send it."),
            Length(max=MAX_COMMENT_CHARS, message="Comments can be at most 5,000 characters."),
        ],
    )
    parent_id = HiddenField()


class ReviewForm(FlaskForm):
    action = SelectField("Decision", choices=[SelectChoice("approve", "Approve"), SelectChoice("reject", "Reject")])
    reason = SelectField(
        "Reason",
        choices=[SelectChoice("", "(none)")]
        + [SelectChoice(r, RULE_TEXT.get(r, r.capitalize()).rstrip(".")) for r in REVIEW_REASONS],
        validators=[Optional()],
    )
    note = TextAreaField("Note", filters=[clean_text], validators=[Length(max=1000)])


class StoryForm(FlaskForm):
    title = StringField("Title", filters=[clean_text], validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField("Summary", filters=[clean_text], validators=[Length(max=5000)])
    url = StringField(
        "Link to the article",
        filters=[clean_text],
        validators=[Optional(), URL(), Length(max=500)],
    )
    comments_open = BooleanField("Comments open", default=True)

