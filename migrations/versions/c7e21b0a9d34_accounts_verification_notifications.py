"""users: email verification, notification preferences and account deletion (issue 21)

Revision ID: c7e21b0a9d34
Revises: c21e0a7d9f10
Create Date: 2026-12-02 07:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7e21b0a9d34'
down_revision = 'c21e0a7d9f10'
branch_labels = None
depends_on = None


def upgrade():
    # Existing people start unconfirmed (they can confirm from their account page) with both notifications on.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('notify_replies', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('notify_decisions', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
        batch_op.drop_column('notify_decisions')
        batch_op.drop_column('notify_replies')
        batch_op.drop_column('email_verified_at')
