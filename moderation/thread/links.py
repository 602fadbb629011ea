"""Where the thread partials' links and forms point: the service's own pages, or the embed's frame routes.

The partials in templates/thread/ render one comment the same way in both; only these addresses differ, and the
embed's forms carry data-embed (its script sends them with the reader's bearer token) instead of a CSRF token."""
from flask import url_for

from moderation.operations import posting_refusal
from moderation.thread.changes import EDIT_MINUTES, can_edit
from moderation.thread.reading import LONG_COMMENT, SORTS


class PageLinks:
    """The service's own story pages: cookie sessions, CSRF tokens, ordinary links."""

    embed = False

    def __init__(self, story):
        self.story = story

    def post(self):
        return url_for("comments.post_comment", slug=self.story.slug)

    def story_page(self, **args):
        return url_for("comments.story", slug=self.story.slug, **args)

    def permalink(self, comment):
        return url_for("comments.permalink", slug=self.story.slug, comment_id=comment.id)

    def edit(self, comment):
        return url_for("comments.edit", slug=self.story.slug, comment_id=comment.id)

    def delete(self, comment):
        return url_for("comments.delete", slug=self.story.slug, comment_id=comment.id)

    def report(self, comment):
        return url_for("comments.report", slug=self.story.slug, comment_id=comment.id)

    def feature(self, comment):
        return url_for("review.feature", comment_id=comment.id)


class EmbedLinks(PageLinks):
    """The embed's frame: every address answers with the stream's HTML, which the frame's script swaps in."""

    embed = True

    def post(self):
        return url_for("embed.post_comment", story_id=self.story.id)

    def story_page(self, **args):
        return url_for("embed.stream", story_id=self.story.id, **args)

    def permalink(self, comment):
        return url_for("embed.comment", story_id=self.story.id, comment_id=comment.id)

    def edit(self, comment):
        return url_for("embed.edit", story_id=self.story.id, comment_id=comment.id)

    def delete(self, comment):
        return url_for("embed.delete", story_id=self.story.id, comment_id=comment.id)

    def report(self, comment):
        return url_for("embed.report", story_id=self.story.id, comment_id=comment.id)

    def feature(self, comment):
        return url_for("embed.feature", story_id=self.story.id, comment_id=comment.id)


def thread_context(story, viewer, links):
    """What the thread partials need besides the comments: who is reading, what they may do, where links go."""
    refusal = posting_refusal(viewer) if viewer is not None else None
    return {
        "story": story, "viewer": viewer, "links": links, "refusal": refusal,
        "can_edit": lambda comment: can_edit(comment, viewer),
        "can_post": viewer is not None and story.comments_open and not refusal,
        "is_moderator": viewer is not None and viewer.has_role("moderator"),
        "long_comment": LONG_COMMENT, "edit_minutes": EDIT_MINUTES, "sorts": SORTS,
    }
