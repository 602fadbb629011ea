"""Every moderator and admin route refuses readers and anonymous visitors."""
import pytest

from tests.conftest import post_form

# (method, url, minimum role); {slug} is filled with a real story.
PROTECTED = [
    ("get", "/review/", "moderator"),
    ("post", "/review/1", "moderator"),
    ("get", "/admin/", "admin"),
    ("get", "/admin/stories/new", "admin"),
    ("post", "/admin/stories/new", "admin"),
    ("get", "/admin/stories/1/edit", "admin"),
    ("post", "/admin/stories/1/edit", "admin"),
]
RANK = {"anonymous": 0, "reader": 1, "moderator": 2, "admin": 3}


@pytest.mark.parametrize("method,url,needed", PROTECTED)
@pytest.mark.parametrize("role", ["anonymous", "reader", "moderator", "admin"])
def test_route_refuses_lower_roles(client, login, make_story, method, url, needed, role):
    make_story()
    if role != "anonymous":
        login(role)
    if method == "get":
        response = client.get(url)
    else:
        response = post_form(client, url, {"title": "A title"})
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
