"""Comments: the author's edit and deletion times, and a moderator's feature flag

Revision ID: c21e0a7d9f10
Revises: bc9479b8f83b
Create Date: 2026-12-02 07:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c21e0a7d9f10'
down_revision = 'bc9479b8f83b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('featured', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_column('featured')
        batch_op.drop_column('deleted_at')
        batch_op.drop_column('edited_at')
