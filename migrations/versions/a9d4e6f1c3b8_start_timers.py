"""start timers: the next time the engine starts an instance of a process by itself

Revision ID: a9d4e6f1c3b8
Revises: f3b7c2d9e4a1
Create Date: 2026-11-22 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9d4e6f1c3b8'
down_revision = 'f3b7c2d9e4a1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'engine_start_timer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant', sa.String(length=64), nullable=False),
        sa.Column('definition_id', sa.Integer(), nullable=False),
        sa.Column('process_key', sa.String(length=255), nullable=False),
        sa.Column('event_id', sa.String(length=255), nullable=False),
        sa.Column('timer', sa.String(length=255), nullable=False),
        sa.Column('due_at', sa.DateTime(), nullable=False),
        sa.Column('remaining', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['definition_id'], ['engine_definition.id'], ),
        sa.PrimaryKeyConstraint('id'))
    with op.batch_alter_table('engine_start_timer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_engine_start_timer_definition_id'),
                              ['definition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_engine_start_timer_due_at'), ['due_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('engine_start_timer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_engine_start_timer_due_at'))
        batch_op.drop_index(batch_op.f('ix_engine_start_timer_definition_id'))
    op.drop_table('engine_start_timer')
