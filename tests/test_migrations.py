"""The Alembic migrations build exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from moderation.extensions import db
from moderation.models import display_name_key


def test_migrations_match_the_models(app):
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert diff == []
        downgrade(revision="base")
        upgrade()


def test_the_unique_display_name_migration_numbers_existing_duplicates(app):
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(revision="c7e19a0b5d21")
        with db.engine.begin() as connection:
            for n, name in enumerate(["Alice", "alice ", "ＡＬＩＣＥ", "Alice 2", "Bob"], start=1):
                connection.execute(text(
                    "INSERT INTO users (id, email, display_name, password_hash, role, created_at, standing, "
                    "session_token, notify_replies, notify_decisions) VALUES (:id, :email, :name, '!', 'reader', "
                    "CURRENT_TIMESTAMP, 'good', '', true, true)"), {"id": n, "email": f"u{n}@example.com", "name": name})
        upgrade()
        with db.engine.connect() as connection:
            names = dict(connection.execute(text("SELECT id, display_name FROM users")).all())
        assert names[1] == "Alice" and names[5] == "Bob" and names[4] == "Alice 2"
        keys = [display_name_key(name) for name in names.values()]
        assert len(set(keys)) == 5, names  # the later duplicates got numbers no one else has
