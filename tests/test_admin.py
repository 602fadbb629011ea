"""Admins create and edit stories."""
from tests.conftest import post_form


def test_admin_creates_edits_and_closes_a_story(client, login):
    login("admin")
    response = post_form(
        client,
        "/admin/stories/new",
        {"title": "Flood defences delayed again", "summary": "The river wall is late.", "url": "https://example.com/a", "comments_open": "y"},
    )
    assert response.status_code == 302
    slug = response.headers["Location"].rsplit("/", 1)[1]
    assert slug == "flood-defences-delayed-again"
    page = client.get(f"/stories/{slug}").get_data(as_text=True)
    assert "Flood defences delayed again" in page and "Your comment" in page
    response = post_form(client, "/admin/stories/1/edit", {"title": "Flood defences delayed to 2028", "summary": "Late."})
    page = client.get(f"/stories/{slug}").get_data(as_text=True)
    assert "Flood defences delayed to 2028" in page
    assert "Comments are closed on this story." in page


def test_story_form_explains_bad_input(client, login):
    login("admin")
    response = post_form(client, "/admin/stories/new", {"title": "", "url": "not a link"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This field is required." in page and "Invalid URL." in page
