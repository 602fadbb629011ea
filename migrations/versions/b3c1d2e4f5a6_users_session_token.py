"""users.session_token: part of the login cookies, renewed on logout so old cookies stop working

Revision ID: b3c1d2e4f5a6
Revises: d45189e206bd
Create Date: 2026-12-02 04:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3c1d2e4f5a6'
down_revision = 'd45189e206bd'
branch_labels = None
depends_on = None


def upgrade():
    # Existing people get an empty token: their next login creates one (older cookies no longer log in).
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=32), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_token')
