"""Comments: the author's edit and deletion times, and a moderator's feature flag

Revision ID: c21e0a7d9f10
Revises: b3c1d2e4f5a6
Create Date: 2026-12-02 07:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c21e0a7d9f10'
down_revision = 'b3c1d2e4f5a6'
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
