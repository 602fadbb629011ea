"""reviews.previous_published_text: the text an edit kept up, which a decision cleared and undo puts back

Revision ID: d5f2a9c31e47
Revises: e4a7c2d9b812
Create Date: 2026-12-07 20:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5f2a9c31e47'
down_revision = 'e4a7c2d9b812'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_published_text', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_column('previous_published_text')
