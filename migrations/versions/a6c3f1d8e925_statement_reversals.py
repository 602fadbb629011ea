"""reversals: a statement of reasons whose decision was undone or reversed (the statement stays as issued)

Revision ID: a6c3f1d8e925
Revises: e4a7c2d9b812
Create Date: 2026-12-07 20:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a6c3f1d8e925'
down_revision = 'd5f2a9c31e47'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reversals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('cause', sa.String(length=20), nullable=False),
    sa.Column('moderator_id', sa.Integer(), nullable=True),
    sa.Column('review_id', sa.Integer(), nullable=True),
    sa.Column('appeal_id', sa.Integer(), nullable=True),
    sa.Column('reversed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], name=op.f('fk_reversals_appeal_id_appeals')),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_reversals_comment_id_comments')),
    sa.ForeignKeyConstraint(['moderator_id'], ['users.id'], name=op.f('fk_reversals_moderator_id_users')),
    sa.ForeignKeyConstraint(['review_id'], ['reviews.id'], name=op.f('fk_reversals_review_id_reviews')),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_reversals_statement_id_statements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reversals')),
    sa.UniqueConstraint('statement_id', name=op.f('uq_reversals_statement_id'))
    )
    with op.batch_alter_table('reversals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reversals_cause'), ['cause'], unique=False)
        batch_op.create_index(batch_op.f('ix_reversals_comment_id'), ['comment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reversals_review_id'), ['review_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reversals_reversed_at'), ['reversed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('reversals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reversals_reversed_at'))
        batch_op.drop_index(batch_op.f('ix_reversals_review_id'))
        batch_op.drop_index(batch_op.f('ix_reversals_comment_id'))
        batch_op.drop_index(batch_op.f('ix_reversals_cause'))

    op.drop_table('reversals')
