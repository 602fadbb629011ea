"""Every moderator and admin route refuses readers and anonymous visitors."""
import pytest
from sqlalchemy import select

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
    ("get", "/review/appeals", "moderator"),
    ("get", "/review/appeals/{appeal}", "moderator"),
    ("post", "/review/appeals/{appeal}", "moderator"),  # no outcome given: 422, the appeal stays open
    ("get", "/review/notices", "moderator"),
    ("get", "/review/notices/{notice}", "moderator"),
    ("post", "/review/notices/{notice}", "moderator"),  # no outcome given: 422, the notice stays open
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
    ("get", "/admin/sites/", "admin"),
    ("post", "/admin/sites/", "admin"),
    ("get", "/admin/sites/{site}", "admin"),
    ("post", "/admin/sites/{site}", "admin"),
    ("post", "/admin/sites/{site}/sso-secret", "admin"),
    ("post", "/admin/sites/{site}/keys", "admin"),
    ("post", "/admin/sites/{site}/webhooks", "admin"),
    ("post", "/admin/sites/{site}/webhooks/{endpoint}/rotate", "admin"),
    ("post", "/admin/sites/{site}/webhooks/{endpoint}/active", "admin"),
    ("get", "/admin/sites/{site}/deliveries/{delivery}", "admin"),
    ("post", "/admin/sites/{site}/deliveries/{delivery}/resend", "admin"),  # to a closed port: logged, not sent
    ("get", "/admin/transparency/", "admin"),
    ("get", "/admin/transparency/report.json", "admin"),
    ("get", "/admin/transparency/report.csv", "admin"),
    ("get", "/admin/privacy", "admin"),
    ("post", "/admin/privacy", "admin"),  # no valid choice sent: 422, nothing changes
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
    if "{site}" in url:
        url = url.format(**_site_with_a_delivery(app))
    if "{appeal}" in url or "{notice}" in url:
        url = url.format(**_appeal_and_notice(app, make_comment))
    if "{comment}" in url or "{author}" in url:
        comment_id = make_comment()
        with app.app_context():
            url = url.format(comment=comment_id, author=db.session.get(Comment, comment_id).author_id)
    if role != "anonymous":
        login(role)
    if method == "get":
        response = client.get(url)
    else:
        response = post_form(client, url, {"title": "A title", "audit_percent": "2", "name": "made-in-role-check",
                                           "slug": "role-check-site", "url": "https://herald.example/hook"})
    if role == "anonymous":
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    elif RANK[role] < RANK[needed]:
        assert response.status_code == 403
    else:
        assert response.status_code in (200, 302, 422)  # 422: let in, but the form sent lacked what it needs


def _appeal_and_notice(app, make_comment):
    """An open appeal against a rejection, and an open notice about a published comment."""
    from moderation.legal.appeals import file_appeal
    from moderation.legal.models import Notice, Statement
    from moderation.models import User
    from moderation.operations import create_user, review_comment

    rejected, published = make_comment(), make_comment(status="published")
    with app.app_context():
        moderator = create_user("decider@example.com", "a long enough password", role="moderator")
        review_comment(rejected, moderator, "reject", "abuse")
        statement = db.session.scalar(select(Statement))
        appeal = file_appeal(statement, db.session.get(User, statement.author_id), "It was not abusive at all.")
        notice = Notice(comment_id=published, category="other", explanation="Illegal under a law.", email="n@x.org")
        db.session.add(notice)
        db.session.commit()
        return {"appeal": appeal.id, "notice": notice.id}


def _site_with_a_delivery(app):
    """A site with a webhook endpoint (at a closed loopback port) and one delivery of a story.created event."""
    from moderation.operations import save_story
    from moderation.sites.operations import add_endpoint, save_site
    from moderation.webhooks.models import WebhookDelivery

    with app.app_context():
        site = save_site(None, "Role check", "role-check", "https://herald.example")
        endpoint = add_endpoint(site, None, "http://127.0.0.1:9/closed", [])
        save_story("A story of the role check", site=site, external_id="s-1")
        db.session.commit()
        delivery = db.session.query(WebhookDelivery).one()
        return {"site": site.id, "endpoint": endpoint.id, "delivery": delivery.id}


def test_every_moderator_and_admin_route_is_in_the_matrix(app):
    """A route added under /review or /admin without a row above would go unchecked: this fails until it has one."""
    adapter = app.url_map.bind("localhost")
    filled = {name: "1" for name in ("slug", "comment", "author", "key", "site", "endpoint", "delivery", "appeal",
                                     "notice")}
    listed = {(method.upper(), adapter.match(url.split("?")[0].format(**filled), method=method.upper())[0])
              for method, url, _ in PROTECTED}
    routes = {(method, rule.endpoint) for rule in app.url_map.iter_rules()
              if rule.rule.startswith(("/review", "/admin")) for method in rule.methods & {"GET", "POST"}}
    assert not routes - listed, f"add these to PROTECTED: {sorted(routes - listed)}"


@pytest.mark.parametrize("url", ["/my/comments", "/account/data.json", "/account/notifications", "/account/delete",
                                 "/legal/appeals/SOR-000000000000"])
def test_reader_pages_need_a_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
