"""Admins list people and change their roles; nobody changes their own."""
from sqlalchemy import select

from moderation.extensions import db
from moderation.models import AuditEvent, User
from tests.conftest import post_form


def test_admin_promotes_a_reader_to_moderator(app, client, login, make_user):
    reader_id, reader_email = make_user("reader")
    admin_id, _ = login("admin")
    page = client.get("/admin/users").get_data(as_text=True)
    assert reader_email in page and f'action="/admin/users/{admin_id}/role"' not in page
    response = post_form(client, f"/admin/users/{reader_id}/role", {"role": "moderator"}, follow_redirects=True)
    assert f"{reader_email} is now a moderator." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, reader_id).role == "moderator"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "role"))
        assert (event.actor_id, event.before, event.after) == (admin_id, {"role": "reader"}, {"role": "moderator"})


def test_bad_roles_and_own_role_are_refused(app, client, login, make_user):
    reader_id, _ = make_user("reader")
    admin_id, _ = login("admin")
    page = post_form(client, f"/admin/users/{reader_id}/role", {"role": "king"}, follow_redirects=True).get_data(as_text=True)
    assert "Unknown role." in page
    page = post_form(client, f"/admin/users/{admin_id}/role", {"role": "reader"}, follow_redirects=True).get_data(as_text=True)
    assert "cannot change your own role" in page
    with app.app_context():
        assert (db.session.get(User, reader_id).role, db.session.get(User, admin_id).role) == ("reader", "admin")
    assert post_form(client, "/admin/users/9999/role", {"role": "reader"}).status_code == 404
