"""display names unique at the database level: a normalised key (NFKC, casefolded) with a unique index over the
service's own accounts; existing duplicates get a number ("Alice", "Alice 2", "Alice 3")

Revision ID: a3d1f7c2e905
Revises: c7e19a0b5d21
Create Date: 2026-12-02 16:00:00.000000

"""
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3d1f7c2e905'
down_revision = 'c7e19a0b5d21'
branch_labels = None
depends_on = None


def _key(name):
    return " ".join(unicodedata.normalize("NFKC", name or "").split()).casefold()


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('display_name_key', sa.String(length=200), server_default='', nullable=False))
    connection = op.get_bind()
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('display_name', sa.String),
                     sa.column('display_name_key', sa.String), sa.column('site_id', sa.Integer))
    rows = connection.execute(sa.select(users.c.id, users.c.display_name, users.c.site_id).order_by(users.c.id)).all()
    taken = {_key(name) for _, name, site_id in rows}
    seen = set()
    for user_id, name, site_id in rows:
        key = _key(name)
        if site_id is None and key in seen:  # the oldest account keeps the name; later ones get a number
            base, n = " ".join(name.split())[:55], 2
            while _key(f"{base} {n}") in taken:
                n += 1
            name = f"{base} {n}"
            key = _key(name)
            taken.add(key)
        if site_id is None:
            seen.add(key)
        connection.execute(users.update().where(users.c.id == user_id).values(display_name=name, display_name_key=key))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('uq_users_display_name_key', ['display_name_key'], unique=True,
                              sqlite_where=sa.text('site_id IS NULL'), postgresql_where=sa.text('site_id IS NULL'))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('uq_users_display_name_key', sqlite_where=sa.text('site_id IS NULL'),
                            postgresql_where=sa.text('site_id IS NULL'))
        batch_op.drop_column('display_name_key')
