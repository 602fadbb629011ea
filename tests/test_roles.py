"""Every moderator and admin route refuses readers and anonymous visitors."""
import pytest

from moderation.extensions import db
from moderation.models import Comment
from tests.conftest import post_form

# (method, url, minimum role); {slug} is filled with a real story, {comment} and {author} with a
# real comment waiting for review and its author, {key} with a real API key.
PROTECTED = [
    ("get", "/review/", "moderator"),
    ("post", "/review/1", "moderator"),
    ("get", "/review/item/{comment}", "moderator"),
    ("post", "/review/{comment}", "moderator"),
    ("post", "/review/{comment}/hold", "moderator"),
    ("post", "/review/{comment}/release", "moderator"),
    ("post", "/review/{comment}/feature", "moderator"),
    ("get", "/review/counts", "moderator"),
    ("post", "/review/undo/1", "moderator"),
    ("post", "/review/bulk", "moderator"),
    ("get", "/review/authors/{author}", "moderator"),
    ("post", "/review/authors/{author}/standing", "moderator"),
    ("get", "/review/stats", "moderator"),
    ("get", "/review/audit", "admin"),
    ("get", "/review/settings", "admin"),
    ("post", "/review/settings", "admin"),
    ("get", "/admin/", "admin"),
    ("get", "/admin/stories/new", "admin"),
    ("post", "/admin/stories/new", "admin"),
    ("get", "/admin/stories/1/edit", "admin"),
    ("post", "/admin/stories/1/edit", "admin"),
    ("get", "/admin/models", "admin"),
    ("post", "/admin/models/train", "admin"),  # no row count given: refused, so no job starts here
    ("get", "/admin/models/job", "admin"),
    ("post", "/admin/models/job/cancel", "admin"),
    ("get", "/admin/models/test-v1", "admin"),
    ("get", "/admin/models/test-v1/what-if?abuse-review=0.3", "admin"),
    ("post", "/admin/models/test-v1/thresholds", "admin"),
    ("post", "/admin/models/test-v1/promote", "admin"),
    ("post", "/admin/models/test-v1/compare", "admin"),  # the active version: refused, so no job starts here
    ("get", "/admin/users", "admin"),
    ("post", "/admin/users/1/role", "admin"),
    ("get", "/admin/integrations/", "admin"),
    ("post", "/admin/integrations/keys", "admin"),
    ("post", "/admin/integrations/keys/{key}", "admin"),
    ("post", "/admin/integrations/keys/{key}/revoke", "admin"),
    ("get", "/admin/integrations/keys/{key}/feedback", "admin"),
    ("post", "/admin/integrations/coral", "admin"),
]
RANK = {"anonymous": 0, "reader": 1, "moderator": 2, "admin": 3}


@pytest.mark.parametrize("method,url,needed", PROTECTED)
@pytest.mark.parametrize("role", ["anonymous", "reader", "moderator", "admin"])
def test_route_refuses_lower_roles(client, login, make_story, make_comment, make_api_key, app, method, url, needed,
                                   role):
    make_story()
    if "{key}" in url:
        from moderation.api.keys import find_key

        make_api_key("role-check-key")
        with app.app_context():
            url = url.format(key=find_key("role-check-key").id)
    if "{comment}" in url or "{author}" in url:
        comment_id = make_comment()
        with app.app_context():
            url = url.format(comment=comment_id, author=db.session.get(Comment, comment_id).author_id)
    if role != "anonymous":
        login(role)
    if method == "get":
        response = client.get(url)
    else:
        response = post_form(client, url, {"title": "A title", "audit_percent": "2", "name": "made-in-role-check"})
    if role == "anonymous":
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    elif RANK[role] < RANK[needed]:
        assert response.status_code == 403
    else:
        assert response.status_code in (200, 302)


@pytest.mark.parametrize("url", ["/my/comments"])
def test_reader_pages_need_a_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
