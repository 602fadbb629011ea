"""The REST API's schemas (marshmallow): they validate requests, shape answers and write the OpenAPI document."""
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from moderation.forms import MAX_COMMENT_CHARS, MAX_ID
from moderation.operations import REVIEW_REASONS, as_utc

EXTERNAL_ID = validate.Length(1, 200)


class UtcDateTime(fields.DateTime):
    """ISO 8601 with its offset: SQLite hands back naive datetimes, and every stored time is UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(as_utc(value), attr, obj, **kwargs)


class Strict(Schema):
    """Unknown fields are refused, so a misspelt field is an error rather than silently ignored; a NUL character in
    any string is refused too (PostgreSQL cannot store one, so it failed there as a 500)."""

    class Meta:
        unknown = RAISE
        ordered = True

    @validates_schema(pass_original=True)
    def _no_nul(self, _data, original, **_kwargs):
        for name, value in (original.items() if isinstance(original, dict) else ()):
            if isinstance(value, str) and "\x00" in value:
                raise ValidationError("A NUL character is not text.", field_name=name)


class StoryIn(Strict):
    story_id = fields.String(required=True, validate=EXTERNAL_ID,
                             metadata={"description": "The CMS's id for the story"})
    url = fields.Url(required=True, schemes={"http", "https"}, validate=validate.Length(max=500),
                     metadata={"description": "The article's address, on one of the site's allowed origins"})
    title = fields.String(validate=validate.Length(1, 200))
    summary = fields.String(validate=validate.Length(max=5000))
    comments_open = fields.Boolean()


class AuthorIn(Strict):
    id = fields.String(required=True, validate=EXTERNAL_ID, metadata={"description": "The CMS's id for the reader"})
    name = fields.String(required=True, validate=validate.Length(2, 60))
    email = fields.Email(validate=validate.Length(max=254))


class CommentIn(Strict):
    comment_id = fields.String(required=True, validate=EXTERNAL_ID, metadata={
        "description": "The CMS's id for the comment: sending it again returns the stored comment, never a copy"})
    story = fields.Nested(StoryIn, required=True)
    author = fields.Nested(AuthorIn, required=True)
    text = fields.String(required=True, validate=validate.Length(1, MAX_COMMENT_CHARS))
    parent_id = fields.Integer(validate=validate.Range(1, MAX_ID), metadata={
        "description": "This service's id of the published comment replied to"})
    parent_comment_id = fields.String(validate=EXTERNAL_ID, metadata={
        "description": "Or the CMS's id of the comment replied to"})


class ModerationIn(Strict):
    action = fields.String(required=True, validate=validate.OneOf(["approve", "reject"]))
    reason = fields.String(validate=validate.OneOf(REVIEW_REASONS),
                           metadata={"description": "Required for a rejection"})
    note = fields.String(validate=validate.Length(max=1000))


class PageArgs(Strict):
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class StoryOut(Schema):
    id = fields.Integer(metadata={"description": "This service's id"})
    story_id = fields.String(attribute="external_id", allow_none=True)
    url = fields.String()
    title = fields.String()
    comments_open = fields.Boolean()
    created_at = UtcDateTime()


class AuthorOut(Schema):
    id = fields.Integer()
    user_id = fields.String(attribute="external_id", allow_none=True, metadata={"description": "The CMS's id"})
    name = fields.String(attribute="display_name")


class DecisionOut(Schema):
    outcome = fields.String(attribute="decision", metadata={"description": "publish, review or reject"})
    rejecting_rules = fields.List(fields.String(), metadata={"description": "The rules the comment broke"})
    doubtful_rules = fields.List(fields.String(), metadata={"description": "Rules a moderator is asked about"})
    reasons = fields.Dict(attribute="rule_reasons", keys=fields.String(), values=fields.List(fields.String()))
    spans = fields.List(fields.List(fields.Integer()), attribute="rejecting_spans",
                        metadata={"description": "Character ranges of the words that broke an abuse rule"})
    model_version = fields.String(allow_none=True)
    decided_by_machine = fields.Boolean()


class ModerationOut(Schema):
    action = fields.String()
    reason = fields.String(allow_none=True)
    note = fields.String()
    created_at = UtcDateTime()


class CommentOut(Schema):
    id = fields.Integer()
    comment_id = fields.String(attribute="external_id", allow_none=True, metadata={"description": "The CMS's id"})
    story = fields.Nested(StoryOut)
    author = fields.Nested(AuthorOut)
    parent_id = fields.Integer(allow_none=True)
    text = fields.String(metadata={"description": "The latest text, as its author last wrote it"})
    published_text = fields.String(allow_none=True, metadata={
        "description": "The text readers still see while an edit of a published comment waits or after the machine "
                       "rejected the edit; null otherwise"})
    deleted = fields.Function(lambda comment: comment.deleted_at is not None, metadata={
        "type": "boolean", "description": "Deleted by its author"})
    status = fields.String(metadata={"description": "pending, published, review or rejected (of the latest text)"})
    hidden = fields.Boolean(metadata={"description": "Hidden from readers while reports wait for a moderator"})
    created_at = UtcDateTime()
    decision = fields.Nested(DecisionOut, attribute="verdict", allow_none=True)
    moderation = fields.Nested(ModerationOut, attribute="latest_review", allow_none=True)


class ListedCommentOut(CommentOut):
    text = fields.Function(lambda comment: "" if comment.deleted_at else comment.text_for(None), metadata={
        "type": "string", "description": "What readers see: the published text (empty when its author deleted it)"})


class ThreadOut(ListedCommentOut):
    replies = fields.List(fields.Nested(ListedCommentOut), metadata={
        "description": "Replies readers see, oldest first; replies nested deeper are listed under their ancestor"})


class PageOut(Schema):
    page = fields.Integer()
    per_page = fields.Integer()
    total_threads = fields.Integer()
    total_comments = fields.Integer()
    pages = fields.Integer()
    threads = fields.List(fields.Nested(ThreadOut))


class ErrorBody(Schema):
    code = fields.String(metadata={"description": "Stable, machine-readable: bad_request, unauthorized, ..."})
    message = fields.String()
    fields_ = fields.Dict(data_key="fields", metadata={"description": "Per-field problems of a refused request"})


class ErrorOut(Schema):
    error = fields.Nested(ErrorBody)
