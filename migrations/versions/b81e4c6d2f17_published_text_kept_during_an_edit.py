"""the published text kept while an edit of a published comment waits or was rejected by the machine

Revision ID: b81e4c6d2f17
Revises: a3d1f7c2e905
Create Date: 2026-12-02 16:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b81e4c6d2f17'
down_revision = 'a3d1f7c2e905'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_text', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_column('published_text')
